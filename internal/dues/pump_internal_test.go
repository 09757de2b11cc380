package dues

import (
	"testing"
	"time"
)

// TestPumpCoalescesJobs: a poke enqueues one job; pokes while it has not
// started ride on it; once it starts, the next poke enqueues another; a
// job that does not start here within pumpPatience is followed by another
// only if events came meanwhile.
func TestPumpCoalescesJobs(t *testing.T) {
	p := newPump()
	t0 := time.Now()
	if p.due(t0) {
		t.Fatal("due with nothing committed")
	}
	p.poke()
	if !p.due(t0) {
		t.Fatal("not due after a poke")
	}
	p.poke()
	p.poke()
	if p.due(t0.Add(pumpPatience / 2)) {
		t.Fatal("due again while the enqueued job has not started")
	}
	p.started()
	if p.due(t0.Add(pumpPatience / 2)) {
		t.Fatal("due after the job started with nothing committed since")
	}
	p.poke()
	if !p.due(t0.Add(pumpPatience / 2)) {
		t.Fatal("not due after a poke following the start")
	}
	// That job never starts here.
	if p.due(t0.Add(2 * pumpPatience)) {
		t.Fatal("due after patience with nothing committed since")
	}
	p.poke()
	if p.due(t0.Add(pumpPatience)) {
		t.Fatal("due before patience ran out")
	}
	if !p.due(t0.Add(pumpPatience/2 + pumpPatience + time.Millisecond)) {
		t.Fatal("not due after patience ran out with events waiting")
	}
	p.failed()
	if !p.due(t0.Add(3 * pumpPatience)) {
		t.Fatal("not due after the enqueue failed")
	}
}
