package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func appendN(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC)
	for i := range n {
		err := postgres.InTx(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			return audit.Append(ctx, tx, at.Add(time.Duration(i)*time.Second), audit.Entry{
				ActorID: uuid.New(), Action: "member.update", Entity: "member", EntityID: uuid.NewString(),
				Data: map[string]any{"changed": []string{"phone"}, "n": i, "note": "ünïcode \x1f sep"},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyAcceptsAnIntactChain(t *testing.T) {
	pool := pgtest.New(t)
	appendN(t, pool, 12)
	rep, err := audit.Verify(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Entries != 12 || rep.HeadSeq != 12 || len(rep.HeadHash) != 32 {
		t.Fatalf("report = %+v", rep)
	}
}

func TestVerifyNamesTheFirstTamperedEntry(t *testing.T) {
	cases := map[string]struct {
		sql      string
		broken   int64
		contains string
	}{
		"changed data":   {`UPDATE audit_log SET data = '{"changed":["email"]}' WHERE seq = 5`, 5, "contents"},
		"changed actor":  {`UPDATE audit_log SET actor_id = NULL WHERE seq = 7`, 7, "contents"},
		"changed time":   {`UPDATE audit_log SET at = at + interval '1 microsecond' WHERE seq = 3`, 3, "contents"},
		"deleted entry":  {`DELETE FROM audit_log WHERE seq = 6`, 7, "missing"},
		"rehashed entry": {`UPDATE audit_log SET hash = sha256(hash) WHERE seq = 4`, 4, "contents"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			pool := pgtest.New(t)
			appendN(t, pool, 10)
			ctx := context.Background()
			if _, err := pool.Exec(ctx, c.sql); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("the trigger let a change through: %v", err)
			}
			if _, err := pool.Exec(ctx, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"); err != nil {
				t.Fatal(err)
			}
			if _, err := pool.Exec(ctx, c.sql); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(ctx, pool)
			if err != nil {
				t.Fatal(err)
			}
			if rep.BrokenSeq != c.broken || !strings.Contains(rep.Problem, c.contains) {
				t.Fatalf("report = %+v, want broken at %d (%s)", rep, c.broken, c.contains)
			}
		})
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	pool := pgtest.New(t)
	errc := make(chan error, 8)
	for range 8 {
		go func() {
			for range 5 {
				err := postgres.InTx(context.Background(), pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
					return audit.Append(context.Background(), tx, time.Now(), audit.Entry{Action: "x.y", Entity: "x", EntityID: "1"})
				})
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	rep, err := audit.Verify(context.Background(), pool)
	if err != nil || !rep.OK() || rep.Entries != 40 {
		t.Fatalf("report = %+v, %v", rep, err)
	}
}
