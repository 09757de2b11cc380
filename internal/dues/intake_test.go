package dues_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/dues/duestest"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestIntakeGroupCommitConcurrent delivers 150 events twice each from 12
// goroutines at once: every delivery is acknowledged, each event is stored
// once, pending, and reported new exactly once, and the pump knows.
func TestIntakeGroupCommitConcurrent(t *testing.T) {
	pool := pgtest.New(t)
	s := newTestService(t, pool, duestest.New(), "2026-03-15")
	const events, workers = 150, 12
	var bodies [][]byte
	for i := 0; i < events; i++ {
		b := fmt.Appendf(nil, `{"id":"evt_%d","object":"event","api_version":"2023-10-16","created":%d,"type":"customer.created","data":{"object":{"id":"cus_x%d","object":"customer"}}}`,
			i, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()+int64(i), i)
		bodies = append(bodies, b, b)
	}
	next := make(chan []byte)
	var mu sync.Mutex
	freshCount := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				fresh, err := s.ReceiveWebhook(context.Background(), b, sign(b, testSecret))
				if err != nil {
					t.Error(err)
					continue
				}
				var id struct{ ID string }
				mustJSON(b, &id)
				mu.Lock()
				if fresh {
					freshCount[id.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	for _, b := range bodies {
		next <- b
	}
	close(next)
	wg.Wait()
	if len(freshCount) != events {
		t.Errorf("%d events reported new, want %d", len(freshCount), events)
	}
	for id, n := range freshCount {
		if n != 1 {
			t.Errorf("%s reported new %d times", id, n)
		}
	}
	var stored int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM dues_events WHERE state = 'pending'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != events {
		t.Errorf("stored %d pending events, want %d", stored, events)
	}
	if !s.PumpDirty() {
		t.Error("new events did not poke the pump")
	}
}

// TestProcessEventsInBatchesConverges: the scenario's events (shuffled,
// with duplicates) stored first and processed in batches of 7 by
// ProcessEvents, or leased by ProcessDueEvents as the processing job does,
// give the same ledger, standing and share as one by one in Stripe's order.
func TestProcessEventsInBatchesConverges(t *testing.T) {
	w, _ := scenario()
	pool := pgtest.New(t)
	seedOrg(t, pool, 40)
	s := newTestService(t, pool, w, "2026-03-15")
	duestest.Deliver(t, s, w.Events())
	want := snapshot(t, s, pool)
	for _, job := range []bool{false, true} {
		t.Run(fmt.Sprintf("job=%v", job), func(t *testing.T) { batchedConverges(t, w, want, job) })
	}
}

func batchedConverges(t *testing.T, w *duestest.Stripe, want string, job bool) {
	pool := pgtest.New(t)
	seedOrg(t, pool, 40)
	s := newTestService(t, pool, w, "2026-03-15")
	ctx := context.Background()
	var ids []string
	for _, e := range shuffled(w.Events(), 7) {
		if _, err := s.ReceiveWebhook(ctx, e, sign(e, testSecret)); err != nil {
			t.Fatal(err)
		}
		var id struct{ ID string }
		mustJSON(e, &id)
		ids = append(ids, id.ID)
	}
	if job {
		for {
			n, err := s.ProcessDueEvents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	} else {
		for i := 0; i < len(ids); i += 7 {
			if err := s.ProcessEvents(ctx, ids[i:min(i+7, len(ids))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.SweepStanding(ctx); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, s, pool); got != want {
		t.Fatalf("batched processing differs:\n%s", diffLines(want, got))
	}
	var left int
	pool.QueryRow(ctx, `SELECT count(*) FROM dues_events WHERE state NOT IN ('processed', 'ignored')`).Scan(&left)
	if left != 0 {
		t.Errorf("%d events neither processed nor ignored", left)
	}
	if err := s.ProcessEvents(ctx, []string{"evt_missing"}); err == nil {
		t.Error("an unknown event id gave no error")
	}
}
