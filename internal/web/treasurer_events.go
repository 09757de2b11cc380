package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// The national treasurer's view of Stripe events needing attention: the
// events that failed, with their error and a Retry button, and how many
// events have waited too long to be applied.

const (
	// eventsShown is how many failed events the page lists, newest first.
	eventsShown = 100
	// staleAfter is how long a pending event may wait before the page
	// says so: a job normally applies it within seconds.
	staleAfter = 5 * time.Minute
)

// eventsPage is the data of treasurer_events.html.
type eventsPage struct {
	Failed []eventRow
	// More is set when there may be failed events beyond those shown.
	More  bool
	Shown int
	// Stale counts pending events received more than StaleMinutes ago.
	Stale        int64
	StaleMinutes int
	// MaxAttempts is how often an event is tried automatically.
	MaxAttempts int
}

// eventRow is one failed event, its times formatted.
type eventRow struct {
	ID, Type string
	// Received and Next are for reading, ReceivedISO and NextISO for
	// <time datetime>. NoMore: no automatic attempt is left; DueNow: the
	// next attempt's time has come.
	Received, ReceivedISO string
	Next, NextISO         string
	NoMore, DueNow        bool
	Attempts              int
	Error                 string
	Retry                 *form
}

// eventTime formats an instant for a treasurer in UTC, to the minute.
func eventTime(t time.Time) (human, iso string) {
	t = t.UTC()
	return t.Format("2 Jan 2006, 15:04 UTC"), t.Format(time.RFC3339)
}

// events is GET /treasurer/events: failed Stripe events with a Retry
// button each (national books only; the domain refuses anyone else).
func (s *Site) events(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	ctx := rq.r.Context()
	list, err := d.Events(ctx, rq.p, dues.EventFailed, eventsShown)
	if err != nil {
		return err
	}
	stale, err := d.StalePendingEvents(ctx, rq.p, staleAfter)
	if err != nil {
		return err
	}
	page := eventsPage{Shown: len(list), More: len(list) == eventsShown, Stale: stale, StaleMinutes: int(staleAfter / time.Minute),
		MaxAttempts: dues.MaxEventAttempts}
	now := time.Now()
	for _, e := range list {
		row := eventRow{ID: e.ID, Type: e.Type, Attempts: e.Attempts, Error: e.Error,
			Retry: &form{Action: "/treasurer/events/" + url.PathEscape(e.ID) + "/retry", Submit: "Retry", CSRF: rq.p.CSRFToken()}}
		row.Received, row.ReceivedISO = eventTime(e.ReceivedAt)
		switch {
		case e.NextAttemptAt == nil:
			row.NoMore = true
		case !e.NextAttemptAt.After(now):
			row.DueNow = true
		default:
			row.Next, row.NextISO = eventTime(*e.NextAttemptAt)
		}
		page.Failed = append(page.Failed, row)
	}
	v := treasurerView{Key: "events", Scope: "The organization's Stripe account", Report: page}
	return s.renderReport(rq, http.StatusOK, "treasurer_events", "Stripe events needing attention", v)
}

// retryEvent is POST /treasurer/events/{id}/retry: the failed event is
// made due now, and the page is shown again with a message. An event that
// is no longer failed (applied meanwhile, or retried twice) is not an
// error worth a page of its own: the message says so.
func (s *Site) retryEvent(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	id := rq.c.Param("id")
	err = d.RetryEvent(rq.r.Context(), rq.p, id)
	switch {
	case err == nil:
		return s.seeOther(rq, "/treasurer/events", "Event "+id+" will be tried again shortly.")
	case errs.KindOf(err) == errs.Conflict:
		return s.seeOther(rq, "/treasurer/events", "Event "+id+" is no longer failed: there is nothing to retry.")
	default:
		return err
	}
}
