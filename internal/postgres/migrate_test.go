package postgres_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func status(t *testing.T, url string) postgres.Status {
	t.Helper()
	st, err := postgres.MigrateStatus(context.Background(), url)
	if err != nil {
		t.Fatalf("MigrateStatus: %v", err)
	}
	return st
}

// leftovers lists what the migrations left in the public schema: tables,
// views, sequences, types and functions not owned by an extension, besides
// golang-migrate's own table.
func leftovers(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT 'relation ' || c.relname FROM pg_class c
		 WHERE c.relnamespace = 'public'::regnamespace AND c.relname <> 'schema_migrations'
		   AND c.relname <> 'schema_migrations_pkey'
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
		UNION ALL
		SELECT 'function ' || p.proname FROM pg_proc p
		 WHERE p.pronamespace = 'public'::regnamespace
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
		UNION ALL
		SELECT 'type ' || ty.typname FROM pg_type ty
		 WHERE ty.typnamespace = 'public'::regnamespace AND ty.typtype IN ('e', 'd', 'c') AND ty.typrelid = 0
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = ty.oid AND d.deptype = 'e')
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func TestMigrateRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewEmptyURL(t)

	st := status(t, url)
	if st.Version != 0 || st.Dirty || st.Latest == 0 || st.Pending == 0 || st.UpToDate() {
		t.Fatalf("fresh database: %+v", st)
	}
	total := st.Pending
	if err := postgres.MigrateUp(ctx, url); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	up := status(t, url)
	if !up.UpToDate() || up.Version != st.Latest || up.Pending != 0 {
		t.Fatalf("after up: %+v", up)
	}
	if err := postgres.MigrateUp(ctx, url); err != nil {
		t.Fatalf("second MigrateUp (no change) = %v, want nil", err)
	}
	if len(leftovers(t, url)) == 0 {
		t.Fatal("migrations created nothing in the public schema")
	}

	if err := postgres.MigrateDown(ctx, url, total); err != nil {
		t.Fatalf("MigrateDown all: %v", err)
	}
	if down := status(t, url); down.Version != 0 || down.Dirty || down.Pending != total {
		t.Fatalf("after down all: %+v", down)
	}
	if left := leftovers(t, url); len(left) > 0 {
		t.Errorf("down migrations left objects behind: %v", left)
	}

	if err := postgres.MigrateUp(ctx, url); err != nil {
		t.Fatalf("MigrateUp after down: %v", err)
	}
	if again := status(t, url); again != up {
		t.Errorf("after up again: %+v, want %+v", again, up)
	}
}

func TestMigrateDownOneStepAtATime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st := status(t, url)
	before := st.Version
	if err := postgres.MigrateDown(ctx, url, 1); err != nil {
		t.Fatal(err)
	}
	after := status(t, url)
	if after.Version >= before || after.Pending != 1 {
		t.Errorf("down 1 from %d: %+v", before, after)
	}
	if err := postgres.MigrateUp(ctx, url); err != nil {
		t.Fatal(err)
	}
	if !status(t, url).UpToDate() {
		t.Error("not up to date after up")
	}
}

func TestMigrateDownRejectsBadCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st := status(t, url)
	applied := int(st.Latest) // versions are 1..n, all applied
	if n := st.Pending; n != 0 {
		t.Fatalf("template not up to date: %+v", st)
	}
	for _, n := range []int{0, -1, applied + 1, 1 << 20} {
		err := postgres.MigrateDown(ctx, url, n)
		if err == nil {
			t.Errorf("MigrateDown(%d) = nil, want an error", n)
		}
		if after := status(t, url); after != st {
			t.Errorf("MigrateDown(%d) changed the schema: %+v -> %+v", n, st, after)
		}
	}
	empty := pgtest.NewEmptyURL(t)
	if err := postgres.MigrateDown(ctx, empty, 1); err == nil || !strings.Contains(err.Error(), "none is applied") {
		t.Errorf("MigrateDown on an empty database: %v", err)
	}
}

// TestMigrateUpConcurrently runs several migrations at once on one empty
// database, each on its own connections as separate processes would be:
// golang-migrate's advisory lock must let exactly one apply them.
func TestMigrateUpConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { errs[i] = postgres.MigrateUp(context.Background(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("MigrateUp %d: %v", i, err)
		}
	}
	if st := status(t, url); !st.UpToDate() {
		t.Errorf("after concurrent up: %+v", st)
	}
}

func TestMigrateDirtySchemaNeedsForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st := status(t, url)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// What a migration that failed part-way leaves behind.
	if _, err := conn.Exec(ctx, "UPDATE schema_migrations SET dirty = true"); err != nil {
		t.Fatal(err)
	}
	if got := status(t, url); !got.Dirty || got.UpToDate() || !strings.Contains(got.String(), "DIRTY") {
		t.Errorf("status of a dirty schema: %+v %q", got, got)
	}
	for name, err := range map[string]error{
		"up":   postgres.MigrateUp(ctx, url),
		"down": postgres.MigrateDown(ctx, url, 1),
	} {
		if err == nil || !strings.Contains(err.Error(), "dirty") || !strings.Contains(err.Error(), "migrate force") {
			t.Errorf("%s on a dirty schema: %v, want an error explaining how to force", name, err)
		}
	}
	if err := postgres.MigrateForce(ctx, url, int(st.Version)); err != nil {
		t.Fatal(err)
	}
	if got := status(t, url); got != st {
		t.Errorf("after force: %+v, want %+v", got, st)
	}
	if err := postgres.MigrateForce(ctx, url, 999999); err == nil {
		t.Error("force to an unknown version succeeded")
	}
}

func TestMigrateErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const secret = "s3cr3t-Passw0rd"
	for _, url := range []string{
		"host=127.0.0.1 user=postgres password=" + secret,
		"postgres://postgres:" + secret + "@127.0.0.1:1/members?connect_timeout=2",
	} {
		err := postgres.MigrateUp(ctx, url)
		if err == nil {
			t.Errorf("MigrateUp(%q) = nil", url)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error reveals the password: %v", err)
		}
		if _, err := postgres.MigrateStatus(ctx, url); err == nil {
			t.Errorf("MigrateStatus(%q) = nil error", url)
		}
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		st   postgres.Status
		want string
	}{
		{postgres.Status{Version: 0, Latest: 3, Pending: 3}, "no migration applied, latest is 3"},
		{postgres.Status{Version: 3, Latest: 3}, "version 3 of 3 (up to date)"},
		{postgres.Status{Version: 1, Latest: 3, Pending: 2}, "version 1 of 3 (2 pending)"},
		{postgres.Status{Version: 2, Latest: 3, Pending: 1, Dirty: true}, "version 2 of 3 (DIRTY"},
		{postgres.Status{Version: 4, Latest: 3}, "newer than this binary"},
	}
	for _, tt := range tests {
		if got := tt.st.String(); !strings.Contains(got, tt.want) {
			t.Errorf("%+v.String() = %q, want it to contain %q", tt.st, got, tt.want)
		}
	}
}

// TestMigrateUpFromSeveralProcesses starts several copies of this test
// binary that migrate one empty database at the same moment, as replicas
// of the server do when they start together.
func TestMigrateUpFromSeveralProcesses(t *testing.T) {
	if os.Getenv("MIGRATE_HELPER_URL") != "" {
		t.Skip("helper process")
	}
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	const procs = 4
	outs := make([]string, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMigrateUp$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "MIGRATE_HELPER_URL="+url)
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil || !strings.Contains(outs[i], "--- PASS: TestHelperMigrateUp") {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if st := status(t, url); !st.UpToDate() {
		t.Errorf("after concurrent up from %d processes: %+v", procs, st)
	}
}

// TestHelperMigrateUp is run by TestMigrateUpFromSeveralProcesses.
func TestHelperMigrateUp(t *testing.T) {
	url := os.Getenv("MIGRATE_HELPER_URL")
	if url == "" {
		t.Skip("run by TestMigrateUpFromSeveralProcesses")
	}
	if err := postgres.MigrateUp(context.Background(), url); err != nil {
		t.Fatal(err)
	}
}
