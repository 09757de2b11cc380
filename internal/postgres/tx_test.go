package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

var serializable = pgx.TxOptions{IsoLevel: pgx.Serializable}

func newTxPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.New(t)
	if _, err := pool.Exec(context.Background(), "CREATE TABLE txt (k text PRIMARY KEY, v int NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return pool
}

func count(t *testing.T, pool *pgxpool.Pool, k string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM txt WHERE k = $1", k).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insert(k string, v int) func(pgx.Tx) error {
	return func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), "INSERT INTO txt (k, v) VALUES ($1, $2)", k, v)
		return err
	}
}

func TestInTxCommits(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	if err := postgres.InTx(context.Background(), pool, pgx.TxOptions{}, insert("a", 1)); err != nil {
		t.Fatal(err)
	}
	if count(t, pool, "a") != 1 {
		t.Error("committed row missing")
	}
}

func TestInTxRollsBackAndReturnsFnErrorUnchanged(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	sentinel := errors.New("domain rule broken")
	calls := 0
	err := postgres.InTx(context.Background(), pool, serializable, func(tx pgx.Tx) error {
		calls++
		if err := insert("b", 1)(tx); err != nil {
			return err
		}
		return sentinel
	})
	if err != sentinel {
		t.Fatalf("err = %v, want the sentinel itself", err)
	}
	if calls != 1 {
		t.Errorf("fn ran %d times, want 1 (not a retryable error)", calls)
	}
	if count(t, pool, "b") != 0 {
		t.Error("row of a failed transaction was committed")
	}
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections still acquired", n)
	}
}

func TestInTxRollsBackOnPanicAndRepanics(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the original panic", r)
			}
		}()
		_ = postgres.InTx(context.Background(), pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if err := insert("c", 1)(tx); err != nil {
				return err
			}
			panic("boom")
		})
		t.Error("InTx returned instead of panicking")
	}()
	if count(t, pool, "c") != 0 {
		t.Error("row of a panicked transaction was committed")
	}
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections still acquired after the panic", n)
	}
	// The pool is still usable.
	if err := postgres.InTx(context.Background(), pool, pgx.TxOptions{}, insert("c", 2)); err != nil {
		t.Fatal(err)
	}
}

func TestInTxReturnsDatabaseErrors(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	ctx := context.Background()
	if err := postgres.InTx(ctx, pool, pgx.TxOptions{}, insert("d", 1)); err != nil {
		t.Fatal(err)
	}
	err := postgres.InTx(ctx, pool, serializable, insert("d", 2))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("err = %v, want the unique violation", err)
	}
}

// TestInTxRetriesSerializationFailure runs two SERIALIZABLE transactions
// that are a textbook write skew: each reads what the other writes. Both
// read before either writes, so PostgreSQL must fail one with 40001; InTx
// runs it again and both commit.
func TestInTxRetriesSerializationFailure(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "INSERT INTO txt VALUES ('x', 1), ('y', 1)"); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	skew := func(read, write string) func(pgx.Tx) error {
		first := true
		return func(tx pgx.Tx) error {
			attempts.Add(1)
			var v int
			if err := tx.QueryRow(ctx, "SELECT v FROM txt WHERE k = $1", read).Scan(&v); err != nil {
				return err
			}
			if first {
				first = false
				bothRead.Done()
				bothRead.Wait()
			}
			_, err := tx.Exec(ctx, "UPDATE txt SET v = $1 + 10 WHERE k = $2", v, write)
			return err
		}
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = postgres.InTx(ctx, pool, serializable, skew("x", "y")) })
	wg.Go(func() { errs[1] = postgres.InTx(ctx, pool, serializable, skew("y", "x")) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts: the conflict did not happen, so the retry was not exercised", n)
	}
	// Serial outcome: one ran after the other, so one value is 11 and
	// the other 21.
	var x, y int
	if err := pool.QueryRow(ctx, "SELECT (SELECT v FROM txt WHERE k = 'x'), (SELECT v FROM txt WHERE k = 'y')").Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	if !(x == 11 && y == 21) && !(x == 21 && y == 11) {
		t.Errorf("x, y = %d, %d: not a serial outcome", x, y)
	}
}

// TestInTxRetriesDeadlock makes two SERIALIZABLE transactions lock two
// rows in opposite orders; PostgreSQL breaks the deadlock by failing one
// (40P01 after deadlock_timeout, or 40001), and InTx runs it again.
func TestInTxRetriesDeadlock(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "INSERT INTO txt VALUES ('p', 0), ('q', 0)"); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var codes sync.Map
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	lockBoth := func(first, second string) func(pgx.Tx) error {
		once := true
		return func(tx pgx.Tx) error {
			attempts.Add(1)
			if _, err := tx.Exec(ctx, "UPDATE txt SET v = v + 1 WHERE k = $1", first); err != nil {
				return note(&codes, err)
			}
			if once {
				once = false
				bothLocked.Done()
				bothLocked.Wait()
			}
			_, err := tx.Exec(ctx, "UPDATE txt SET v = v + 1 WHERE k = $1", second)
			return note(&codes, err)
		}
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = postgres.InTx(ctx, pool, serializable, lockBoth("p", "q")) })
	wg.Go(func() { errs[1] = postgres.InTx(ctx, pool, serializable, lockBoth("q", "p")) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts: no conflict, the retry was not exercised", n)
	}
	codes.Range(func(k, _ any) bool { t.Logf("retried after SQLSTATE %v", k); return true })
	var p, q int
	if err := pool.QueryRow(ctx, "SELECT (SELECT v FROM txt WHERE k = 'p'), (SELECT v FROM txt WHERE k = 'q')").Scan(&p, &q); err != nil {
		t.Fatal(err)
	}
	if p != 2 || q != 2 {
		t.Errorf("p, q = %d, %d, want 2, 2 (each transaction applied once)", p, q)
	}
}

func note(codes *sync.Map, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		codes.Store(pgErr.Code, true)
	}
	return err
}

func TestInTxGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	conflict := &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
	calls := 0
	start := time.Now()
	err := postgres.InTx(context.Background(), pool, serializable, func(pgx.Tx) error {
		calls++
		return fmt.Errorf("cast ballot: %w", conflict)
	})
	if !errors.Is(err, conflict) {
		t.Fatalf("err = %v, want the last conflict", err)
	}
	if calls != postgres.MaxTxAttempts {
		t.Errorf("fn ran %d times, want %d", calls, postgres.MaxTxAttempts)
	}
	t.Logf("%d attempts with backoff took %v", calls, time.Since(start).Round(time.Millisecond))
}

func TestInTxRetriesOnlySerializable(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	for _, level := range []pgx.TxIsoLevel{"", pgx.ReadCommitted, pgx.RepeatableRead} {
		calls := 0
		err := postgres.InTx(context.Background(), pool, pgx.TxOptions{IsoLevel: level}, func(pgx.Tx) error {
			calls++
			return &pgconn.PgError{Code: "40001"}
		})
		if err == nil || calls != 1 {
			t.Errorf("level %q: err = %v after %d calls, want the error after 1", level, err, calls)
		}
	}
}

func TestInTxStopsRetryingWhenContextEnds(t *testing.T) {
	t.Parallel()
	pool := newTxPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	conflict := &pgconn.PgError{Code: "40P01"}
	calls := 0
	err := postgres.InTx(ctx, pool, serializable, func(pgx.Tx) error {
		calls++
		cancel()
		return conflict
	})
	if !errors.Is(err, conflict) || !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err = %v after %d calls, want the conflict and context.Canceled after 1", err, calls)
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{errors.New("40001"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := postgres.Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
