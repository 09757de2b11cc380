package auth

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// TestGenericRead: the statement runs with a generic plan, the setting
// does not outlive it on the connection, no row is pgx.ErrNoRows, and the
// principal's reads through it give the same member and grants.
func TestGenericRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := f.pool.Config().Copy()
	cfg.MaxConns = 1 // one connection: the check after runs where the read ran
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var before, during, after string
	if err := pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	g := genericRead{pool: pool}
	if err := g.QueryRow(ctx, `SELECT current_setting('plan_cache_mode') WHERE $1::int = 1`, 1).Scan(&during); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if during != "force_generic_plan" || after != before || before == during {
		t.Fatalf("plan_cache_mode before %q, during %q, after %q", before, during, after)
	}
	if err := g.QueryRow(ctx, `SELECT 1 WHERE $1::int = 2`, 1).Scan(new(int)); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("no row: %v", err)
	}
	if _, err := g.Exec(ctx, `SELECT 1`); err == nil {
		t.Fatal("Exec served")
	}

	a := &Authenticator{q: postgres.New(f.pool), pool: pool, log: slog.New(slog.DiscardHandler)}
	id := f.member(t, f.north, "M", "generic@example.org")
	f.grant(t, id, f.north, RoleChair, -10, 0, true)
	if _, err := a.memberByIdentity(ctx, "test", "nobody"); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("unknown identity: %v", err)
	}
	if _, err := a.q.AuthLinkIdentity(ctx, postgres.AuthLinkIdentityParams{Issuer: "test", Subject: "generic", MemberID: id}); err != nil {
		t.Fatal(err)
	}
	m, err := a.memberByIdentity(ctx, "test", "generic")
	if err != nil || m.ID != id || len(m.grants) != 1 || m.grants[0].Role != RoleChair || m.grants[0].ChapterID != f.north {
		t.Fatalf("member by identity: %+v, %v", m, err)
	}
	token := newToken()
	if _, err := a.authenticateSession(ctx, token); err == nil {
		t.Fatal("unknown session accepted")
	}
}
