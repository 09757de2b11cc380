package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/web"
)

// newEventsFixture is the site with a dues service (without Stripe: the
// events page needs none) and principal "rtreasurer", Riverside's chapter
// treasurer. It stores, directly:
//
//   - evt_exhausted: failed, out of automatic attempts;
//   - evt_later: failed, next attempt in ten minutes;
//   - evt_done: processed;
//   - evt_stuck: pending, received ten minutes ago.
//
// Every payload holds a customer email that no page may show.
func newEventsFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixtureWith(t, func(f *fixture, d *web.Deps) {
		s, err := dues.NewService(f.pool, time.Now, dues.Config{Policy: dues.DefaultPolicy()})
		if err != nil {
			t.Fatal(err)
		}
		d.Dues = s
	})
	riverside := f.chapters["riverside"]
	f.principals["rtreasurer"] = &auth.Principal{MemberID: f.accounts["member"], ChapterID: riverside,
		DisplayName: "Rita Riverside", Grants: []auth.Grant{{Role: auth.RoleTreasurer, ChapterID: riverside}}}
	storeEvents(t, f)
	return f
}

func storeEvents(t *testing.T, f *fixture) {
	t.Helper()
	_, err := f.pool.Exec(context.Background(), `INSERT INTO dues_events
		(event_id, type, created, payload, received_at, state, attempts, next_attempt_at, error) VALUES
		('evt_exhausted', 'invoice.paid', now() - interval '2 days', '{"email": "payer@example.net"}', now() - interval '1 day',
			'failed', $1, NULL, 'no such charge ch_missing'),
		('evt_later', 'charge.refunded', now() - interval '1 hour', '{"email": "payer@example.net"}', now() - interval '1 hour',
			'failed', 3, now() + interval '10 minutes', 'stripe: connection reset'),
		('evt_done', 'invoice.paid', now(), '{"email": "payer@example.net"}', now(), 'processed', 0, NULL, ''),
		('evt_stuck', 'invoice.paid', now(), '{"email": "payer@example.net"}', now() - interval '10 minutes', 'pending', 0, NULL, '')`,
		dues.MaxEventAttempts)
	if err != nil {
		t.Fatal(err)
	}
}

// eventState is an event's attempts and whether it is due now.
func eventState(t *testing.T, f *fixture, id string) (attempts int, due bool) {
	t.Helper()
	if err := f.pool.QueryRow(context.Background(), `SELECT attempts, coalesce(next_attempt_at <= now(), false)
		FROM dues_events WHERE event_id = $1`, id).Scan(&attempts, &due); err != nil {
		t.Fatal(err)
	}
	return attempts, due
}

// TestTreasurerEvents: the national treasurer's page lists the failed
// events (not the processed one) with their type, attempts, next attempt
// or "No more automatic attempts", and error, but not their payloads,
// with a Retry form each and the count of events waiting too long; Retry
// makes the event due now, keeps its attempts and writes an audit entry;
// retrying an event that is no longer failed only says so. Chapter
// treasurers, officers and members neither see the page nor retry.
func TestTreasurerEvents(t *testing.T) {
	t.Parallel()
	f := newEventsFixture(t)

	r := f.get(t, "treasurer", "/treasurer")
	wantContains(t, r, `href="/treasurer/events"`, "Stripe events needing attention")

	r = f.get(t, "treasurer", "/treasurer/events")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "<h1>Stripe events needing attention</h1>", `aria-current="page">Stripe events`,
		"evt_exhausted", "invoice.paid", "no such charge ch_missing", "No more automatic attempts",
		"evt_later", "charge.refunded", "stripe: connection reset", `<td data-label="Attempts">3</td>`,
		`<td data-label="Attempts">20</td>`, "2 failed events, newest first",
		`action="/treasurer/events/evt_exhausted/retry"`, `action="/treasurer/events/evt_later/retry"`,
		`name="csrf_token"`, `<span class="visually-hidden"> event evt_exhausted</span>`,
		"1 event received more than 5 minutes ago is still waiting")
	wantLacks(t, r, "evt_done", "payer@example.net", "Due now")
	if strings.Index(r.body, "evt_later") > strings.Index(r.body, "evt_exhausted") {
		t.Error("the failed events are not newest first")
	}

	if n, due := eventState(t, f, "evt_exhausted"); n != dues.MaxEventAttempts || due {
		t.Fatalf("before the retry: %d attempts, due %v", n, due)
	}
	r = f.post(t, "treasurer", "/treasurer/events/evt_exhausted/retry", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/treasurer/events" {
		t.Errorf("retry redirects to %q", loc)
	}
	if n, due := eventState(t, f, "evt_exhausted"); n != dues.MaxEventAttempts || !due {
		t.Fatalf("after the retry: %d attempts, due %v; want due now with its attempts kept", n, due)
	}
	var audited int
	f.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'dues.event.retry'
		AND entity_id = 'evt_exhausted' AND actor_id = $1`, f.accounts["treasurer"]).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit entries for the retry, want 1", audited)
	}

	// The flash says what happened; the event shows as due.
	req := httptest.NewRequest(http.MethodGet, "/treasurer/events", nil)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		req.AddCookie(c)
	}
	r = f.do(t, "treasurer", req)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Event evt_exhausted will be tried again shortly.", "Due now")

	// Not failed: a message, nothing changed; unknown: not found.
	r = f.post(t, "treasurer", "/treasurer/events/evt_done/retry", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	r = f.post(t, "treasurer", "/treasurer/events/evt_stuck/retry", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	if _, due := eventState(t, f, "evt_stuck"); due {
		t.Error("a retry touched a pending event")
	}
	wantStatus(t, f.post(t, "treasurer", "/treasurer/events/evt_nope/retry", url.Values{}), http.StatusNotFound)
	f.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'dues.event.retry'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d retry audit entries after refused retries, want 1", audited)
	}

	// A national admin may look too.
	wantStatus(t, f.get(t, "admin", "/treasurer/events"), http.StatusOK)

	for _, who := range []string{"rtreasurer", "officer", "member"} {
		r := f.get(t, who, "/treasurer/events")
		wantStatus(t, r, http.StatusForbidden)
		wantLacks(t, r, "evt_later", "no such charge")
		wantStatus(t, f.post(t, who, "/treasurer/events/evt_later/retry", url.Values{}), http.StatusForbidden)
		if _, due := eventState(t, f, "evt_later"); due {
			t.Fatalf("%s made the event due", who)
		}
	}
	wantLacks(t, f.get(t, "rtreasurer", "/treasurer"), `href="/treasurer/events"`)
	wantLacks(t, f.get(t, "rtreasurer", "/treasurer/income"), `href="/treasurer/events"`)
}

// TestTreasurerEventRetryNeedsCSRF: with a real session, the Retry form
// carries the session's CSRF token, a retry without it is refused and one
// with it is accepted and audited.
func TestTreasurerEventRetryNeedsCSRF(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, `INSERT INTO dues_events (event_id, type, created, payload, state, attempts, error)
		VALUES ('evt_exhausted', 'invoice.paid', now(), '{}', 'failed', $1, 'no such charge ch_missing')`,
		dues.MaxEventAttempts); err != nil {
		t.Fatal(err)
	}
	b := signIn(t, env, "treasurer")
	resp, page := b.get(t, "/treasurer/events")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events page: %d %.1000s", resp.StatusCode, page)
	}
	form := page[strings.Index(page, `action="/treasurer/events/evt_exhausted/retry"`):]
	tok := csrfField.FindStringSubmatch(form)
	if tok == nil {
		t.Fatalf("the Retry form has no CSRF token:\n%.2000s", page)
	}
	resp, body := b.postNoRedirect(t, "/treasurer/events/evt_exhausted/retry", url.Values{})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF token") {
		t.Errorf("without the token: %d", resp.StatusCode)
	}
	resp, _ = b.postNoRedirect(t, "/treasurer/events/evt_exhausted/retry", url.Values{"csrf_token": {tok[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
	var audited int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'dues.event.retry' AND entity_id = 'evt_exhausted'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit entries, want the one accepted retry's", audited)
	}
}
