package dues

import (
	"context"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestIntakeIsolatesRefusedEvent: an event the database refuses (jsonb
// cannot hold \u0000) fails alone; the rest of its batch is stored.
func TestIntakeIsolatesRefusedEvent(t *testing.T) {
	pool := pgtest.New(t)
	s, err := NewService(pool, time.Now, Config{Policy: DefaultPolicy()}) // storing events reads no Stripe
	if err != nil {
		t.Fatal(err)
	}
	item := func(id, payload string) *intakeItem {
		return &intakeItem{id: id, typ: "customer.created", apiVersion: "2023-10-16", created: time.Now().UTC(), payload: []byte(payload)}
	}
	b := &intakeBatch{lead: make(chan struct{}, 1), done: make(chan struct{}), items: []*intakeItem{
		item("evt_a", `{"id":"evt_a"}`), item("evt_bad", `{"id":"evt_bad","x":"\u0000"}`), item("evt_c", `{"id":"evt_c"}`),
		item("evt_a", `{"id":"evt_a"}`)}}
	s.intake.running = 1
	s.intake.commit(context.Background(), s, b)
	select {
	case <-b.done:
	default:
		t.Fatal("batch not done after commit")
	}
	if s.intake.running != 0 {
		t.Error("committer still marked busy with an empty queue")
	}
	want := []struct {
		fresh, err bool
	}{{true, false}, {false, true}, {true, false}, {false, false}}
	for i, it := range b.items {
		if it.fresh != want[i].fresh || (it.err != nil) != want[i].err {
			t.Errorf("item %d (%s): fresh %v err %v, want fresh %v err %v", i, it.id, it.fresh, it.err, want[i].fresh, want[i].err)
		}
	}
	var n int
	pool.QueryRow(context.Background(), `SELECT count(*) FROM dues_events`).Scan(&n)
	if n != 2 {
		t.Errorf("%d events stored, want 2", n)
	}
}
