package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// MaxTxAttempts is how many times InTx runs a SERIALIZABLE transaction
	// that keeps failing with a serialization failure or deadlock before
	// it gives up and returns the last error.
	MaxTxAttempts = 10
	// txBackoffBase and txBackoffCap shape the jittered exponential
	// backoff between attempts: attempt k waits a uniformly random time in
	// [0, min(cap, base*2^k)).
	txBackoffBase = 5 * time.Millisecond
	txBackoffCap  = 500 * time.Millisecond
	// rollbackTimeout bounds the rollback InTx issues after a failure, even
	// when ctx is already cancelled.
	rollbackTimeout = 5 * time.Second
)

// SQLSTATE codes InTx retries.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// TxBeginner is what InTx needs to start a transaction: *pgxpool.Pool,
// *pgxpool.Conn and *pgx.Conn all satisfy it.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// InTx runs fn inside one transaction begun on db with opts, and commits
// it when fn returns nil. When fn returns an error or panics, the
// transaction is rolled back; the error is returned unchanged and the panic
// is re-raised after the rollback.
//
// When opts.IsoLevel is pgx.Serializable, a transaction that fails with a
// serialization failure (SQLSTATE 40001) or a deadlock (40P01), whether
// from a statement in fn or from the commit, is rolled back and run again
// from the start, up to MaxTxAttempts times in all, with a jittered
// exponential backoff between attempts. fn must therefore do nothing but
// database work through the pgx.Tx it is given (no emails, no writes to
// outside state) when it runs at that level. At other levels fn runs once.
//
// Errors: fn's own error, unchanged (after the last attempt, for retried
// errors); when ctx is cancelled while waiting to retry, the last error
// joined with ctx's (errors.Is finds both); otherwise an error wrapping the failure to begin or commit (with %w, so
// errors.As finds a *pgconn.PgError).
func InTx(ctx context.Context, db TxBeginner, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	retry := opts.IsoLevel == pgx.Serializable
	for attempt := 1; ; attempt++ {
		err := runTx(ctx, db, opts, fn)
		if err == nil || !retry || attempt >= MaxTxAttempts || !Retryable(err) {
			return err
		}
		if werr := sleepCtx(ctx, backoff(attempt)); werr != nil {
			return fmt.Errorf("%w (gave up retrying after %d attempts: %w)", err, attempt, werr)
		}
	}
}

// Retryable reports whether err, or an error it wraps, is a PostgreSQL
// serialization failure (SQLSTATE 40001) or deadlock (40P01): a
// transaction that may succeed when run again.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == codeSerializationFailure || pgErr.Code == codeDeadlockDetected
}

// runTx is one attempt of InTx.
func runTx(ctx context.Context, db TxBeginner, opts pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin transaction: %w", err)
	}
	done := false
	defer func() {
		if done {
			return
		}
		// fn failed or panicked: roll back, on a context that outlives
		// a cancelled ctx so the connection goes back to the pool clean.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = tx.Rollback(rctx) // the original error or panic matters more
	}()
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit transaction: %w", err)
	}
	return nil
}

// backoff is the wait before attempt+1: uniformly random ("full jitter")
// below an exponentially growing, capped bound, so transactions that
// collided once spread out instead of colliding again.
func backoff(attempt int) time.Duration {
	bound := txBackoffCap
	if attempt < 20 {
		bound = min(txBackoffCap, txBackoffBase<<attempt)
	}
	return rand.N(bound) + time.Millisecond
}

// sleepCtx waits d or until ctx is done, whichever comes first, and returns
// ctx's error in the latter case.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
