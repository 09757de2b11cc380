package dues

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Webhook intake is a group commit. Each verified event joins the open
// batch; while one batch commits, the deliveries arriving meanwhile gather
// in the next, and one of them commits it (one statement inserting all
// its events) as soon as the previous commit ends. A delivery returns only
// after its own batch has committed, so nothing acknowledged to Stripe can
// be lost, and an idle service commits a lone event at once, without
// waiting for company.

// maxIntakeBatch bounds the events one intake statement stores.
const maxIntakeBatch = 256

// maxCommitters is how many intake batches may commit at once. One makes
// the largest batches (every delivery arriving during a commit joins the
// next); more would overlap WAL flushes at the cost of smaller batches,
// which measured no better on a 2-core machine.
const maxCommitters = 1

// intakeTimeout bounds one intake commit. The commit does not follow the
// context of the delivery that runs it (that client may hang up while
// others wait on the same batch).
const intakeTimeout = 30 * time.Second

// intakeItem is one verified event waiting to be stored, and, once its
// batch is done, the outcome.
type intakeItem struct {
	id, typ, apiVersion string
	created             time.Time
	livemode            bool
	payload             []byte

	fresh bool
	err   error
}

// intakeBatch is the events one transaction stores. lead (buffered) hands
// the batch's commit to one of its waiters; done closes when every item's
// outcome is set.
type intakeBatch struct {
	items []*intakeItem
	lead  chan struct{}
	done  chan struct{}
}

// intake queues batches: the first waits for the running commit, the last
// is open to new events. The zero value is ready to use.
type intake struct {
	mu    sync.Mutex
	queue []*intakeBatch
	// running is how many commits are running (at most maxCommitters);
	// one ending hands off to queue[0], which is empty while fewer run.
	running int
}

// submit stores it in the next batch and returns when that batch is done:
// whether the event was new, or the error that kept it from being stored.
func (in *intake) submit(ctx context.Context, s *Service, it *intakeItem) (bool, error) {
	in.mu.Lock()
	n := len(in.queue)
	if n == 0 || len(in.queue[n-1].items) >= maxIntakeBatch {
		in.queue = append(in.queue, &intakeBatch{lead: make(chan struct{}, 1), done: make(chan struct{})})
		n++
	}
	b := in.queue[n-1]
	b.items = append(b.items, it)
	if in.running < maxCommitters {
		// A commit slot is free: the queue holds only b; commit it now.
		in.running++
		in.queue = in.queue[1:]
		in.mu.Unlock()
		in.commit(ctx, s, b)
		return it.fresh, it.err
	}
	in.mu.Unlock()
	select {
	case <-b.done:
	case <-b.lead:
		in.commit(ctx, s, b)
	}
	return it.fresh, it.err
}

// errIntakeAborted is what a delivery gets when its batch's commit ended
// without an outcome (a panic in the commit).
var errIntakeAborted = errors.New("the event batch was not committed")

// commit stores b, then hands the commit role to the next queued batch,
// or ends it; it does so even if storing panics, so that later deliveries
// do not wait forever.
func (in *intake) commit(ctx context.Context, s *Service, b *intakeBatch) {
	defer in.handoff(b)
	for _, it := range b.items {
		it.err = errIntakeAborted
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), intakeTimeout)
	defer cancel()
	s.storeEvents(cctx, b.items)
	if b.items[0].err != nil && len(b.items) > 1 {
		// One event the database refuses must not fail the others: store
		// each alone (events the failed batch did store are duplicates).
		for _, it := range b.items {
			s.storeEvents(cctx, []*intakeItem{it})
		}
	}
}

// handoff marks b done and passes the commit role on.
func (in *intake) handoff(b *intakeBatch) {
	close(b.done)
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.queue) > 0 {
		next := in.queue[0]
		in.queue = in.queue[1:]
		next.lead <- struct{}{}
	} else {
		in.running--
	}
}

// storeEvents stores items in one statement and sets each item's outcome:
// fresh for the first item of each event id not stored before, the error
// for all when the statement fails. New events poke the pump, which
// enqueues the job that applies them.
func (s *Service) storeEvents(ctx context.Context, items []*intakeItem) {
	p := postgres.DuesInsertEventsParams{
		EventIds: make([]string, len(items)), Types: make([]string, len(items)), ApiVersions: make([]string, len(items)),
		Createds: make([]time.Time, len(items)), Livemodes: make([]bool, len(items)), Payloads: make([][]byte, len(items)),
	}
	for i, it := range items {
		p.EventIds[i], p.Types[i], p.ApiVersions[i] = it.id, it.typ, it.apiVersion
		p.Createds[i], p.Livemodes[i], p.Payloads[i] = it.created, it.livemode, it.payload
	}
	stored, err := postgres.New(s.pool).DuesInsertEvents(ctx, p)
	if err != nil {
		for _, it := range items {
			it.fresh, it.err = false, err
		}
		return
	}
	if len(stored) > 0 {
		s.pump.poke()
	}
	fresh := make(map[string]bool, len(stored))
	for _, id := range stored {
		fresh[id] = true
	}
	for _, it := range items {
		it.fresh, it.err = fresh[it.id], nil
		delete(fresh, it.id) // a repeat within the batch is a duplicate
	}
}
