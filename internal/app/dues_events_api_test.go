package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
)

// TestDuesEventsEndpoints: the Stripe events list and retry answer the
// national treasurer, refuse everyone else with the right status, name the
// parameter at fault, and a retry makes a failed event due.
func TestDuesEventsEndpoints(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, `INSERT INTO dues_events (event_id, type, created, payload, state, error, attempts)
		VALUES ('evt_failed', 'invoice.paid', now(), '{"customer_email":"someone@example.org"}', 'failed', 'no such charge', 20),
		       ('evt_done', 'invoice.paid', now(), '{}', 'processed', '', 0)`); err != nil {
		t.Fatal(err)
	}
	treasurer, member := env.Token(t, "treasurer"), env.Token(t, "member")

	resp, body := env.Do(t, treasurer, "GET", "/api/v1/dues/events?state=failed", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("treasurer list: %d %s", resp.StatusCode, body)
	}
	var list struct {
		Items []struct {
			ID            string     `json:"id"`
			Attempts      int        `json:"attempts"`
			Error         string     `json:"error"`
			NextAttemptAt *time.Time `json:"next_attempt_at"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].ID != "evt_failed" || list.Items[0].Attempts != 20 ||
		list.Items[0].Error != "no such charge" || list.Items[0].NextAttemptAt != nil {
		t.Fatalf("failed events: %s", body)
	}
	if strings.Contains(string(body), "example.org") {
		t.Errorf("the list shows payload content: %s", body)
	}

	for _, c := range []struct {
		name, token, method, path string
		status                    int
		field                     string
	}{
		{"anonymous list", "", "GET", "/api/v1/dues/events", 401, ""},
		{"member list", member, "GET", "/api/v1/dues/events", 403, ""},
		{"member retry", member, "POST", "/api/v1/dues/events/evt_failed/retry", 403, ""},
		{"bad state", treasurer, "GET", "/api/v1/dues/events?state=processed", 400, "state"},
		{"bad limit", treasurer, "GET", "/api/v1/dues/events?limit=0", 400, "limit"},
		{"unknown event", treasurer, "POST", "/api/v1/dues/events/evt_nope/retry", 404, ""},
		{"processed event", treasurer, "POST", "/api/v1/dues/events/evt_done/retry", 409, ""},
	} {
		resp, body := env.Do(t, c.token, c.method, c.path, nil, "")
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.status)
			continue
		}
		p := decodeProblem(t, resp.Header.Get("Content-Type"), body)
		if c.field != "" && p.Field != c.field {
			t.Errorf("%s: field %q, want %q", c.name, p.Field, c.field)
		}
	}

	resp, body = env.Do(t, treasurer, "POST", "/api/v1/dues/events/evt_failed/retry", nil, "")
	if resp.StatusCode != 204 {
		t.Fatalf("retry: %d %s", resp.StatusCode, body)
	}
	var due bool
	if err := env.Pool.QueryRow(ctx, `SELECT next_attempt_at <= now() FROM dues_events WHERE event_id = 'evt_failed'`).Scan(&due); err != nil || !due {
		t.Errorf("after retry the event is not due (%v)", err)
	}
}
