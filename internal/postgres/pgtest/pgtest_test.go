package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

func TestMain(m *testing.M) { Main(m) }

// requireMigrated fails t unless the database at u is at the latest
// schema version.
func requireMigrated(t *testing.T, u string) {
	t.Helper()
	st, err := postgres.MigrateStatus(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if !st.UpToDate() || st.Version == 0 {
		t.Fatalf("database not migrated: %v", st)
	}
}

func TestNewGivesEachParallelTestItsOwnMigratedDatabase(t *testing.T) {
	var mu sync.Mutex
	names := map[string]bool{}
	for i := range 6 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			pool := New(t)
			t.Logf("clone + pool in %v", time.Since(start).Round(time.Millisecond))
			ctx := context.Background()
			// Same table name in every test: only separate databases
			// let all of them create it.
			if _, err := pool.Exec(ctx, "CREATE TABLE isolation_probe (n int)"); err != nil {
				t.Fatal(err)
			}
			var db string
			var chapters int
			if err := pool.QueryRow(ctx, "SELECT current_database(), (SELECT count(*) FROM chapters)").Scan(&db, &chapters); err != nil {
				t.Fatalf("schema missing: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if names[db] {
				t.Errorf("database %s handed out twice", db)
			}
			names[db] = true
		})
	}
}

func TestCleanupDropsDatabase(t *testing.T) {
	srv := defaultServer(t)
	var name string
	t.Run("inner", func(t *testing.T) {
		u := NewURL(t)
		requireMigrated(t, u)
		conn, err := pgx.Connect(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		// Left open on purpose: the drop uses FORCE.
		if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	var n int
	if err := srv.admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestNewEmptyURLHasNoSchema(t *testing.T) {
	u := NewEmptyURL(t)
	st, err := postgres.MigrateStatus(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 0 || st.Pending == 0 {
		t.Errorf("empty database status = %+v, want nothing applied", st)
	}
}

// TestPrivateClusterFallback exercises the path taken on a machine with
// no server on 127.0.0.1:5432: the probe fails, a private cluster starts.
func TestPrivateClusterFallback(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	srv, err := NewServer(ctx, ServerOptions{
		ProbeURL: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable",
		Logf:     t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fallback server ready in %v", time.Since(start).Round(time.Millisecond))
	if !srv.Private() {
		t.Fatal("expected a private cluster when the probe fails")
	}
	dataDir := srv.cluster.DataDir()
	t.Run("use", func(t *testing.T) {
		start := time.Now()
		u := srv.NewURL(t)
		t.Logf("first database (template + clone) in %v", time.Since(start).Round(time.Millisecond))
		requireMigrated(t, u)
		start = time.Now()
		srv.NewURL(t)
		t.Logf("second database (clone) in %v", time.Since(start).Round(time.Millisecond))
	})
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("private cluster directory %s left behind (stat: %v)", dataDir, err)
	}
}

// dropTemplate removes a test-made template.
func dropTemplate(t *testing.T, srv *Server, name string) {
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = srv.admin.Exec(ctx, "ALTER DATABASE "+ident(name)+" WITH IS_TEMPLATE false")
		if _, err := srv.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("drop template %s: %v", name, err)
		}
	})
}

func TestHalfMadeTemplateIsRemade(t *testing.T) {
	shared := defaultServer(t)
	name := dbName("chtpl_half_" + t.Name())
	dropTemplate(t, shared, name)
	// A process killed mid-migration leaves a database that is not yet
	// marked as a template.
	if _, err := shared.admin.Exec(context.Background(), "CREATE DATABASE "+ident(name)); err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(context.Background(), ServerOptions{URL: shared.AdminURL(), templateName: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // after the drop NewURL registers
	requireMigrated(t, srv.NewURL(t))
}

// TestTemplateCreationAcrossProcesses runs several test binaries at once
// against one server and a template that does not exist yet, as
// `go test ./...` does: exactly one makes it, all get a migrated clone.
func TestTemplateCreationAcrossProcesses(t *testing.T) {
	if os.Getenv("PGTEST_HELPER_TEMPLATE") != "" {
		t.Skip("helper process")
	}
	shared := defaultServer(t)
	name := dbName("chtpl_procs")
	dropTemplate(t, shared, name)
	const procs = 4
	outs := make([]string, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMakeTemplate$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "PGTEST_HELPER_TEMPLATE="+name, "PGTEST_HELPER_ADMIN="+shared.AdminURL())
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	made := 0
	for i := range procs {
		if errs[i] != nil || !strings.Contains(outs[i], "--- PASS: TestHelperMakeTemplate") {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
		made += strings.Count(outs[i], "pgtest: made template")
	}
	if made != 1 {
		t.Errorf("template made %d times, want exactly once", made)
	}
}

// TestHelperMakeTemplate is run by TestTemplateCreationAcrossProcesses in
// child processes.
func TestHelperMakeTemplate(t *testing.T) {
	name := os.Getenv("PGTEST_HELPER_TEMPLATE")
	if name == "" {
		t.Skip("run by TestTemplateCreationAcrossProcesses")
	}
	srv, err := NewServer(context.Background(), ServerOptions{
		URL: os.Getenv("PGTEST_HELPER_ADMIN"), templateName: name, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // after the drop NewURL registers
	requireMigrated(t, srv.NewURL(t))
}

func TestDBName(t *testing.T) {
	tests := []struct{ in, prefix string }{
		{"TestX", "cht_testx_"},
		{"TestRoster/Import CSV (bad row)", "cht_testroster_import_csv_bad_row_"},
		{strings.Repeat("A", 100), "cht_" + strings.Repeat("a", 40) + "_"},
	}
	for _, tt := range tests {
		got := dbName(tt.in)
		if !strings.HasPrefix(got, tt.prefix) || len(got) != len(tt.prefix)+10 || len(got) > 63 {
			t.Errorf("dbName(%q) = %q, want %q + 10 hex chars, at most 63 bytes", tt.in, got, tt.prefix)
		}
	}
}
