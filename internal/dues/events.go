package dues

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Stored Stripe events as the national treasurer sees them: the ones that
// failed (with their error) and the ones still waiting, and a way to make a
// failed one due again once its cause is fixed. Payloads are never read
// here: they can hold customers' contact details.

// Event states a treasurer can list.
const (
	EventPending = "pending"
	EventFailed  = "failed"
)

// MaxEventsListed is the most events Events returns at once.
const MaxEventsListed = 500

// Event is a stored Stripe webhook event without its payload.
type Event struct {
	// ID is Stripe's event id (evt_...); Type its type (invoice.paid, ...).
	ID   string
	Type string
	// ReceivedAt is when the webhook delivery stored it; Created is when
	// Stripe created it.
	ReceivedAt time.Time
	Created    time.Time
	// State is pending, processed, ignored or failed.
	State string
	// Attempts counts the failed attempts at applying it.
	Attempts int
	// NextAttemptAt is when a job will try a pending or failed event
	// again. For a failed event nil means it has had its automatic
	// attempts and waits for RetryEvent.
	NextAttemptAt *time.Time
	// Error is the last attempt's error ("" when none failed).
	Error string
}

// Events lists the stored events in state (EventFailed or EventPending),
// newest received first, at most limit (1 to MaxEventsListed) of them.
// National ledger readers only (Forbidden otherwise); Invalid, naming the
// field "state" or "limit", for another state or a limit out of range.
func (s *Service) Events(ctx context.Context, p *auth.Principal, state string, limit int) ([]Event, error) {
	if err := requireNationalEvents(p); err != nil {
		return nil, err
	}
	if state != EventFailed && state != EventPending {
		return nil, errs.Field("state", "must be %q or %q", EventFailed, EventPending)
	}
	if limit < 1 || limit > MaxEventsListed {
		return nil, errs.Field("limit", "must be between 1 and %d", MaxEventsListed)
	}
	rows, err := postgres.New(s.pool).DuesListEvents(ctx, postgres.DuesListEventsParams{State: state, Lim: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(rows))
	for _, r := range rows {
		e := Event{ID: r.EventID, Type: r.Type, ReceivedAt: r.ReceivedAt, Created: r.Created, State: r.State,
			Attempts: int(r.Attempts), Error: r.Error}
		if r.NextAttemptAt.Valid {
			t := r.NextAttemptAt.Time
			e.NextAttemptAt = &t
		}
		out = append(out, e)
	}
	return out, nil
}

// StalePendingEvents counts the pending events received more than age ago
// (at least a second): events no job has applied in that time, which
// suggests no worker is running. National ledger readers only (Forbidden
// otherwise).
func (s *Service) StalePendingEvents(ctx context.Context, p *auth.Principal, age time.Duration) (int64, error) {
	if err := requireNationalEvents(p); err != nil {
		return 0, err
	}
	secs := max(int32(age/time.Second), 1)
	return postgres.New(s.pool).DuesCountStalePending(ctx, secs)
}

// RetryEvent makes a failed event due now, so the next processing job
// applies it, records the request in the audit log and wakes the pump. The
// event keeps its attempts and last error, so its history stays honest; an
// event that had used up its automatic attempts is tried once more, and if
// that attempt fails too it is left failed with no next attempt again
// (DuesFailEvent schedules another only below MaxEventAttempts). National
// ledger readers only (Forbidden otherwise); NotFound for an unknown event;
// Conflict for an event that is not failed.
func (s *Service) RetryEvent(ctx context.Context, p *auth.Principal, eventID string) error {
	if err := requireNationalEvents(p); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		r, err := q.DuesRetryEvent(ctx, eventID)
		if err != nil {
			return notFound(err, "event")
		}
		if !r.Retried {
			return errs.Conflictf("the event is %s, not failed: only a failed event can be retried", r.State)
		}
		return s.audit(ctx, tx, auditEntry(p, "dues.event.retry", "dues_event", eventID, uuid.Nil,
			map[string]any{"type": r.Type, "attempts": r.Attempts}))
	})
	if err != nil {
		return err
	}
	s.pump.poke()
	return nil
}

// requireNationalEvents is requireNational with a message about events.
func requireNationalEvents(p *auth.Principal) error {
	if err := requireNational(p); err != nil {
		return errs.Forbiddenf("only the national treasurer and national admins see Stripe events")
	}
	return nil
}
