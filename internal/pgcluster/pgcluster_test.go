package pgcluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// reachableDir returns a fresh directory that the account the server runs
// as can reach even when the test runs as root (t.TempDir's parent is
// 0700).
func reachableDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	begin := time.Now()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("cluster started in %v", time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func exec1(t *testing.T, url, sql string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var out string
	if err := conn.QueryRow(ctx, sql, args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestStartTemporaryClusterAndStop(t *testing.T) {
	c := start(t, Options{NoSync: true})
	got := exec1(t, c.URL("postgres"), "SELECT current_setting('fsync') || ' ' || current_user || ' ' || inet_server_addr()::text")
	if got != "off postgres 127.0.0.1/32" {
		t.Errorf("settings = %q, want fsync off, superuser postgres, on 127.0.0.1", got)
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir(), ".s.PGSQL."+strconv.Itoa(c.Port()))); err != nil {
		t.Errorf("unix socket: %v", err)
	}
	dir := c.DataDir()
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s still there after Stop (stat: %v)", dir, err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestRestartOnSameDataDirKeepsData(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pgdata")
	c := start(t, Options{DataDir: dir, NoSync: true})
	execSQL(t, c.URL("postgres"), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Fatalf("data directory gone after Stop: %v", err)
	}
	c2 := start(t, Options{DataDir: dir, NoSync: true})
	if got := exec1(t, c2.URL("postgres"), "SELECT v FROM kept"); got != "still here" {
		t.Errorf("after restart got %q", got)
	}
}

func TestStartSurvivesKilledServer(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pgdata")
	// Durable settings: the row must survive the crash.
	c := start(t, Options{DataDir: dir})
	execSQL(t, c.URL("postgres"), "CREATE TABLE t (v text); INSERT INTO t VALUES ('x')")
	if err := c.proc.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.exited
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid after SIGKILL: %v", err)
	}
	c2 := start(t, Options{DataDir: dir})
	if got := exec1(t, c2.URL("postgres"), "SELECT v FROM t"); got != "x" {
		t.Errorf("after crash restart got %q", got)
	}
}

func TestStartRemovesPidFileOfReusedPid(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pgdata")
	c := start(t, Options{DataDir: dir, NoSync: true})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// A live process that is not a PostgreSQL server now has the pid the
	// file names, as after a container restart.
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	pidFile := filepath.Join(dir, "postmaster.pid")
	stale := strconv.Itoa(sleeper.Process.Pid) + "\n" + dir + "\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001   0\nready   \n"
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, Options{DataDir: dir, NoSync: true})
}

func TestStartRefusesDataDirInUse(t *testing.T) {
	dir := filepath.Join(reachableDir(t), "pgdata")
	start(t, Options{DataDir: dir, NoSync: true})
	_, err := Start(context.Background(), Options{DataDir: dir, NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Start on a busy data directory: err = %v, want 'already running'", err)
	}
}

func TestStartRefusesNonEmptyNonClusterDir(t *testing.T) {
	dir := reachableDir(t)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: dir, NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "holds no PostgreSQL cluster") {
		t.Fatalf("err = %v, want refusal of a non-empty directory", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("the caller's file was touched: %v", err)
	}
}

func TestStartAsRootRejectsUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	private := t.TempDir() // its parent is 0700, owned by root
	if err := os.Chmod(filepath.Dir(private), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(private, "pgdata"), NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "not reachable by user") {
		t.Fatalf("err = %v, want a clear 'not reachable' error", err)
	}
}

func TestMissingBinariesSaysWhatToInstall(t *testing.T) {
	_, err := Start(context.Background(), Options{BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "brew install postgresql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	tests := []struct {
		a, b string
		less bool
	}{
		{"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", true},
		{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/14/bin", true},
		{"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/9.6/bin", false},
		{"/opt/homebrew/opt/postgresql@16/bin", "/opt/homebrew/opt/postgresql@17/bin", true},
		{"/usr/pgsql-16/bin", "/usr/pgsql-16/bin", false},
	}
	for _, tt := range tests {
		if got := versionLess(tt.a, tt.b); got != tt.less {
			t.Errorf("versionLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.less)
		}
	}
}
