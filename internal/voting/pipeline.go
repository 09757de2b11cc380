package voting

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// oneTripTx runs a single statement as its own SERIALIZABLE transaction
// in one round trip: BEGIN ISOLATION LEVEL SERIALIZABLE, the statement and
// COMMIT are sent together (pgx.Batch, extended protocol, one Sync). It
// keeps the semantics of postgres.InTx at SERIALIZABLE: a serialization
// failure or deadlock, from the statement or from the commit, is retried
// from the start with a jittered exponential backoff, up to
// postgres.MaxTxAttempts attempts in all; a transaction left open by a
// failure is rolled back before its connection goes back to the pool.
//
// fn runs the statement through the postgres.DBTX it is given (for a
// query of package postgres, through postgres.New(db); the statement must
// be read with QueryRow, as a :one query is), and may run once
// per attempt; it must do nothing else. Errors: fn's own, the statement's,
// or a commit failure (wrapping the *pgconn.PgError).
func oneTripTx(ctx context.Context, pool *pgxpool.Pool, fn func(db postgres.DBTX) error) error {
	for attempt := 1; ; attempt++ {
		err := oneTripAttempt(ctx, pool, fn)
		if err == nil || attempt >= postgres.MaxTxAttempts || !postgres.Retryable(err) {
			return err
		}
		bound := min(500*time.Millisecond, (5*time.Millisecond)<<min(attempt, 20))
		t := time.NewTimer(rand.N(bound) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up retrying after %d attempts: %w)", err, attempt, ctx.Err())
		case <-t.C:
		}
	}
}

func oneTripAttempt(ctx context.Context, pool *pgxpool.Pool, fn func(db postgres.DBTX) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire a connection: %w", err)
	}
	defer conn.Release()
	db := &oneTripDB{conn: conn.Conn()}
	err = fn(db)
	if err == nil && !db.used {
		err = fmt.Errorf("voting: one-trip transaction ran no statement")
	}
	if conn.Conn().PgConn().TxStatus() != 'I' {
		// The statement failed inside the explicit transaction, which the
		// server keeps open (aborted) after the Sync: roll it back.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := conn.Conn().Exec(rctx, "ROLLBACK"); rerr != nil {
			// Release closes a connection that is not idle.
			_ = conn.Conn().Close(rctx)
		}
	}
	return err
}

// oneTripDB is the postgres.DBTX of oneTripTx: its QueryRow wraps the
// statement in BEGIN/COMMIT and sends the three at once. Anything else is
// refused, so a statement cannot run outside the transaction.
type oneTripDB struct {
	conn *pgx.Conn
	used bool
}

var errOneTrip = fmt.Errorf("voting: a one-trip transaction runs one QueryRow only")

func (d *oneTripDB) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, errOneTrip
}

func (d *oneTripDB) Query(context.Context, string, ...any) (pgx.Rows, error) { return nil, errOneTrip }

func (d *oneTripDB) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errOneTrip
}

func (d *oneTripDB) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return errBatchResults{}
}

func (d *oneTripDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if d.used {
		return errRow{errOneTrip}
	}
	d.used = true
	return oneTripRow{d: d, ctx: ctx, sql: sql, args: args}
}

// oneTripRow sends the transaction when it is scanned.
type oneTripRow struct {
	d    *oneTripDB
	ctx  context.Context
	sql  string
	args []any
}

func (r oneTripRow) Scan(dest ...any) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL SERIALIZABLE")
	b.Queue(r.sql, r.args...)
	b.Queue("COMMIT")
	br := r.d.conn.SendBatch(r.ctx, b)
	_, beginErr := br.Exec()
	scanErr := br.QueryRow().Scan(dest...)
	tag, commitErr := br.Exec()
	closeErr := br.Close()
	switch {
	case beginErr != nil:
		return fmt.Errorf("postgres: begin transaction: %w", beginErr)
	case scanErr != nil:
		return scanErr
	case commitErr != nil:
		return fmt.Errorf("postgres: commit transaction: %w", commitErr)
	case closeErr != nil:
		return fmt.Errorf("postgres: commit transaction: %w", closeErr)
	case tag.String() != "COMMIT":
		// COMMIT of an aborted transaction answers ROLLBACK.
		return fmt.Errorf("postgres: commit transaction: the server answered %q", tag.String())
	}
	return nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type errBatchResults struct{}

func (errBatchResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, errOneTrip }
func (errBatchResults) Query() (pgx.Rows, error)         { return nil, errOneTrip }
func (errBatchResults) QueryRow() pgx.Row                { return errRow{errOneTrip} }
func (errBatchResults) Close() error                     { return errOneTrip }
func (errBatchResults) Tx() pgx.Tx                       { return nil }
