package loadtest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Spec is one load run.
type Spec struct {
	// Concurrency is the number of clients (at least 1).
	Concurrency int
	// Requests is the total number of requests; 0 runs until Duration.
	Requests int
	// Duration bounds the run; 0 runs until Requests are spent.
	Duration time.Duration
	// Rate, when above zero, is the offered load in requests per second,
	// shared evenly by the clients (an open loop): each client starts its
	// requests on a fixed schedule, and a request's latency is measured
	// from when it was due, so a server that falls behind shows it in the
	// figures instead of slowing the clients down (no coordinated
	// omission). Zero is a closed loop: each client sends its next request
	// as soon as the last one returns, which measures throughput at
	// saturation.
	Rate float64
}

// Do sends one request: worker is the client (0..Concurrency-1, for state
// a client keeps between its requests), n the request's number in the run
// (0, 1, 2, ... in the order requests start; below Requests when that is
// set). It returns the request's error, nil on success.
type Do func(ctx context.Context, worker, n int) error

// Run drives spec's clients with do and returns what they saw. It stops
// when the requests are spent or the duration is over, whichever comes
// first, or when ctx ends. A request that fails because the run's context
// ended (cut off by the end of the duration) is not counted.
func Run(ctx context.Context, spec Spec, do Do) Summary {
	runCtx, cancel := context.WithCancel(ctx)
	if spec.Duration > 0 {
		runCtx, cancel = context.WithTimeout(ctx, spec.Duration)
	}
	defer cancel()
	conc := max(spec.Concurrency, 1)
	var next atomic.Int64
	results := make([]Result, conc)
	var interval time.Duration
	if spec.Rate > 0 {
		interval = time.Duration(float64(conc) / spec.Rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conc {
		// Clients' schedules are staggered across one interval.
		due := start.Add(interval * time.Duration(i) / time.Duration(conc))
		wg.Go(func() { results[i] = worker(runCtx, spec, i, &next, due, interval, do) })
	}
	wg.Wait()
	return Summarize(results, time.Since(start))
}

// worker sends requests until the run ends. With a non-zero interval it
// starts a request every interval from due on, and measures each from when
// it was due.
func worker(ctx context.Context, spec Spec, id int, next *atomic.Int64, due time.Time, interval time.Duration, do Do) Result {
	r := Result{Errors: map[string]int{}}
	for ctx.Err() == nil {
		if interval > 0 {
			if wait := time.Until(due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return r
				}
			}
		}
		n := int(next.Add(1) - 1)
		if spec.Requests > 0 && n >= spec.Requests {
			break
		}
		start := time.Now()
		if interval > 0 {
			start, due = due, due.Add(interval)
		}
		err := do(ctx, id, n)
		d := time.Since(start)
		if err != nil && ctx.Err() != nil {
			break // cut off by the end of the run, not a failure
		}
		r.Latencies = append(r.Latencies, d)
		if err != nil {
			r.Errors[ErrorKind(err)]++
			if r.Sample == "" {
				r.Sample = err.Error()
			}
		}
	}
	return r
}
