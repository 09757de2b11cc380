package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// requestsLine reads the request count from the report.
func requestsLine(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`requests: (\d+) in`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no requests line in output:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestLoadAgainstTheApp runs the command against the whole service: seed
// through the import endpoint, then a bounded run, with a bearer token and
// with a web login.
func TestLoadAgainstTheApp(t *testing.T) {
	env := apptest.Start(t)
	tok := env.Token(t, "admin")

	code, out, errOut := runCmd(t, map[string]string{"CHAPTERHOUSE_TOKEN": tok}, "--url", env.URL, "--chapter", "lakeshore",
		"--seed-members", "1500", "--concurrency", "8", "--requests", "300", "--pages", "3")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "seeded 1500 rows") || !strings.Contains(out, "1500 created") {
		t.Errorf("seeding not reported:\n%s", out)
	}
	if n := requestsLine(t, out); n != 300 {
		t.Errorf("%d requests, want exactly 300:\n%s", n, out)
	}
	var members int
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM members m JOIN chapters c ON c.id = m.chapter_id WHERE c.slug = 'lakeshore'`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if members < 1500 {
		t.Errorf("lakeshore has %d members after seeding 1500", members)
	}

	// The web login (session cookie and CSRF token on the import), and a
	// second seeding of the same members, which changes nothing.
	code, out, errOut = runCmd(t, nil, "--url", env.URL, "--login", "admin:admin-demo", "--chapter", "lakeshore",
		"--seed-members", "1500", "--concurrency", "4", "--duration", "300ms",
		"--query", "q=an&joined_after=2015-01-01&sort=-joined&limit=20")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "1500 unchanged") {
		t.Errorf("re-seeding changed something:\n%s", out)
	}
	if requestsLine(t, out) == 0 {
		t.Errorf("no requests in 300ms:\n%s", out)
	}

	// An officer of another chapter may not read this roster: one clear
	// error, exit 1.
	code, _, errOut = runCmd(t, nil, "--url", env.URL, "--login", "officer:officer-demo", "--chapter", "lakeshore", "--requests", "5")
	if code != 1 || !strings.Contains(errOut, "HTTP 403") {
		t.Errorf("officer of riverside on lakeshore: exit %d, stderr %q; want 1 and HTTP 403", code, errOut)
	}
	code, _, errOut = runCmd(t, nil, "--url", env.URL, "--login", "admin:wrong", "--chapter", "lakeshore", "--requests", "5")
	if code != 1 || !strings.Contains(errOut, "sign in") {
		t.Errorf("wrong password: exit %d, stderr %q; want 1 and a sign-in error", code, errOut)
	}
}

// fakeServer answers the chapter list and roster pages, failing every
// failEvery-th page request with a 500 when failEvery > 0.
func fakeServer(t *testing.T, failEvery int64) (*httptest.Server, *atomic.Int64) {
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.URL.Path == "/api/v1/chapters":
			w.Write([]byte(`{"items":[{"id":"c1","slug":"north"}]}`))
		case r.URL.Path == "/api/v1/chapters/c1/members":
			n := pages.Add(1)
			if failEvery > 0 && n > 1 && n%failEvery == 0 {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"title":"Internal Server Error","status":500}`))
				return
			}
			if r.URL.Query().Get("cursor") == "" {
				w.Write([]byte(`{"items":[{}],"next_cursor":"p2"}`))
			} else {
				w.Write([]byte(`{"items":[{}]}`))
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &pages
}

func TestFailedRequestsAreCountedAndFailTheRun(t *testing.T) {
	srv, pages := fakeServer(t, 10)
	code, out, errOut := runCmd(t, nil, "--url", srv.URL, "--token", "tok", "--chapter", "north", "--requests", "200",
		"--concurrency", "5", "--pages", "2")
	if code != 1 {
		t.Errorf("exit %d with failing requests, want 1\n%s%s", code, out, errOut)
	}
	if n := requestsLine(t, out); n != 200 {
		t.Errorf("%d requests, want 200:\n%s", n, out)
	}
	// The first request (a check before the run) is extra.
	if got := pages.Load(); got != 201 {
		t.Errorf("server saw %d page requests, want 201", got)
	}
	if !strings.Contains(out, "errors:   20\n") || !strings.Contains(out, "20  HTTP 500") {
		t.Errorf("want 20 errors of kind HTTP 500 in:\n%s", out)
	}
}

func TestCleanRunExitsZeroAndStopsByDuration(t *testing.T) {
	srv, _ := fakeServer(t, 0)
	start := time.Now()
	code, out, errOut := runCmd(t, nil, "--url", srv.URL, "--token", "tok", "--chapter", "c1", "--duration", "200ms", "--concurrency", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 200ms run took %v", d)
	}
	if !strings.Contains(out, "errors:   0") || requestsLine(t, out) == 0 {
		t.Errorf("unexpected report:\n%s", out)
	}
}

func TestRefusesNonLoopbackTargets(t *testing.T) {
	for _, u := range []string{"http://10.1.2.3:8080", "https://example.com", "http://[2001:db8::1]/", "ftp://127.0.0.1/"} {
		code, _, errOut := runCmd(t, nil, "--url", u, "--token", "tok", "--chapter", "x", "--requests", "1")
		if code != 2 {
			t.Errorf("--url %s: exit %d (%s), want 2", u, code, errOut)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"} {
		parsed, _ := url.Parse(u)
		if err := loadtest.CheckTarget(parsed, false); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	parsed, _ := url.Parse("http://10.1.2.3:8080")
	if err := loadtest.CheckTarget(parsed, true); err != nil {
		t.Errorf("--allow-remote still refuses: %v", err)
	}
	// A name that resolves elsewhere is refused at dial time too.
	hc := loadtest.NewHTTPClient(1, time.Second, false)
	if _, err := hc.Get("http://192.0.2.1:9/"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("dial to 192.0.2.1: %v, want a refusal naming loopback", err)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{"--chapter", "x"}, // no credentials
		{"--token", "t"},   // no chapter
		{"--token", "t", "--chapter", "x", "--concurrency", "0"},
		{"--token", "t", "--chapter", "x", "--duration", "2h"},
		{"--token", "t", "--chapter", "x", "--query", "cursor=abc"},
		{"--token", "t", "--chapter", "x", "--login", "nopassword"},
		{"--write-csv", "/tmp/x.csv"},
		{"--bogus"},
	}
	for _, args := range tests {
		if code, _, errOut := runCmd(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errOut)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	path := t.TempDir() + "/r.csv"
	code, out, errOut := runCmd(t, nil, "--write-csv", path, "--seed-members", "10")
	if code != 0 || !strings.Contains(out, "wrote 10 members") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
}
