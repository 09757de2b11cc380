package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// benchSpec is the pgbench baseline.
type benchSpec struct {
	dbURL    string
	clients  int
	jobs     int
	duration time.Duration
	rows     int // scratch members: one per transaction at most
	binary   string
}

// benchResult is what pgbench reported.
type benchResult struct {
	clients      int // as run (may be fewer than asked: max_connections)
	tps          float64
	latencyMs    float64
	transactions int
	output       string
}

// scratchDDL mirrors voting_voters and voting_sealed_ballots (column types,
// keys, checks, indexes and foreign keys, to a scratch contest and scratch
// members) in schema s.
func scratchDDL(s string) string {
	return fmt.Sprintf(`
CREATE SCHEMA %[1]s;
CREATE TABLE %[1]s.contests (id uuid PRIMARY KEY);
CREATE TABLE %[1]s.members (id uuid PRIMARY KEY, n bigint NOT NULL UNIQUE);
CREATE SEQUENCE %[1]s.next_member;
CREATE TABLE %[1]s.voters (
    contest_id  uuid NOT NULL REFERENCES %[1]s.contests (id) ON DELETE CASCADE,
    member_id   uuid NOT NULL REFERENCES %[1]s.members (id),
    voted_on    date NOT NULL,
    PRIMARY KEY (contest_id, member_id)
);
CREATE TABLE %[1]s.sealed_ballots (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contest_id  uuid NOT NULL REFERENCES %[1]s.contests (id) ON DELETE CASCADE,
    lookup      bytea NOT NULL UNIQUE CHECK (length(lookup) = 32),
    ciphertext  bytea NOT NULL
);
CREATE INDEX ON %[1]s.sealed_ballots (contest_id);
`, s)
}

// benchScript is one transaction of the baseline: the who-voted row of the
// next scratch member (the scalar subquery runs once, so the member is
// found by its index) and a sealed ballot of the size the server writes
// for a six-candidate ranking (12-byte nonce, 45-byte ballot, 16-byte tag:
// 73 bytes), with a random 32-byte lookup.
func benchScript(s string, contest uuid.UUID) string {
	return fmt.Sprintf(`BEGIN;
INSERT INTO %[1]s.voters (contest_id, member_id, voted_on)
  SELECT '%[2]s', m.id, current_date FROM %[1]s.members m WHERE m.n = (SELECT nextval('%[1]s.next_member'));
INSERT INTO %[1]s.sealed_ballots (contest_id, lookup, ciphertext)
  VALUES ('%[2]s', sha256(gen_random_uuid()::text::bytea),
          sha256(random()::text::bytea) || sha256(random()::text::bytea) || substring(sha256(random()::text::bytea) from 1 for 9));
END;
`, s, contest)
}

var (
	tpsLine     = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	latencyLine = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	txLine      = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
)

// parsePgbench reads tps, average latency and transactions from pgbench's
// report. It returns an error when there is no tps line.
func parsePgbench(out string) (benchResult, error) {
	r := benchResult{output: out}
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return r, errors.New("pgbench printed no tps line")
	}
	r.tps, _ = strconv.ParseFloat(m[1], 64)
	if m := latencyLine.FindStringSubmatch(out); m != nil {
		r.latencyMs, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := txLine.FindStringSubmatch(out); m != nil {
		r.transactions, _ = strconv.Atoi(m[1])
	}
	return r, nil
}

// pgbenchBaseline creates the scratch schema, runs pgbench with the script
// and drops the schema again (also when pgbench fails). Clients are capped
// to what max_connections leaves free, with a note on out.
func pgbenchBaseline(ctx context.Context, spec benchSpec, out io.Writer) (benchResult, error) {
	var r benchResult
	conn, err := pgx.Connect(ctx, spec.dbURL)
	if err != nil {
		return r, fmt.Errorf("--pgbench-db: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var maxConns, used int
	if err := conn.QueryRow(ctx, `SELECT current_setting('max_connections')::int,
		(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int`).Scan(&maxConns, &used); err != nil {
		return r, err
	}
	r.clients = spec.clients
	if free := maxConns - used - 3; r.clients > free { // superuser_reserved_connections is 3 by default
		r.clients = max(free, 1)
		fmt.Fprintf(out, "note: max_connections is %d with %d in use, so pgbench runs %d clients instead of %d "+
			"(start dev with --pg-max-connections to raise it)\n", maxConns, used, r.clients, spec.clients)
	}

	suffix := make([]byte, 4)
	rand.Read(suffix)
	schema := "votestorm_bench_" + hex.EncodeToString(suffix)
	if _, err := conn.Exec(ctx, scratchDDL(schema)); err != nil {
		return r, fmt.Errorf("create the scratch schema: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, err := conn.Exec(dctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(out, "warning: could not drop the scratch schema %s: %v\n", schema, err)
		}
	}()
	contest := uuid.New()
	start := time.Now()
	if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %[1]s.contests VALUES ('%[2]s');
INSERT INTO %[1]s.members SELECT gen_random_uuid(), n FROM generate_series(1, %[3]d) n;`, schema, contest, spec.rows)); err != nil {
		return r, fmt.Errorf("fill the scratch schema: %w", err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+schema+".members"); err != nil {
		return r, fmt.Errorf("vacuum the scratch schema: %w", err)
	}
	fmt.Fprintf(out, "scratch schema %s with %d members ready in %.1f s\n", schema, spec.rows, time.Since(start).Seconds())

	dir, err := os.MkdirTemp("", "votestorm")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "cast.sql")
	if err := os.WriteFile(script, []byte(benchScript(schema, contest)), 0o600); err != nil {
		return r, err
	}
	args := []string{"-n", "-M", "prepared", "-f", script, "-c", strconv.Itoa(r.clients), "-j", strconv.Itoa(min(spec.jobs, r.clients)),
		"-T", strconv.Itoa(int(spec.duration.Round(time.Second).Seconds())), spec.dbURL}
	fmt.Fprintf(out, "pgbench %s\n", joinArgs(args))
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, spec.binary, args...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	runErr := cmd.Run()
	res, err := parsePgbench(buf.String())
	res.clients = r.clients
	if runErr != nil || err != nil {
		return res, fmt.Errorf("pgbench: %v %v\n%s", runErr, err, tail(buf.String(), 2000))
	}
	var stored int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+".voters").Scan(&stored); err == nil && res.transactions > 0 && stored != res.transactions {
		fmt.Fprintf(out, "warning: %d transactions but %d who-voted rows (scratch members exhausted? raise --pgbench-rows)\n", res.transactions, stored)
	}
	return res, nil
}

// joinArgs prints a command line, hiding nothing but the URL's password.
func joinArgs(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(redactURL(a))
	}
	return b.String()
}

var passwordInURL = regexp.MustCompile(`(://[^:/@]+:)[^@/]+@`)

func redactURL(s string) string { return passwordInURL.ReplaceAllString(s, "${1}xxxxx@") }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
