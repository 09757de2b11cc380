package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestCustomPlansRunsUnprepared: a query through CustomPlans gives the same
// rows as through the pool, with the value types sqlc queries pass (uuid,
// nullable text and dates, arrays), and leaves no prepared statement behind
// (so PostgreSQL plans it for its values every time), where the plain pool
// prepares it.
func TestCustomPlansRunsUnprepared(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	q := postgres.New(pool)
	nat, err := q.CreateChapter(ctx, postgres.CreateChapterParams{Kind: "national", Slug: "national", Name: "N", CharteredOn: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	status := "active"
	args := postgres.ListMembersByNameParams{ChapterID: nat.ID, Status: &status, Lim: 10, AfterID: uuid.Nil}
	if _, err := q.CreateMember(ctx, postgres.CreateMemberParams{ChapterID: nat.ID, GivenName: "A", Email: "a@example.org", JoinedOn: time.Now()}); err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	prepared := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := prepared()
	rows, err := postgres.New(postgres.CustomPlans(conn)).ListMembersByName(ctx, args)
	if err != nil || len(rows) != 1 || rows[0].Email != "a@example.org" {
		t.Fatalf("through CustomPlans: %v rows, %v", len(rows), err)
	}
	if after := prepared(); after != before {
		t.Fatalf("CustomPlans prepared a statement (%d -> %d)", before, after)
	}
	if _, err := postgres.New(conn).ListMembersByName(ctx, args); err != nil {
		t.Fatal(err)
	}
	if after := prepared(); after == before {
		t.Fatal("the plain connection did not prepare the statement: the test cannot tell the modes apart")
	}
}

// TestCustomPlansInTxLastsTheTransaction: inside the transaction every
// statement is custom-planned; the connection goes back to the default
// afterwards, so the pool's other users keep generic plans.
func TestCustomPlansInTxLastsTheTransaction(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	mode := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) string {
		var m string
		if err := q.QueryRow(ctx, "SHOW plan_cache_mode").Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.CustomPlansInTx(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if m := mode(tx); m != "force_custom_plan" {
		t.Errorf("inside the transaction: %s", m)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if m := mode(conn); m != "auto" {
		t.Errorf("after the transaction: %s, want auto", m)
	}
}
