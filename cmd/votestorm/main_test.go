package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
	"github.com/chapterhouse/chapterhouse/internal/auth/devidp"
	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// startService runs the whole service as `chapterhouse dev --load-users n`
// does: the demo organization, the dev provider with the demo accounts and
// n load accounts, and the load-test client file in a temporary dev
// directory. It returns the server's URL, the dev directory and the
// database URL.
func startService(t *testing.T, n int) (string, string, string) {
	t.Helper()
	accts, err := demo.LoadAccounts(n)
	if err != nil {
		t.Fatal(err)
	}
	var users []devidp.User
	for _, a := range accts {
		users = append(users, devidp.User{Username: a.Username, Password: a.Password, Email: a.Email, Name: a.Name})
	}
	env := apptest.StartWith(t, apptest.Options{ExtraUsers: users})
	dir := t.TempDir()
	if _, err := demo.WriteLoadClient(dir, demo.LoadClient{Issuer: env.IdP.Issuer(), ClientID: apptest.ClientID,
		ClientSecret: apptest.ClientSecret, RedirectURI: env.URL + "/auth/callback", Users: n}); err != nil {
		t.Fatal(err)
	}
	return env.URL, dir, env.DatabaseURL
}

// TestStormAgainstTheApp runs the whole command against the whole service:
// set-up through the API, logins through the provider, the storm, the
// recast check, the close and the count check, and (when pgbench is
// installed) the baseline.
func TestStormAgainstTheApp(t *testing.T) {
	base, dir, dbURL := startService(t, 60)
	args := []string{"--url", base, "--dev-dir", dir, "--voters", "60", "--concurrency", "12", "--recast", "8"}
	if _, err := exec.LookPath("pgbench"); err == nil {
		args = append(args, "--pgbench-db", dbURL, "--pgbench-clients", "4", "--pgbench-duration", "1s", "--pgbench-rows", "50000")
	} else {
		t.Log("pgbench is not installed: the baseline is not exercised")
	}
	code, out, errOut := runCmd(t, nil, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"imported 60 voters into votestorm", "60 created",
		"accepted: 60 ballots",
		"recast: 8 voters cast again, twice each at once: 16 refused with 409, 0 second receipts, 0 other errors",
		"counted:  60 ballots (result), 60 published",
		"verified: ballots stored = voters who got a receipt, exactly",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(strings.Join(args, " "), "pgbench-db") {
		if !regexp.MustCompile(`pgbench: \d+ tps`).MatchString(out) || !strings.Contains(out, "throughput: ") {
			t.Errorf("no baseline in:\n%s", out)
		}
		// The scratch schema is gone.
		pool, err := postgres.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'votestorm_bench_%'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d scratch schemas left (%v)", n, err)
		}
	}

	// A second storm in the same chapter: the import changes nothing and a
	// new election takes the same voters.
	code, out, errOut = runCmd(t, nil, "--url", base, "--dev-dir", dir, "--voters", "20", "--concurrency", "20", "--rate", "200", "--recast", "0")
	if code != 0 || !strings.Contains(out, "60 unchanged") && !strings.Contains(out, "20 unchanged") {
		t.Fatalf("second run: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "open loop at 200 voters/s") || !strings.Contains(out, "verified:") {
		t.Errorf("second run:\n%s", out)
	}

	// More voters than the provider knows, a wrong admin password: clear
	// errors.
	if code, _, errOut := runCmd(t, nil, "--url", base, "--dev-dir", dir, "--voters", "61"); code != 2 || !strings.Contains(errOut, "load accounts") {
		t.Errorf("61 voters of 60: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "--url", base, "--dev-dir", dir, "--admin", "admin:wrong", "--voters", "5"); code != 1 || !strings.Contains(errOut, "login as admin") {
		t.Errorf("wrong admin password: exit %d, %s", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := [][]string{
		{"--url", "http://10.0.0.1:8080"},
		{"--url", "ftp://127.0.0.1/"},
		{"--voters", "0"},
		{"--voters", "100000"},
		{"--concurrency", "0"},
		{"--candidates", "1"},
		{"--candidates", "27"},
		{"--rate", "-1"},
		{"--admin", "nopassword"},
		{"--pgbench-duration", "10ms"},
		{"--bogus"},
		{"extra"},
	}
	for _, args := range tests {
		if code, _, errOut := runCmd(t, nil, append(args, "--dev-dir", dir)...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errOut)
		}
	}
	// No load-test client file: dev is not running with --load-users.
	if code, _, errOut := runCmd(t, nil, "--dev-dir", dir); code != 1 || !strings.Contains(errOut, "--load-users") {
		t.Errorf("missing client file: exit %d, %s", code, errOut)
	}
}

func TestRandomRankingIsAPrefixOfAPermutation(t *testing.T) {
	cands := []string{"a", "b", "c", "d", "e", "f"}
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := map[int]bool{}
	firsts := map[string]bool{}
	for range 2000 {
		r := randomRanking(rng, cands)
		if len(r) < 1 || len(r) > len(cands) {
			t.Fatalf("ranking of length %d", len(r))
		}
		seen := map[string]bool{}
		for _, c := range r {
			if seen[c] || !strings.Contains("abcdef", c) {
				t.Fatalf("ranking %v repeats or invents a candidate", r)
			}
			seen[c] = true
		}
		lengths[len(r)], firsts[r[0]] = true, true
	}
	if len(lengths) != 6 || len(firsts) != 6 {
		t.Errorf("lengths %v, first choices %v: want every length and every candidate first", lengths, firsts)
	}
	if cands[0] != "a" || cands[5] != "f" {
		t.Error("randomRanking changed its input")
	}
}

func TestParsePgbench(t *testing.T) {
	out := `pgbench (16.4)
transaction type: /tmp/x/cast.sql
scaling factor: 1
query mode: prepared
number of clients: 500
number of threads: 2
maximum number of tries: 1
duration: 15 s
number of transactions actually processed: 32823
number of failed transactions: 0 (0.000%)
latency average = 227.844 ms
initial connection time = 1210.331 ms
tps = 2194.477 (without initial connection time)
`
	r, err := parsePgbench(out)
	if err != nil || r.tps != 2194.477 || r.latencyMs != 227.844 || r.transactions != 32823 {
		t.Errorf("parsed %+v, %v", r, err)
	}
	if _, err := parsePgbench("pgbench: error: connection refused"); err == nil {
		t.Error("no tps line accepted")
	}
}

func TestBenchScriptNamesItsSchemaAndContest(t *testing.T) {
	c := uuid.New()
	s := benchScript("votestorm_bench_x", c)
	for _, want := range []string{"BEGIN;", "END;", "votestorm_bench_x.voters", "votestorm_bench_x.sealed_ballots", c.String()} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "INSERT") != 2 {
		t.Errorf("want exactly two inserts:\n%s", s)
	}
	ddl := scratchDDL("votestorm_bench_x")
	for _, want := range []string{"PRIMARY KEY (contest_id, member_id)", "lookup      bytea NOT NULL UNIQUE CHECK (length(lookup) = 32)", "REFERENCES votestorm_bench_x.members"} {
		if !strings.Contains(ddl, want) {
			t.Errorf("DDL lacks %q", want)
		}
	}
	if got := redactURL("postgres://u:secret@127.0.0.1:5432/db"); got != "postgres://u:xxxxx@127.0.0.1:5432/db" {
		t.Errorf("redactURL: %s", got)
	}
}
