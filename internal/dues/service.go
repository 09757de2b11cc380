// Package dues owns dues plans, Stripe checkout and webhooks, the ledger of
// balance transactions, waivers, the derived standing history, payouts and
// their reconciliation to bank deposits, the chapters' dues share, and the
// treasurer's reports.
//
// Webhook events are verified and stored once by event id; River jobs
// lease the stored events that are due and apply them (see pump.go).
// Processing reads only facts keyed by Stripe's own ids and times (balance
// transactions, invoices, disputes, subscriptions ordered by event
// creation), and standing is recomputed from those facts, so events
// arriving late, twice or out of order converge to the same ledger,
// standing history and dues share.
package dues

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Config configures the dues service.
type Config struct {
	Policy Policy
	// Stripe is the Stripe API; nil when payments are not configured
	// (then checkout, portal and webhooks answer "payments are not
	// configured", and everything else works).
	Stripe Stripe
	// WebhookSecret is the signing secret of the webhook endpoint (whsec_...).
	WebhookSecret string
	// Workers is how many River workers process jobs in this process; 0
	// makes an insert-only client (jobs run in another process).
	Workers int
	// Logger receives worker errors; nil discards them.
	Logger *slog.Logger
}

// Service is the dues domain. It is safe for concurrent use.
type Service struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	cfg    Config
	river  *river.Client[pgx.Tx]
	logger *slog.Logger
	// kick wakes the standing drainer (see drainLoop).
	kick chan struct{}
	// bgStop ends the pump and the drainer; bgDone closes when both have.
	bgStop context.CancelFunc
	bgDone chan struct{}
	// intake group-commits webhook deliveries (see intake.go).
	intake intake
	// pump enqueues the jobs that apply stored events (see pump.go).
	pump *pump
	// stripeSlots bounds the Stripe reads event processing makes at once.
	stripeSlots chan struct{}
}

// ErrNotConfigured is returned (as a Conflict) by operations that need
// Stripe when no Stripe key or webhook secret is configured.
var ErrNotConfigured = errs.Conflictf("payments are not configured")

// NewService returns the dues service on pool with the clock now. It builds
// the River client that enqueues (and, with cfg.Workers > 0, runs) the
// service's jobs; call Start to run workers. It returns an Invalid error for
// a bad policy.
func NewService(pool *pgxpool.Pool, now func() time.Time, cfg Config) (*Service, error) {
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{pool: pool, now: now, cfg: cfg, logger: log, kick: make(chan struct{}, 1), pump: newPump(),
		stripeSlots: make(chan struct{}, stripeCalls)}
	rc, err := newRiverClient(pool, s, cfg.Workers, log)
	if err != nil {
		return nil, err
	}
	s.river = rc
	return s, nil
}

// Configured reports whether Stripe payments are configured.
func (s *Service) Configured() bool { return s.cfg.Stripe != nil }

// Policy returns the service's policy.
func (s *Service) Policy() Policy { return s.cfg.Policy }

// Start runs the pump that enqueues processing jobs for stored webhook
// events and, when workers are configured, the River workers and the
// standing drainer, until ctx ends or Stop is called. Without Start,
// stored events wait for a process that runs it. It returns the error
// River gives when it cannot start.
func (s *Service) Start(ctx context.Context) error {
	if s.cfg.Workers > 0 {
		if err := s.river.Start(ctx); err != nil {
			return err
		}
	}
	bctx, cancel := context.WithCancel(ctx)
	s.bgStop, s.bgDone = cancel, make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s.pump.run(bctx, func(ctx context.Context) error {
			_, err := s.river.Insert(ctx, ProcessEventsArgs{}, nil)
			return err
		}, func(err error) { s.logger.Error("dues: enqueue event processing", "err", err) })
	})
	if s.cfg.Workers > 0 {
		wg.Go(func() { s.drainLoop(bctx) })
	}
	go func() {
		wg.Wait()
		close(s.bgDone)
	}()
	return nil
}

// Stop stops the workers, letting running jobs finish until ctx ends, then
// the pump and the standing drainer.
func (s *Service) Stop(ctx context.Context) error {
	var err error
	if s.cfg.Workers > 0 {
		err = s.river.Stop(ctx)
	}
	if s.bgStop != nil {
		s.bgStop()
		select {
		case <-s.bgDone:
		case <-ctx.Done():
		}
	}
	return err
}

func (s *Service) today() time.Time { return dateOf(s.now()) }

func (s *Service) inTx(ctx context.Context, fn func(tx pgx.Tx, q *postgres.Queries) error) error {
	return postgres.InTx(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		return fn(tx, postgres.New(tx))
	})
}

func (s *Service) audit(ctx context.Context, tx pgx.Tx, e audit.Entry) error {
	return audit.Append(ctx, tx, s.now(), e)
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.NotFoundf("%s not found", what)
	}
	return err
}

func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullUUID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }
