package voting

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestOneTripTx: the statement runs in a SERIALIZABLE transaction that
// commits; a serialization failure is retried; any other failure is
// returned at once and rolled back, leaving the connection usable; and only
// one QueryRow may run.
func TestOneTripTx(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE one_trip (n int PRIMARY KEY);
		CREATE SEQUENCE one_trip_calls;
		CREATE FUNCTION one_trip_flaky(fail_first int) RETURNS int LANGUAGE plpgsql AS $$
		BEGIN
			IF nextval('one_trip_calls') <= fail_first THEN
				RAISE EXCEPTION 'simulated' USING ERRCODE = '40001';
			END IF;
			RETURN fail_first;
		END $$`); err != nil {
		t.Fatal(err)
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Commits, at SERIALIZABLE.
	var iso string
	err := oneTripTx(ctx, pool, func(db postgres.DBTX) error {
		return db.QueryRow(ctx, `WITH i AS (INSERT INTO one_trip VALUES (1)) SELECT current_setting('transaction_isolation')`).Scan(&iso)
	})
	if err != nil || iso != "serializable" {
		t.Fatalf("isolation %q, %v", iso, err)
	}
	if count(`SELECT count(*) FROM one_trip`) != 1 {
		t.Fatal("the insert was not committed")
	}

	// Two serialization failures, then success: three attempts.
	var got int
	if err := oneTripTx(ctx, pool, func(db postgres.DBTX) error {
		return db.QueryRow(ctx, `SELECT one_trip_flaky(2)`).Scan(&got)
	}); err != nil || got != 2 {
		t.Fatalf("retried: %d, %v", got, err)
	}
	if n := count(`SELECT last_value FROM one_trip_calls`); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}

	// Always failing: gives up after MaxTxAttempts.
	if _, err := pool.Exec(ctx, `SELECT setval('one_trip_calls', 1, false)`); err != nil {
		t.Fatal(err)
	}
	err = oneTripTx(ctx, pool, func(db postgres.DBTX) error {
		return db.QueryRow(ctx, `SELECT one_trip_flaky(1000)`).Scan(&got)
	})
	if !postgres.Retryable(err) {
		t.Fatalf("always failing: %v", err)
	}
	if n := count(`SELECT last_value FROM one_trip_calls`); n != postgres.MaxTxAttempts {
		t.Fatalf("%d attempts, want %d", n, postgres.MaxTxAttempts)
	}

	// Another failure: returned once, nothing committed, connections clean.
	err = oneTripTx(ctx, pool, func(db postgres.DBTX) error {
		return db.QueryRow(ctx, `WITH i AS (INSERT INTO one_trip VALUES (2)) SELECT 1/0`).Scan(&got)
	})
	var pgErr *pgconn.PgError
	if err == nil || !asPgErr(err, &pgErr) || pgErr.Code != "22012" {
		t.Fatalf("division by zero: %v", err)
	}
	if count(`SELECT count(*) FROM one_trip`) != 1 {
		t.Fatal("a failed transaction committed")
	}
	for range 8 { // every pooled connection answers outside a transaction
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s := c.Conn().PgConn().TxStatus(); s != 'I' {
			t.Errorf("pooled connection in transaction status %c", s)
		}
		c.Release()
	}

	// A unique violation: not retried.
	err = oneTripTx(ctx, pool, func(db postgres.DBTX) error {
		return db.QueryRow(ctx, `WITH i AS (INSERT INTO one_trip VALUES (1)) SELECT 1`).Scan(&got)
	})
	if err == nil || !asPgErr(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("unique violation: %v", err)
	}

	// Only QueryRow, once.
	err = oneTripTx(ctx, pool, func(db postgres.DBTX) error {
		_, err := db.Exec(ctx, `INSERT INTO one_trip VALUES (3)`)
		return err
	})
	if err == nil {
		t.Fatal("Exec ran in a one-trip transaction")
	}
	err = oneTripTx(ctx, pool, func(db postgres.DBTX) error { return nil })
	if err == nil {
		t.Fatal("a one-trip transaction without a statement succeeded")
	}
	if count(`SELECT count(*) FROM one_trip`) != 1 {
		t.Fatal("refused statements changed the table")
	}
}

func asPgErr(err error, target **pgconn.PgError) bool { return errors.As(err, target) }
