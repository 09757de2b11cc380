package dues_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/dues/duestest"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestLeasesAreExclusive: two leases at once get disjoint events; leased
// events are skipped until the lease lapses; applied events are never
// leased again.
func TestLeasesAreExclusive(t *testing.T) {
	pool := pgtest.New(t)
	w := duestest.New()
	for i := 0; i < 10; i++ {
		w.Emit("customer.created", time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC),
			map[string]any{"id": fmt.Sprintf("cus_%d", i), "object": "customer"})
	}
	s := newTestService(t, pool, w, "2026-03-15")
	ctx := context.Background()
	for _, e := range w.Events() {
		if _, err := s.ReceiveWebhook(ctx, e, sign(e, testSecret)); err != nil {
			t.Fatal(err)
		}
	}
	q := postgres.New(pool)
	lease := func() []string {
		rows, err := q.DuesLeaseEvents(ctx, postgres.DuesLeaseEventsParams{Lim: 4, LeaseSeconds: 60})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.EventID)
		}
		return ids
	}
	seen := map[string]bool{}
	for _, ids := range [][]string{lease(), lease()} {
		if len(ids) != 4 {
			t.Fatalf("leased %v, want 4 events", ids)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s leased twice", id)
			}
			seen[id] = true
		}
	}
	n, err := s.ProcessDueEvents(ctx)
	if err != nil || n != 2 {
		t.Fatalf("processed %d (%v), want the 2 events not leased", n, err)
	}
	if n, _ := s.ProcessDueEvents(ctx); n != 0 {
		t.Fatalf("processed %d events under live leases", n)
	}
	if _, err := pool.Exec(ctx, `UPDATE dues_events SET leased_until = now() - interval '1 second' WHERE leased_until IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ProcessDueEvents(ctx); n != 8 {
		t.Fatalf("processed %d events after their leases lapsed, want 8", n)
	}
	var open int
	pool.QueryRow(ctx, `SELECT count(*) FROM dues_events WHERE state <> 'ignored' OR leased_until IS NOT NULL`).Scan(&open)
	if open != 0 {
		t.Errorf("%d events not ignored or still leased", open)
	}
}

// TestFailedEventIsRetriedLater: an event that fails (Stripe does not know
// its charge yet) is recorded as failed with its error and a next attempt
// two seconds on, is not tried again before then, and applies once it is
// due and Stripe answers; the good event leased with it applies at once.
func TestFailedEventIsRetriedLater(t *testing.T) {
	pool := pgtest.New(t)
	seedOrg(t, pool, 2)
	w := duestest.New()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ch, _ := w.Pay(memberID(0), 2000, at)
	w.Pay(memberID(1), 2000, at)
	show := w.Hide(ch)
	s := newTestService(t, pool, w, "2026-03-15")
	ctx := context.Background()
	for _, e := range w.Events() {
		if _, err := s.ReceiveWebhook(ctx, e, sign(e, testSecret)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.ProcessDueEvents(ctx); n != 2 || err != nil {
		t.Fatalf("leased %d (%v), want 2", n, err)
	}
	var state, msg string
	var attempts int
	var wait float64
	row := `SELECT state, error, attempts, extract(epoch FROM next_attempt_at - now())::float8 FROM dues_events ORDER BY event_id LIMIT 1`
	if err := pool.QueryRow(ctx, row).Scan(&state, &msg, &attempts, &wait); err != nil {
		t.Fatal(err)
	}
	if state != "failed" || attempts != 1 || !strings.Contains(msg, "no such charge") || wait < 1 || wait > 2.5 {
		t.Fatalf("failed event: state %s, attempts %d, error %q, next attempt in %.1fs", state, attempts, msg, wait)
	}
	var ledger int
	pool.QueryRow(ctx, `SELECT count(*) FROM dues_ledger`).Scan(&ledger)
	if ledger != 1 {
		t.Fatalf("%d ledger rows, want the good event's", ledger)
	}
	if n, _ := s.ProcessDueEvents(ctx); n != 0 {
		t.Fatalf("the failed event was tried again %d time(s) before its next attempt", n)
	}
	show()
	if _, err := pool.Exec(ctx, `UPDATE dues_events SET next_attempt_at = now() WHERE state = 'failed'`); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ProcessDueEvents(ctx); n != 1 || err != nil {
		t.Fatalf("retried %d (%v), want 1", n, err)
	}
	pool.QueryRow(ctx, `SELECT count(*) FROM dues_ledger`).Scan(&ledger)
	var left int
	pool.QueryRow(ctx, `SELECT count(*) FROM dues_events WHERE state <> 'processed'`).Scan(&left)
	if ledger != 2 || left != 0 {
		t.Fatalf("after the retry: %d ledger rows, %d events not processed", ledger, left)
	}
}

// TestInvoiceWithoutItsChargeFailsAlone: a second invoice.paid for a
// stored invoice naming another charge cannot be attributed; in a batch it
// fails with the reason and is not marked processed, while the batch's
// other invoice applies.
func TestInvoiceWithoutItsChargeFailsAlone(t *testing.T) {
	pool := pgtest.New(t)
	seedOrg(t, pool, 2)
	w := duestest.New()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	w.Pay(memberID(0), 2000, at)
	s := newTestService(t, pool, w, "2026-03-15")
	ctx := context.Background()
	duestest.Deliver(t, s, w.Events())
	var stored string
	pool.QueryRow(ctx, `SELECT invoice_id FROM dues_payments`).Scan(&stored)
	delivered := len(w.Events())
	w.Pay(memberID(1), 2500, at)
	other, _ := w.Charge(2000, at)
	bad := w.Emit("invoice.paid", at, map[string]any{"id": stored, "object": "invoice",
		"customer": duestest.CustomerID(memberID(0)), "charge": other, "amount_paid": 2000, "currency": "usd",
		"period_start": at.Unix(), "period_end": at.AddDate(0, 1, 0).Unix(),
		"status_transitions": map[string]any{"paid_at": at.Unix()}})
	for _, e := range w.Events()[delivered:] {
		if _, err := s.ReceiveWebhook(ctx, e, sign(e, testSecret)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.ProcessDueEvents(ctx); n != 2 {
		t.Fatalf("leased %d events, want 2", n)
	}
	var state, msg string
	pool.QueryRow(ctx, `SELECT state, error FROM dues_events WHERE event_id = $1`, bad).Scan(&state, &msg)
	if state != "failed" || !strings.Contains(msg, "no payment of its charge "+other) {
		t.Errorf("unattributable invoice: state %s, error %q", state, msg)
	}
	var payments, ledger int
	pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM dues_payments), (SELECT count(*) FROM dues_ledger)`).Scan(&payments, &ledger)
	if payments != 2 || ledger != 2 {
		t.Errorf("%d payments and %d ledger rows, want the two good invoices'", payments, ledger)
	}
}

// TestWorkersApplyDeliveries: with the service started (the pump and two
// River workers), the scenario's deliveries, concurrent, shuffled and
// duplicated, are applied without anyone calling Process: the result
// equals one-by-one processing in Stripe's order.
func TestWorkersApplyDeliveries(t *testing.T) {
	w, _ := scenario()
	pool := pgtest.New(t)
	seedOrg(t, pool, 40)
	ref := newTestService(t, pool, w, "2026-03-15")
	duestest.Deliver(t, ref, w.Events())
	want := snapshot(t, ref, pool)

	pool = pgtest.New(t)
	seedOrg(t, pool, 40)
	s, err := dues.NewService(pool, fixedClock("2026-03-15"), dues.Config{Policy: dues.DefaultPolicy(), Stripe: w,
		WebhookSecret: testSecret, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	events := shuffled(w.Events(), 11)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := g; i < len(events); i += 4 {
				if _, err := s.ReceiveWebhook(ctx, events[i], sign(events[i], testSecret)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var open int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM dues_events WHERE state NOT IN ('processed', 'ignored'))
			+ (SELECT count(*) FROM dues_standing_queue)`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events or standing recomputes still open after 20 s", open)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := s.SweepStanding(ctx); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, s, pool); got != want {
		t.Fatalf("worker processing differs:\n%s", diffLines(want, got))
	}
}
