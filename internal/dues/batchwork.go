package dues

import (
	"context"
	"errors"
	"sync"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// takeAlong is how many other pending events a worker applies together
// with its own job's: under load the intake's small batches (one job per
// group commit) merge into large processing transactions, and the jobs
// whose events were taken along find nothing left to do.
const takeAlong = 64

// claims are the events this process's workers are applying, each with
// the channel its worker closes when done; two workers of one process
// never apply the same event at once (workers of different processes may:
// applying is idempotent).
type claims struct {
	mu   sync.Mutex
	busy map[string]chan struct{}
}

// take claims for done those of ids no other worker holds, and returns
// them and the channels of the workers holding the others.
func (c *claims) take(ids []string, done chan struct{}) (got []string, wait []chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy == nil {
		c.busy = make(map[string]chan struct{})
	}
	for _, id := range ids {
		if ch, ok := c.busy[id]; ok {
			if ch != done {
				wait = append(wait, ch)
			}
			continue
		}
		c.busy[id] = done
		got = append(got, id)
	}
	return got, wait
}

// release drops done's claims on ids.
func (c *claims) release(ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.busy, id)
	}
}

// processJob applies the events of one batch job, taking along up to
// takeAlong other pending events. Its own events that another worker of
// this process is applying are waited for and applied again if that did
// not succeed, so the job ends only when its events are processed, or
// returns the errors of those that failed (marked failed; River retries
// the job). Failures of events taken along leave them pending for their
// own job.
func (s *Service) processJob(ctx context.Context, own []string) error {
	done := make(chan struct{})
	var held []string
	defer func() {
		s.claims.release(held)
		close(done)
	}()
	mine, wait := s.claims.take(own, done)
	held = append(held, mine...)
	isOwn := make(map[string]bool, len(own))
	for _, id := range own {
		isOwn[id] = true
	}
	fetched, err := postgres.New(s.pool).DuesJobEvents(ctx, postgres.DuesJobEventsParams{Mine: mine, Own: own, Lim: takeAlong})
	if err != nil {
		return wrapf(err, "dues: read events")
	}
	var rows []postgres.DuesGetEventsRow
	var along []string
	byID := make(map[string]postgres.DuesGetEventsRow, len(fetched))
	for _, r := range fetched {
		if isOwn[r.EventID] {
			rows = append(rows, postgres.DuesGetEventsRow(r))
		} else {
			along = append(along, r.EventID)
			byID[r.EventID] = postgres.DuesGetEventsRow(r)
		}
	}
	along, _ = s.claims.take(along, done)
	held = append(held, along...)
	for _, id := range along {
		rows = append(rows, byID[id])
	}
	err = s.processRows(ctx, rows, func(id string) bool { return !isOwn[id] })
	if len(wait) == 0 {
		return err
	}
	// Own events another worker held: once it is done, apply those it
	// did not.
	for _, ch := range wait {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var rest []string
	for _, id := range own {
		if !contains(mine, id) {
			rest = append(rest, id)
		}
	}
	return errors.Join(err, s.ProcessOpenEvents(ctx, rest))
}

// ProcessOpenEvents applies those of the events listed that are neither
// processed nor ignored, as ProcessEvents does (ids not stored are
// skipped). It returns the errors of the events that failed, each marked
// failed, or the error reading them.
func (s *Service) ProcessOpenEvents(ctx context.Context, eventIDs []string) error {
	if len(eventIDs) == 0 {
		return nil
	}
	open, err := postgres.New(s.pool).DuesGetOpenEvents(ctx, eventIDs)
	if err != nil {
		return wrapf(err, "dues: read events")
	}
	rows := make([]postgres.DuesGetEventsRow, len(open))
	for i, r := range open {
		rows[i] = postgres.DuesGetEventsRow(r)
	}
	return s.processRows(ctx, rows, nil)
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
