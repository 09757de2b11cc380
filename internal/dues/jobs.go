package dues

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// EventArgs is the River job that processes one stored Stripe event.
type EventArgs struct {
	EventID string `json:"event_id"`
}

// Kind implements river.JobArgs.
func (EventArgs) Kind() string { return "dues_stripe_event" }

// EventBatchArgs is the River job that processes stored Stripe events
// together: the events one webhook group commit stored.
type EventBatchArgs struct {
	EventIDs []string `json:"event_ids"`
}

// Kind implements river.JobArgs.
func (EventBatchArgs) Kind() string { return "dues_stripe_event_batch" }

// SweepArgs is the River job that records the day's standing changes
// (grace periods ending, waivers expiring) for every member.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "dues_standing_sweep" }

type eventWorker struct {
	river.WorkerDefaults[EventArgs]
	s *Service
}

func (w *eventWorker) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	if err := w.s.ProcessEvent(ctx, job.Args.EventID); err != nil {
		return err
	}
	w.s.wakeDrainer()
	return nil
}

type eventBatchWorker struct {
	river.WorkerDefaults[EventBatchArgs]
	s *Service
}

func (w *eventBatchWorker) Work(ctx context.Context, job *river.Job[EventBatchArgs]) error {
	if err := w.s.processJob(ctx, job.Args.EventIDs); err != nil {
		return err
	}
	w.s.wakeDrainer()
	return nil
}

// drainPoll is how often the drainer looks at the standing queue without
// being woken: members queued by other processes (a roster import, another
// replica's workers) wait at most this long.
const drainPoll = time.Second

// drainGap is the least time between two drains: members queued meanwhile
// are recomputed together, so a burst of events costs a few large
// recompute transactions rather than one small one per event batch.
const drainGap = 20 * time.Millisecond

// wakeDrainer asks the standing drainer to run soon; it never blocks, and
// wake-ups while one is pending fold into it.
func (s *Service) wakeDrainer() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// drainLoop recomputes queued standing whenever a worker has processed an
// event, and every drainPoll, until ctx ends. Events that arrive while a
// drain runs queue their members for the next one, so a burst of events
// costs a few batched recomputes instead of one per event.
func (s *Service) drainLoop(ctx context.Context) {
	defer close(s.drainDone)
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-t.C:
		}
		if _, err := s.DrainStanding(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("dues: standing drain", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(drainGap):
		}
	}
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	_, err := w.s.SweepStanding(ctx)
	return err
}

func (w *sweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return time.Hour }

// dailyAt is a River schedule firing once a day at a fixed offset after
// midnight UTC.
type dailyAt struct{ offset time.Duration }

func (d dailyAt) Next(t time.Time) time.Time {
	next := dateOf(t).Add(d.offset)
	if !next.After(t) {
		next = next.Add(24 * time.Hour)
	}
	return next
}

func newRiverClient(pool *pgxpool.Pool, s *Service, workers int, log *slog.Logger) (*river.Client[pgx.Tx], error) {
	ws := river.NewWorkers()
	river.AddWorker(ws, &eventWorker{s: s})
	river.AddWorker(ws, &eventBatchWorker{s: s})
	river.AddWorker(ws, &sweepWorker{s: s})
	cfg := &river.Config{Workers: ws, Logger: log}
	if workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
		cfg.FetchCooldown = 2 * time.Millisecond
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(dailyAt{offset: 5 * time.Minute},
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true})}
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}
