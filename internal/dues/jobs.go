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

// ProcessEventsArgs is the River job that applies stored Stripe events:
// it leases up to eventsBatch of the events due (see ProcessDueEvents) and
// applies them. The pump enqueues one as deliveries arrive, and one runs
// every eventsPeriod for failed events whose next attempt has come and
// events a crash left unapplied.
type ProcessEventsArgs struct{}

// Kind implements river.JobArgs.
func (ProcessEventsArgs) Kind() string { return "dues_process_events" }

// eventsPeriod is how often the periodic processing job runs.
const eventsPeriod = 30 * time.Second

// SweepArgs is the River job that records the day's standing changes
// (grace periods ending, waivers expiring) for every member.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "dues_standing_sweep" }

type eventsWorker struct {
	river.WorkerDefaults[ProcessEventsArgs]
	s *Service
}

// Work applies the events due. Events that fail are recorded as failed
// with their next attempt (the job does not fail for them); the job fails,
// and River retries it, only when the events cannot be leased at all.
func (w *eventsWorker) Work(ctx context.Context, _ *river.Job[ProcessEventsArgs]) error {
	w.s.pump.started()
	n, err := w.s.ProcessDueEvents(ctx)
	if n == eventsBatch {
		w.s.pump.poke() // more may be due
	}
	if n > 0 {
		w.s.wakeDrainer()
	}
	return err
}

// drainPoll is how often the drainer looks at the standing queue without
// being woken: members queued by other processes (a roster import, another
// replica's workers) wait at most this long.
const drainPoll = time.Second

// drainGap is the least time between two drains: members queued meanwhile
// are recomputed together, so a burst of events costs a few large
// recompute transactions rather than one small one per event batch.
const drainGap = 50 * time.Millisecond

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
	river.AddWorker(ws, &eventsWorker{s: s})
	river.AddWorker(ws, &sweepWorker{s: s})
	cfg := &river.Config{Workers: ws, Logger: log}
	if workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
		cfg.FetchCooldown = 2 * time.Millisecond
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(dailyAt{offset: 5 * time.Minute},
				func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(eventsPeriod),
				func() (river.JobArgs, *river.InsertOpts) { return ProcessEventsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		}
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}
