package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/app"
)

// newApp builds the service from the configuration. The wiring itself
// (and the web routes) lives in internal/app, shared with end-to-end tests.
// Its readiness follows drain: not ready once the server is shutting down.
func newApp(ctx context.Context, cfg Config, pool *pgxpool.Pool, log *slog.Logger, drain *drainer) (*app.App, error) {
	return app.New(ctx, app.Config{
		BaseURL: cfg.BaseURL, OIDCIssuer: cfg.OIDCIssuer, OIDCClientID: cfg.OIDCClientID,
		OIDCClientSecret: cfg.OIDCClientSecret, OIDCAudience: cfg.OIDCAudience, SessionTTL: cfg.SessionTTL, Dues: cfg.Dues,
		BallotKey: cfg.BallotKey, Draining: drain.Draining,
	}, pool, log)
}

// listenAndServe serves h on addr until ctx ends. Then, when drain.delay
// is positive, it marks drain as draining (readiness answers 503) and goes
// on serving for that long, so that a load balancer stops sending requests
// before the listener closes; then it lets requests in flight finish for
// up to 10 s. ready, when set, receives the bound address.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, drain *drainer, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a large roster import
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if drain != nil && drain.delay > 0 {
		drain.draining.Store(true)
		log.Info("draining: not ready, still serving", "for", drain.delay.String())
		select {
		case <-time.After(drain.delay):
		case err := <-errc:
			return err
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// drainer is the shutdown delay and the flag readiness reads.
type drainer struct {
	delay    time.Duration
	draining atomic.Bool
}

// Draining reports whether the server is shutting down.
func (d *drainer) Draining() bool { return d.draining.Load() }
