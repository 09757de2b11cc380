package dues

import (
	"context"
	"sync"
	"time"
)

// Stored webhook events are applied by River jobs (ProcessEventsArgs) that
// lease the events due, whichever delivery stored them. The pump decides
// when to enqueue one: after a delivery commits new events, unless a job
// this process enqueued has not started yet here. A job that starts reads
// every event committed before it started, so deliveries arriving while
// one waits ride on it, and a burst of deliveries costs a few jobs, each
// applying many events in one statement, instead of one job per delivery.
//
// Nothing depends on the pump for correctness: a job another process
// starts is noticed only by the patience timeout (then the pump enqueues
// again if events came meanwhile), and the periodic job (eventsPeriod)
// applies whatever a crash left behind.

const (
	// pumpGap is the least time between two jobs the pump enqueues: under
	// load, one job per gap applies the deliveries of the gap together
	// (measured at 8 concurrent deliveries: a 5 ms gap made jobs of ~27
	// events and 3,300 events/s end to end, 50 ms jobs of ~220 and 4,300
	// events/s); an event arriving after a quiet spell gets its job at once.
	pumpGap = 50 * time.Millisecond
	// pumpPatience is how long the pump waits for a job it enqueued to
	// start in this process before it enqueues another for events that
	// came meanwhile (the first may be running in another process).
	pumpPatience = 250 * time.Millisecond
)

// pump tracks the processing job this process enqueued. The zero value
// is idle; run drives it.
type pump struct {
	mu sync.Mutex
	// queued: a job the pump enqueued at since has not started here.
	queued bool
	since  time.Time
	// dirty: events were committed that no started job has read.
	dirty bool
	wake  chan struct{}
}

func newPump() *pump { return &pump{wake: make(chan struct{}, 1)} }

// poke records that events were committed (or remain due) and wakes the
// pump; it never blocks.
func (p *pump) poke() {
	p.mu.Lock()
	p.dirty = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// started records that a processing job started in this process: it reads
// every event committed so far.
func (p *pump) started() {
	p.mu.Lock()
	p.queued, p.dirty = false, false
	p.mu.Unlock()
}

// due reports whether a job should be enqueued now, and if so records it
// as queued.
func (p *pump) due(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.dirty || (p.queued && now.Sub(p.since) < pumpPatience) {
		return false
	}
	p.queued, p.dirty, p.since = true, false, now
	return true
}

// failed undoes due after the job could not be enqueued.
func (p *pump) failed() {
	p.mu.Lock()
	p.queued, p.dirty = false, true
	p.mu.Unlock()
}

// run enqueues jobs with enqueue as deliveries poke it, at most one per
// pumpGap, until ctx ends.
func (p *pump) run(ctx context.Context, enqueue func(context.Context) error, onErr func(error)) {
	tick := time.NewTicker(pumpPatience / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-tick.C:
		}
		if p.due(time.Now()) {
			if err := enqueue(ctx); err != nil {
				p.failed()
				if ctx.Err() != nil {
					return
				}
				onErr(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pumpGap):
		}
	}
}
