package dues_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/dues/duestest"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// storeEvent stores an event directly: received ago before now, in state,
// with attempts, a next attempt in next (nil: none) and error text. Its
// payload holds a customer email, which no listing may show.
func storeEvent(t testing.TB, pool *pgxpool.Pool, id, state string, ago time.Duration, attempts int, next *time.Duration, msg string) {
	t.Helper()
	var nextAt any
	if next != nil {
		nextAt = time.Now().Add(*next)
	}
	_, err := pool.Exec(context.Background(), `INSERT INTO dues_events
		(event_id, type, created, payload, received_at, state, attempts, next_attempt_at, error)
		VALUES ($1, 'invoice.paid', now() - interval '1 day', '{"customer_email": "secret@example.org"}',
			now() - make_interval(secs => $2), $3, $4, $5, $6)`,
		id, ago.Seconds(), state, attempts, nextAt, msg)
	if err != nil {
		t.Fatal(err)
	}
}

func ids(evs []dues.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return strings.Join(out, ",")
}

func wantKind(t *testing.T, what string, err error, kind errs.Kind, field string) {
	t.Helper()
	if errs.KindOf(err) != kind {
		t.Errorf("%s: %v, want %s", what, err, kind)
		return
	}
	if field != "" {
		if e := errs.As(err); e == nil || e.Field != field {
			t.Errorf("%s: %v, want field %q", what, err, field)
		}
	}
}

// TestEventsLists: failed and pending events are listed apart, newest
// received first, up to the limit, with their attempts, next attempt (none
// once attempts are used up) and error, and never their payload; another
// state or a limit out of range is Invalid naming its field.
func TestEventsLists(t *testing.T) {
	pool := pgtest.New(t)
	s := newTestService(t, pool, duestest.New(), "2026-03-15")
	ctx := context.Background()
	soon := 30 * time.Second
	storeEvent(t, pool, "evt_failed_old", "failed", 3*time.Hour, 20, nil, "no such charge ch_1")
	storeEvent(t, pool, "evt_failed_new", "failed", time.Hour, 2, &soon, "stripe: timeout")
	storeEvent(t, pool, "evt_failed_mid", "failed", 2*time.Hour, 5, &soon, "no payment of its charge ch_2")
	storeEvent(t, pool, "evt_pending", "pending", 10*time.Minute, 0, nil, "")
	storeEvent(t, pool, "evt_pending_fresh", "pending", 0, 0, nil, "")
	storeEvent(t, pool, "evt_processed", "processed", time.Minute, 0, nil, "")
	storeEvent(t, pool, "evt_ignored", "ignored", time.Minute, 0, nil, "")

	failed, err := s.Events(ctx, nationalTreasurer(), dues.EventFailed, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(failed); got != "evt_failed_new,evt_failed_mid,evt_failed_old" {
		t.Fatalf("failed events %s, want newest received first", got)
	}
	old := failed[2]
	if old.State != "failed" || old.Attempts != 20 || old.NextAttemptAt != nil || old.Error != "no such charge ch_1" ||
		old.Type != "invoice.paid" || old.Created.IsZero() || !old.ReceivedAt.Before(failed[1].ReceivedAt) {
		t.Errorf("exhausted event: %+v", old)
	}
	if n := failed[0].NextAttemptAt; n == nil || n.Before(time.Now()) || failed[0].Attempts != 2 {
		t.Errorf("event with attempts left: next %v, attempts %d", n, failed[0].Attempts)
	}
	if got, _ := s.Events(ctx, nationalTreasurer(), dues.EventFailed, 2); ids(got) != "evt_failed_new,evt_failed_mid" {
		t.Errorf("limit 2: %s", ids(got))
	}
	pending, err := s.Events(ctx, nationalTreasurer(), dues.EventPending, dues.MaxEventsListed)
	if err != nil || ids(pending) != "evt_pending_fresh,evt_pending" {
		t.Errorf("pending events %s (%v)", ids(pending), err)
	}
	if n, err := s.StalePendingEvents(ctx, nationalTreasurer(), 5*time.Minute); n != 1 || err != nil {
		t.Errorf("%d pending events older than 5 minutes (%v), want 1", n, err)
	}

	// The payload is not part of an event at all.
	if _, ok := reflect.TypeFor[dues.Event]().FieldByName("Payload"); ok {
		t.Error("Event has a Payload field")
	}
	b, _ := json.Marshal(append(failed, pending...))
	if strings.Contains(string(b), "secret@example.org") {
		t.Error("a listed event carries its payload")
	}

	for _, c := range []struct {
		state string
		limit int
		field string
	}{{"processed", 10, "state"}, {"ignored", 10, "state"}, {"", 10, "state"}, {"failed", 0, "limit"},
		{"failed", -1, "limit"}, {"pending", dues.MaxEventsListed + 1, "limit"}} {
		_, err := s.Events(ctx, nationalTreasurer(), c.state, c.limit)
		wantKind(t, c.state+" "+strconv.Itoa(c.limit), err, errs.Invalid, c.field)
	}
}

// TestEventsNationalOnly: members, chapter treasurers and the signed-out
// neither list nor retry events; a national admin does.
func TestEventsNationalOnly(t *testing.T) {
	pool := pgtest.New(t)
	seedOrg(t, pool, 2)
	s := newTestService(t, pool, duestest.New(), "2026-03-15")
	ctx := context.Background()
	storeEvent(t, pool, "evt_failed", "failed", time.Hour, 20, nil, "no such charge ch_1")
	refused := map[string]*auth.Principal{
		"member": {MemberID: memberID(1), ChapterID: chapterB},
		"chapter treasurer": {MemberID: memberID(1), ChapterID: chapterA,
			Grants: []auth.Grant{{Role: auth.RoleTreasurer, ChapterID: chapterA}}},
		"chapter admin": {MemberID: memberID(1), ChapterID: chapterA,
			Grants: []auth.Grant{{Role: auth.RoleAdmin, ChapterID: chapterA}}},
		"nobody": nil,
	}
	for who, p := range refused {
		_, err := s.Events(ctx, p, dues.EventFailed, 10)
		wantKind(t, who+" lists", err, errs.Forbidden, "")
		_, err = s.StalePendingEvents(ctx, p, time.Minute)
		wantKind(t, who+" counts", err, errs.Forbidden, "")
		wantKind(t, who+" retries", s.RetryEvent(ctx, p, "evt_failed"), errs.Forbidden, "")
	}
	var next *time.Time
	pool.QueryRow(ctx, `SELECT next_attempt_at FROM dues_events`).Scan(&next)
	if next != nil {
		t.Fatal("a refused retry made the event due")
	}
	admin := &auth.Principal{MemberID: memberID(0), ChapterID: chapterA,
		Grants: []auth.Grant{{Role: auth.RoleAdmin, ChapterID: nationalID, National: true}}}
	if evs, err := s.Events(ctx, admin, dues.EventFailed, 10); err != nil || len(evs) != 1 {
		t.Errorf("national admin: %d events (%v)", len(evs), err)
	}
	if err := s.RetryEvent(ctx, admin, "evt_failed"); err != nil {
		t.Errorf("national admin retry: %v", err)
	}
}

// TestRetryEvent: an event that fails until it has used up its automatic
// attempts is no longer tried; RetryEvent makes it due now, keeping its
// attempts and error, writes an audit entry and wakes the pump. If it
// fails again it is left without a next attempt again; once its cause is
// fixed a retry applies it. A processed event cannot be retried (Conflict)
// and an unknown one is NotFound.
func TestRetryEvent(t *testing.T) {
	pool := pgtest.New(t)
	seedOrg(t, pool, 1)
	w := duestest.New()
	ch, _ := w.Pay(memberID(0), 2000, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	show := w.Hide(ch)
	s := newTestService(t, pool, w, "2026-03-15")
	ctx := context.Background()
	for _, e := range w.Events() {
		if _, err := s.ReceiveWebhook(ctx, e, sign(e, testSecret)); err != nil {
			t.Fatal(err)
		}
	}
	var id string
	pool.QueryRow(ctx, `SELECT event_id FROM dues_events`).Scan(&id)
	// The event has failed all but its last automatic attempt, which is due.
	if _, err := pool.Exec(ctx, `UPDATE dues_events SET state = 'failed', attempts = $1 - 1, next_attempt_at = now(),
		error = 'earlier'`, dues.MaxEventAttempts); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ProcessDueEvents(ctx); n != 1 || err != nil {
		t.Fatalf("last attempt: leased %d (%v)", n, err)
	}
	one := func() dues.Event {
		t.Helper()
		evs, err := s.Events(ctx, nationalTreasurer(), dues.EventFailed, 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("failed events: %d (%v)", len(evs), err)
		}
		return evs[0]
	}
	ev := one()
	if ev.ID != id || ev.Attempts != dues.MaxEventAttempts || ev.NextAttemptAt != nil || !strings.Contains(ev.Error, "no such charge") {
		t.Fatalf("after its last attempt: %+v", ev)
	}
	if n, _ := s.ProcessDueEvents(ctx); n != 0 {
		t.Fatal("an event with no attempts left was tried again")
	}

	s.PumpStarted() // forget the pokes of the deliveries
	if err := s.RetryEvent(ctx, nationalTreasurer(), id); err != nil {
		t.Fatal(err)
	}
	ev = one()
	if ev.NextAttemptAt == nil || ev.NextAttemptAt.After(time.Now()) || ev.Attempts != dues.MaxEventAttempts ||
		!strings.Contains(ev.Error, "no such charge") {
		t.Fatalf("after a retry: %+v, want due now with its attempts and error kept", ev)
	}
	if !s.PumpDue(time.Now()) {
		t.Error("the retry did not wake the pump")
	}
	var action, entity string
	var actorOK bool
	if err := pool.QueryRow(ctx, `SELECT action, entity, actor_id = $2 FROM audit_log WHERE entity_id = $1`, id,
		nationalTreasurer().MemberID).Scan(&action, &entity, &actorOK); err != nil {
		t.Fatalf("no audit entry for the retry: %v", err)
	}
	if action != "dues.event.retry" || entity != "dues_event" || !actorOK {
		t.Errorf("audit entry %s %s, actor is the treasurer: %v", action, entity, actorOK)
	}

	// Still failing: one more attempt, then none scheduled again.
	if n, err := s.ProcessDueEvents(ctx); n != 1 || err != nil {
		t.Fatalf("retried event: leased %d (%v)", n, err)
	}
	if ev = one(); ev.Attempts != dues.MaxEventAttempts+1 || ev.NextAttemptAt != nil {
		t.Fatalf("after failing again: %+v, want no next attempt", ev)
	}

	// Fixed: the retry applies it.
	show()
	if err := s.RetryEvent(ctx, nationalTreasurer(), id); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ProcessDueEvents(ctx); n != 1 || err != nil {
		t.Fatalf("retried event: leased %d (%v)", n, err)
	}
	var state string
	var ledger int
	pool.QueryRow(ctx, `SELECT state, (SELECT count(*) FROM dues_ledger) FROM dues_events WHERE event_id = $1`, id).Scan(&state, &ledger)
	if state != "processed" || ledger != 1 {
		t.Fatalf("after the fix and a retry: state %s, %d ledger rows", state, ledger)
	}
	var entries int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'dues.event.retry'`).Scan(&entries)
	if entries != 2 {
		t.Errorf("%d retry audit entries, want 2", entries)
	}

	wantKind(t, "retry of a processed event", s.RetryEvent(ctx, nationalTreasurer(), id), errs.Conflict, "")
	wantKind(t, "retry of an unknown event", s.RetryEvent(ctx, nationalTreasurer(), "evt_nope"), errs.NotFound, "")
	storeEvent(t, pool, "evt_waiting", "pending", 0, 0, nil, "")
	wantKind(t, "retry of a pending event", s.RetryEvent(ctx, nationalTreasurer(), "evt_waiting"), errs.Conflict, "")
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'dues.event.retry'`).Scan(&entries)
	if entries != 2 {
		t.Errorf("%d retry audit entries after refused retries, want 2", entries)
	}
}
