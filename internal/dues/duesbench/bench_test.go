package duesbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chapterhouse/chapterhouse/internal/api"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const secret = "whsec_bench"

// benchWorkers is how many River workers process events during the
// ingestion benchmark.
var benchWorkers = 8

// stripeStub answers balance transaction reads from the charge id alone
// (stripe-mock returns one fixture for every id, which would collapse the
// ledger to one row).
type stripeStub struct{ dues.Stripe }

func (stripeStub) ChargeBalanceTransaction(_ context.Context, id string) (dues.BalanceTxn, error) {
	return dues.BalanceTxn{ID: "txn_" + id, Type: "charge", Category: "charge", Source: id, Amount: 1000, Fee: 59,
		Net: 941, Currency: "usd", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
}

type noAuth struct{}

func (noAuth) Authenticate(*http.Request) (*auth.Principal, error) {
	return nil, errs.E(errs.Unauthenticated, "no")
}

func seed(t testing.TB, pool *pgxpool.Pool, members, chapters int) {
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO chapters (id, kind, slug, name, chartered_on) VALUES ('00000000-0000-4000-8000-000000000001', 'national', 'national', 'N', '2000-01-01')`,
		fmt.Sprintf(`INSERT INTO chapters (id, parent_id, kind, slug, name, chartered_on)
			SELECT ('00000000-0000-4000-8000-' || lpad((i + 100)::text, 12, '0'))::uuid, '00000000-0000-4000-8000-000000000001',
			'chapter', 'c' || i, 'Chapter ' || i, '2000-01-01' FROM generate_series(1, %d) i`, chapters),
		fmt.Sprintf(`INSERT INTO members (id, chapter_id, given_name, family_name, email, joined_on)
			SELECT ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid,
			('00000000-0000-4000-8000-' || lpad((i %% %d + 101)::text, 12, '0'))::uuid, 'M', 'N' || i, 'm' || i || '@e.org', '2025-01-01'
			FROM generate_series(1, %d) i`, chapters, members),
		`INSERT INTO dues_customers (customer_id, member_id) SELECT 'cus_' || substr(id::text, 25), id FROM members`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

func event(i, members int) []byte {
	cus := fmt.Sprintf("cus_%012d", i%members+1)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Unix()
	b, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_%d", i), "object": "event", "api_version": "2023-10-16",
		"created": at, "type": "invoice.paid", "data": map[string]any{"object": map[string]any{
			"id": fmt.Sprintf("in_%d", i), "object": "invoice", "customer": cus, "charge": fmt.Sprintf("ch_%d", i),
			"amount_paid": 1000, "currency": "usd", "period_start": at, "period_end": at + 30*86400,
			"status_transitions": map[string]any{"paid_at": at}}}})
	return b
}

// BenchmarkWebhookIngest posts signed invoice.paid events through the real
// HTTP endpoint (validation, routing, signature check, store) from 8
// concurrent clients (DUESBENCH_CLIENTS) while 8 River workers
// (DUESBENCH_WORKERS) apply them, and reports events accepted per second
// and events processed per second end to end (until every event is applied
// and every standing recompute done), against pgbench's single-insert
// rate at the same concurrency before and after the run.
func BenchmarkWebhookIngest(b *testing.B) {
	const members = 2000
	clients := 8
	if c, err := strconv.Atoi(os.Getenv("DUESBENCH_CLIENTS")); err == nil && c > 0 {
		clients = c
	}
	if w, err := strconv.Atoi(os.Getenv("DUESBENCH_WORKERS")); err == nil && w >= 0 {
		benchWorkers = w // 0 measures intake alone
	}
	// The server's pool gets a connection per client and per worker (and
	// River's own), as a deployment sized for this load would; pgx's
	// default is max(4, GOMAXPROCS).
	dbURL := pgtest.NewURL(b)
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	qv := u.Query()
	qv.Set("pool_max_conns", strconv.Itoa(clients+benchWorkers+4))
	u.RawQuery = qv.Encode()
	pool, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	seed(b, pool, members, 20)
	// The baseline runs before the service starts and again after the
	// events are processed, on the same database and machine.
	before, errBefore := pgbenchInsertTPS(context.Background(), pool, dbURL, clients)
	svc, err := dues.NewService(pool, time.Now, dues.Config{Policy: dues.DefaultPolicy(), Stripe: stripeStub{},
		WebhookSecret: secret, Workers: benchWorkers, Logger: benchLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := svc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer svc.Stop(context.Background())
	reg := prometheus.NewRegistry()
	h, err := api.New(api.Deps{Pool: pool, Dues: svc, Auth: noAuth{}, Logger: slog.New(slog.DiscardHandler),
		Registry: reg, Gatherer: reg})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	n := max(b.N, 2000)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = event(i, members)
	}
	commits := func() int64 {
		var c int64
		pool.QueryRow(ctx, `SELECT pg_stat_force_next_flush()`).Scan(new(any))
		pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&c)
		return c
	}
	// A starting service runs the daily standing sweep once; measure the
	// steady state, after it.
	for benchWorkers > 0 {
		var done bool
		if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job WHERE kind = 'dues_standing_sweep'
				AND state = 'completed')`).Scan(&done); err != nil {
			b.Fatal(err)
		}
		if done {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// This machine's PostgreSQL runs without autovacuum; a deployment's
	// would vacuum the standing queue (it churns: every payment upserts a
	// row, every recompute deletes it) and analyze the tables as they grow,
	// so that plans made while they were small get replaced. Stand in for
	// it, every few seconds (autovacuum wakes every minute, but this run
	// lasts seconds).
	actx, stopAnalyze := context.WithCancel(ctx)
	defer stopAnalyze()
	go func() {
		for {
			select {
			case <-actx.Done():
				return
			case <-time.After(3 * time.Second):
			}
			pool.Exec(actx, `VACUUM (ANALYZE) dues_standing_queue`)
			pool.Exec(actx, `ANALYZE dues_events, dues_payments, dues_ledger, member_standing_history`)
		}
	}()
	commits0 := commits()
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/stripe/webhook", bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
				req.Header.Set("Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
					Payload: bodies[i], Secret: secret}).Header)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	accepted := time.Since(start)
	for benchWorkers > 0 {
		var pending int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM dues_events WHERE state <> 'processed')
				+ (SELECT count(*) FROM dues_standing_queue)`).Scan(&pending); err != nil {
			b.Fatal(err)
		}
		if pending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	processed := time.Since(start)
	b.StopTimer()
	var ledger int
	pool.QueryRow(ctx, `SELECT count(*) FROM dues_ledger`).Scan(&ledger)
	if benchWorkers > 0 && ledger != n {
		b.Fatalf("ledger has %d rows for %d events", ledger, n)
	}
	var standing int
	pool.QueryRow(ctx, `SELECT count(DISTINCT member_id) FROM member_standing_history
		WHERE superseded_at IS NULL AND standing = 'good'`).Scan(&standing)
	if benchWorkers > 0 && standing != min(n, members) {
		b.Fatalf("%d members in good standing after %d payments by %d members", standing, n, min(n, members))
	}
	time.Sleep(1100 * time.Millisecond) // let backends flush their statistics
	b.ReportMetric(float64(commits()-commits0)/float64(n), "commits/event")
	var jobs int
	pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'dues_process_events'`).Scan(&jobs)
	if jobs > 0 {
		b.ReportMetric(float64(n)/float64(jobs), "events/job")
	}
	b.ReportMetric(float64(n)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(n)/processed.Seconds(), "processed/s")
	after, errAfter := pgbenchInsertTPS(ctx, pool, dbURL, clients)
	switch {
	case errBefore != nil || errAfter != nil:
		b.Logf("pgbench baseline skipped: %v", errors.Join(errBefore, errAfter))
	default:
		// The ratio is against the better of the two baseline runs.
		tps := max(before, after)
		b.ReportMetric(before, "pgbench_before_tps")
		b.ReportMetric(after, "pgbench_after_tps")
		b.ReportMetric(float64(n)/processed.Seconds()/tps, "processed/pgbench")
	}
}

// benchLogger logs warnings and errors to stderr when DUESBENCH_LOG is
// set (to see failed jobs, deadlocks and retries), else nothing.
func benchLogger() *slog.Logger {
	if os.Getenv("DUESBENCH_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// pgbenchInsertTPS runs pgbench against the benchmark's own database with
// the same number of clients, each transaction one single-row INSERT into
// a fresh table, for three seconds, and returns its tps: the server's
// ceiling for one-statement write transactions on this machine now.
func pgbenchInsertTPS(ctx context.Context, pool *pgxpool.Pool, dbURL string, clients int) (float64, error) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return 0, err
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS pgbench_single (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int NOT NULL, at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, err
	}
	script, err := os.CreateTemp("", "pgbench-*.sql")
	if err != nil {
		return 0, err
	}
	defer os.Remove(script.Name())
	script.WriteString("INSERT INTO pgbench_single (v) VALUES (1);\n")
	script.Close()
	cmd := exec.CommandContext(ctx, bin, "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", "3", "-f", script.Name(),
		dbURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps in pgbench output: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// BenchmarkReports100k times the quarterly dues share and the monthly
// income report over 100,000 members in 100 chapters with a year of
// monthly payments (1.2 million ledger rows), as the national treasurer.
func BenchmarkReports100k(b *testing.B) {
	const members, chapters = 100000, 100
	ctx := context.Background()
	pool := pgtest.New(b)
	seed(b, pool, members, chapters)
	if _, err := pool.Exec(ctx, `INSERT INTO dues_ledger (balance_transaction_id, kind, source_id, charge_id, member_id, chapter_id,
			amount, fee, net, currency, occurred_at)
		SELECT 'txn_' || m.id || '_' || k, CASE WHEN k = 12 AND (hashtext(m.id::text) % 50) = 0 THEN 'refund' ELSE 'payment' END,
			'ch_' || m.id || '_' || k, 'ch_' || m.id || '_' || k, m.id, m.chapter_id,
			CASE WHEN k = 12 AND (hashtext(m.id::text) % 50) = 0 THEN -1000 ELSE 500 + (hashtext(m.id::text) & 4095) END, 59,
			CASE WHEN k = 12 AND (hashtext(m.id::text) % 50) = 0 THEN -1059 ELSE 441 + (hashtext(m.id::text) & 4095) END,
			'usd', timestamptz '2026-01-01' + ((k - 1) || ' months')::interval + ((hashtext(m.id::text) & 1023) || ' minutes')::interval
		FROM members m, generate_series(1, 12) k`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	svc, err := dues.NewService(pool, time.Now, dues.Config{Policy: dues.DefaultPolicy()})
	if err != nil {
		b.Fatal(err)
	}
	p := &auth.Principal{MemberID: uuid.New(), Grants: []auth.Grant{{Role: auth.RoleTreasurer,
		ChapterID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), National: true}}}
	b.Run("share-quarter", func(b *testing.B) {
		for b.Loop() {
			rep, err := svc.Share(ctx, p, nil, 2026, 1)
			if err != nil || len(rep.Chapters) != chapters {
				b.Fatalf("%d chapters, %v", len(rep.Chapters), err)
			}
		}
	})
	b.Run("income-year", func(b *testing.B) {
		for b.Loop() {
			rows, err := svc.Income(ctx, p, nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil || len(rows) != chapters*12 {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
		}
	})
}
