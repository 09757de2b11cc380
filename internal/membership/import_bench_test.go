package membership_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/demo/rostergen"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// scaleToday is the clock of the scale tests: the day after rostergen's
// default latest join date, so generated files are valid whatever the date.
var scaleToday = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

// scaleOrg is a fresh database with a national body, a national admin and
// chartered chapters, ready for a large import.
type scaleOrg struct {
	pool     *pgxpool.Pool
	svc      *membership.Service
	admin    *auth.Principal
	national uuid.UUID
	chapters map[string]uuid.UUID
}

// newScaleOrg makes a fresh database and charters slugs in it. The admin
// principal is built by hand with a national admin grant; the member behind
// it exists, because imports record them as the author of status changes.
func newScaleOrg(tb testing.TB, slugs []string) scaleOrg {
	tb.Helper()
	ctx := context.Background()
	pool := pgtest.New(tb)
	q := postgres.New(pool)
	national, err := q.CreateChapter(ctx, postgres.CreateChapterParams{Kind: "national", Slug: "national",
		Name: "National", CharteredOn: scaleToday.AddDate(-30, 0, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	admin, err := q.CreateMember(ctx, postgres.CreateMemberParams{ChapterID: national.ID, GivenName: "Ada",
		FamilyName: "Admin", Email: "ada.admin@national.example", JoinedOn: scaleToday.AddDate(-5, 0, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	o := scaleOrg{
		pool: pool,
		svc:  membership.NewService(pool, func() time.Time { return scaleToday }),
		admin: &auth.Principal{MemberID: admin.ID, ChapterID: national.ID, DisplayName: "Ada Admin",
			Grants: []auth.Grant{{Role: auth.RoleAdmin, ChapterID: national.ID, National: true}}},
		national: national.ID,
		chapters: map[string]uuid.UUID{},
	}
	for _, slug := range slugs {
		c, err := o.svc.CreateChapter(ctx, o.admin, membership.ChapterInput{Slug: slug, Name: "Chapter " + slug})
		if err != nil {
			tb.Fatal(err)
		}
		o.chapters[slug] = c.ID
	}
	return o
}

// roster generates a file and returns its bytes and what it holds.
func roster(tb testing.TB, o rostergen.Options) ([]byte, rostergen.Stats) {
	tb.Helper()
	var buf bytes.Buffer
	buf.Grow(o.Rows * 130)
	st, err := rostergen.Write(&buf, o)
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), st
}

// copyBaseline loads data with PostgreSQL's own COPY ... CSV HEADER into a
// new plain table of text columns (no keys, indexes or constraints) and
// returns how long the COPY took and how many rows it loaded.
func copyBaseline(tb testing.TB, pool *pgxpool.Pool, data []byte) (time.Duration, int64) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	cols := "email, given_name, family_name, phone, postal_address, joined_on, external_id, status, chapter, paid_through"
	if _, err := conn.Exec(ctx, "CREATE TABLE copy_baseline (email text, given_name text, family_name text, phone text, "+
		"postal_address text, joined_on text, external_id text, status text, chapter text, paid_through text)"); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data),
		"COPY copy_baseline ("+cols+") FROM STDIN WITH (FORMAT csv, HEADER true)")
	d := time.Since(start)
	if err != nil {
		tb.Fatal(err)
	}
	return d, tag.RowsAffected()
}

// indexedBaseline moves the rows copyBaseline loaded into a new table made
// LIKE members INCLUDING ALL (its defaults, CHECK constraints and all five
// indexes, but no foreign keys), converting the text and looking chapters
// up by slug in SQL, and returns how long that took: what PostgreSQL alone
// needs to store the rows in the members schema, a ceiling for any import.
func indexedBaseline(tb testing.TB, pool *pgxpool.Pool) time.Duration {
	tb.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "CREATE TABLE members_ceiling (LIKE members INCLUDING ALL)"); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if _, err := pool.Exec(ctx, `INSERT INTO members_ceiling (chapter_id, given_name, family_name, email, phone,
		postal_address, joined_on, status, external_id)
		SELECT c.id, b.given_name, b.family_name, b.email, b.phone, b.postal_address, b.joined_on::date, b.status,
		       NULLIF(b.external_id, '')
		FROM copy_baseline b JOIN chapters c ON c.slug = b.chapter`); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// floorRows converts a roster file to typed rows for the members table,
// outside any timing: ids are time-ordered and assigned in file order, and
// chapters are looked up by slug. It does none of the import's checks.
func floorRows(tb testing.TB, pool *pgxpool.Pool, data []byte) [][]any {
	tb.Helper()
	ctx := context.Background()
	slugs, err := postgres.New(pool).ListChapterSlugs(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	chapter := map[string]uuid.UUID{}
	for _, c := range slugs {
		chapter[c.Slug] = c.ID
	}
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}
	var out [][]any
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		joined, err := time.Parse(time.DateOnly, rec[col["joined_on"]])
		if err != nil {
			tb.Fatal(err)
		}
		var ext *string
		if e := rec[col["external_id"]]; e != "" {
			ext = &e
		}
		id, err := uuid.NewV7()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, []any{id, chapter[rec[col["chapter"]]], rec[col["given_name"]], rec[col["family_name"]],
			rec[col["email"]], rec[col["phone"]], rec[col["postal_address"]], joined, rec[col["status"]], ext})
	}
}

// bulkFloor measures the fastest way PostgreSQL can come to hold rows in
// the members schema, the floor under any importer: a binary COPY of
// already typed rows (no parsing, checking or matching on our side) into a
// new table with the members table's columns and checks but no indexes,
// then each of the members table's indexes built in bulk by CREATE INDEX
// (sorted once, not maintained row by row; parallel workers as the server
// allows), as a restore would. The index definitions are read from the
// catalog, so the floor follows the schema. It returns the time to the
// rows plus the unique indexes (primary key, email, external id: what an
// upsert by email or external id cannot do without) and the time to the
// rows plus every index.
func bulkFloor(tb testing.TB, pool *pgxpool.Pool, rows [][]any) (unique, all time.Duration) {
	tb.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "CREATE TABLE members_floor (LIKE members INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"); err != nil {
		tb.Fatal(err)
	}
	type index struct {
		def    string
		unique bool
	}
	var indexes []index
	defs, err := pool.Query(ctx, `SELECT replace(pg_get_indexdef(i.indexrelid), ' ON public.members ', ' ON members_floor '),
		i.indisunique
		FROM pg_index i WHERE i.indrelid = 'members'::regclass ORDER BY i.indisunique DESC, i.indexrelid`)
	if err != nil {
		tb.Fatal(err)
	}
	for defs.Next() {
		var ix index
		if err := defs.Scan(&ix.def, &ix.unique); err != nil {
			tb.Fatal(err)
		}
		// Index names are unique per schema: rename the copies.
		ix.def = strings.Replace(ix.def, " INDEX ", " INDEX floor_", 1)
		indexes = append(indexes, ix)
	}
	if err := defs.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(indexes) < 6 {
		tb.Fatalf("found %d indexes on members, want the primary key and at least five more", len(indexes))
	}
	start := time.Now()
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"members_floor"}, []string{"id", "chapter_id", "given_name", "family_name",
		"email", "phone", "postal_address", "joined_on", "status", "external_id"}, pgx.CopyFromRows(rows))
	if err != nil {
		tb.Fatal(err)
	}
	if n != int64(len(rows)) {
		tb.Fatalf("COPY stored %d rows, want %d", n, len(rows))
	}
	for _, ix := range indexes {
		if !ix.unique && unique == 0 {
			unique = time.Since(start)
		}
		if _, err := pool.Exec(ctx, ix.def); err != nil {
			tb.Fatalf("%s: %v", ix.def, err)
		}
	}
	all = time.Since(start)
	if unique == 0 { // every index is unique
		unique = all
	}
	return unique, all
}

// BenchmarkImport100k imports a realistic 100,000-row roster spread over
// 50 chapters into a fresh database per iteration and reports, from the
// same run on the same server:
//
//   - import_rows/s: ImportRoster of the new file (the timed part; ns/op);
//   - copy_rows/s: PostgreSQL's COPY ... CSV HEADER of the same bytes into
//     a plain text table with no indexes or constraints;
//   - import/copy: the ratio of the two (goal: at least 0.5);
//   - reimport_rows/s: importing the same file again, which must report
//     every row unchanged;
//   - sql_into_members_schema_rows/s: INSERT ... SELECT of the copied rows
//     into a table with the members table's columns, checks and indexes
//     (no foreign keys), all in SQL: what the server alone needs to store
//     the rows row by row; and the import's ratio to it;
//   - floor_unique_rows/s and floor_all_rows/s: the bulk-load floor
//     (bulkFloor): binary COPY of typed rows into a bare members table,
//     then the unique indexes built in bulk, then all indexes; and their
//     ratios to COPY. No importer that keeps these indexes can beat the
//     floor, so when floor/copy is under 0.5 the goal cannot be met.
func BenchmarkImport100k(b *testing.B) {
	const rows = 100_000
	slugs := rostergen.ChapterSlugs(50)
	generated, st := roster(b, rostergen.Options{Seed: 2026, Rows: rows, Chapters: slugs})
	data := withPaidThrough(b, generated, st)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ctx := context.Background()
	var imp, re, cp, ceil, floorUnique, floorAll time.Duration
	b.StopTimer()
	for range b.N {
		org := newScaleOrg(b, slugs)
		d, n := copyBaseline(b, org.pool, data)
		if n != rows {
			b.Fatalf("COPY loaded %d rows, want %d", n, rows)
		}
		cp += d
		ceil += indexedBaseline(b, org.pool)
		u, a := bulkFloor(b, org.pool, floorRows(b, org.pool, data))
		floorUnique += u
		floorAll += a

		start := time.Now()
		b.StartTimer()
		rep, err := org.svc.ImportRoster(ctx, org.admin, org.national, bytes.NewReader(data), false)
		b.StopTimer()
		imp += time.Since(start)
		if err != nil {
			b.Fatalf("import: %v", describe(err))
		}
		if rep.Created != rows {
			b.Fatalf("import report %+v, want %d created", rep, rows)
		}

		start = time.Now()
		rep, err = org.svc.ImportRoster(ctx, org.admin, org.national, bytes.NewReader(data), false)
		re += time.Since(start)
		if err != nil {
			b.Fatalf("re-import: %v", describe(err))
		}
		if rep.Unchanged != rows || rep.Created != 0 || rep.Updated != 0 {
			b.Fatalf("re-import report %+v, want %d unchanged", rep, rows)
		}
	}
	perSec := func(d time.Duration) float64 { return float64(rows*b.N) / d.Seconds() }
	b.ReportMetric(perSec(imp), "import_rows/s")
	b.ReportMetric(perSec(cp), "copy_rows/s")
	b.ReportMetric(perSec(imp)/perSec(cp), "import/copy")
	b.ReportMetric(perSec(re), "reimport_rows/s")
	b.ReportMetric(perSec(ceil), "sql_into_members_schema_rows/s")
	b.ReportMetric(perSec(imp)/perSec(ceil), "import/sql_into_members_schema")
	b.ReportMetric(perSec(floorUnique), "floor_unique_rows/s")
	b.ReportMetric(perSec(floorUnique)/perSec(cp), "floor_unique/copy")
	b.ReportMetric(perSec(floorAll), "floor_all_rows/s")
	b.ReportMetric(perSec(floorAll)/perSec(cp), "floor_all/copy")
}

// describe adds an Invalid error's row problems (the first few) to its
// message, so a failing import says which rows it refused.
func describe(err error) error {
	e := errs.As(err)
	if e == nil || e.Details == nil {
		return err
	}
	rowErrs, _ := e.Details.([]membership.RowError)
	if len(rowErrs) > 5 {
		rowErrs = rowErrs[:5]
	}
	return fmt.Errorf("%w: %+v", err, rowErrs)
}

// rosterCounts is a fingerprint of the roster tables: enough to see that a
// refused import changed nothing.
type rosterCounts struct {
	Members, Inactive, History, Audit int64
	LastUpdate                        time.Time
}

func countRoster(tb testing.TB, pool *pgxpool.Pool) rosterCounts {
	tb.Helper()
	var c rosterCounts
	err := pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM members),
		(SELECT count(*) FROM members WHERE status = 'inactive'),
		(SELECT count(*) FROM member_status_history),
		(SELECT count(*) FROM audit_log),
		(SELECT max(updated_at) FROM members)`).Scan(&c.Members, &c.Inactive, &c.History, &c.Audit, &c.LastUpdate)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestImportRoster100k imports 100,000 rows over 50 chapters and checks the
// counts against the file, that importing it again changes nothing, and
// that a file with five bad rows scattered through it changes nothing and
// names exactly those rows.
func TestImportRoster100k(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 100,000 rows; skipped with -short")
	}
	const rows = 100_000
	ctx := context.Background()
	slugs := rostergen.ChapterSlugs(50)
	org := newScaleOrg(t, slugs)
	data, st := roster(t, rostergen.Options{Seed: 2026, Rows: rows, Chapters: slugs})

	start := time.Now()
	rep, err := org.svc.ImportRoster(ctx, org.admin, org.national, bytes.NewReader(data), false)
	if err != nil {
		t.Fatalf("import: %v", describe(err))
	}
	t.Logf("import of %d rows: %v", rows, time.Since(start).Round(time.Millisecond))
	if want := (membership.ImportReport{Rows: rows, Created: rows}); rep != want {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
	before := countRoster(t, org.pool)
	if before.Members != rows+1 || before.Inactive != int64(st.Inactive) || before.History != int64(st.Inactive) {
		// Joining is joined_on; only the members imported inactive get a row.
		t.Errorf("after import: %+v; want %d members (the admin too), %d inactive, %d status changes",
			before, rows+1, st.Inactive, st.Inactive)
	}
	perChapter, err := org.pool.Query(ctx, `SELECT chapter_id, count(*) FROM members GROUP BY chapter_id`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uuid.UUID]int{}
	for perChapter.Next() {
		var id uuid.UUID
		var n int
		if err := perChapter.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		got[id] = n
	}
	if err := perChapter.Err(); err != nil {
		t.Fatal(err)
	}
	for slug, n := range st.PerChapter {
		if got[org.chapters[slug]] != n {
			t.Errorf("chapter %s has %d members, the file put %d there", slug, got[org.chapters[slug]], n)
		}
	}
	var ext int
	if err := org.pool.QueryRow(ctx, `SELECT count(external_id) FROM members`).Scan(&ext); err != nil {
		t.Fatal(err)
	}
	if ext != st.ExternalID {
		t.Errorf("%d members have an external id, the file gave %d", ext, st.ExternalID)
	}

	start = time.Now()
	rep, err = org.svc.ImportRoster(ctx, org.admin, org.national, bytes.NewReader(data), false)
	if err != nil {
		t.Fatalf("re-import: %v", describe(err))
	}
	t.Logf("re-import: %v", time.Since(start).Round(time.Millisecond))
	if want := (membership.ImportReport{Rows: rows, Unchanged: rows}); rep != want {
		t.Errorf("re-import report = %+v, want %+v", rep, want)
	}
	after := countRoster(t, org.pool)
	after.Audit-- // the re-import's own audit entry
	if after != before {
		t.Errorf("re-import changed the roster: before %+v, after %+v", before, after)
	}

	// Another organization's file: new people (a few share an email with a
	// stored member and would be updates), no external ids, five bad rows.
	badRows := []int{3, 20_001, 45_678, 77_777, rows + 1}
	bad, _ := roster(t, rostergen.Options{Seed: 99, Rows: rows, Chapters: slugs, NoExternalIDShare: 100, BadRows: badRows})
	before = countRoster(t, org.pool)
	start = time.Now()
	rep, err = org.svc.ImportRoster(ctx, org.admin, org.national, bytes.NewReader(bad), false)
	t.Logf("refused import: %v", time.Since(start).Round(time.Millisecond))
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("import of a file with bad rows: report %+v, err %v; want an Invalid error", rep, err)
	}
	rowErrs, ok := e.Details.([]membership.RowError)
	if !ok {
		t.Fatalf("error details are %T, want []membership.RowError", e.Details)
	}
	var gotRows []int
	var gotCols []string
	for _, re := range rowErrs {
		gotRows = append(gotRows, re.Row)
		gotCols = append(gotCols, re.Column)
	}
	if !slices.Equal(gotRows, badRows) || !slices.Equal(gotCols, rostergen.BadKinds) {
		t.Errorf("refused rows %v columns %v; want rows %v columns %v (all: %+v)", gotRows, gotCols, badRows, rostergen.BadKinds, rowErrs)
	}
	if after := countRoster(t, org.pool); after != before {
		t.Errorf("a refused import changed the roster: before %+v, after %+v", before, after)
	}
}

// withPaidThrough adds a paid_through column to a generated roster, as an
// organization's export from its previous system has it: most members paid
// ahead, some lapsed, one in ten with no date.
func withPaidThrough(tb testing.TB, data []byte, _ rostergen.Stats) []byte {
	tb.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	var out bytes.Buffer
	out.Grow(len(data) + len(data)/8)
	w := csv.NewWriter(&out)
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		switch {
		case i == 0:
			rec = append(rec, "paid_through")
		case i%10 == 0:
			rec = append(rec, "")
		case i%10 < 8:
			rec = append(rec, scaleToday.AddDate(0, 0, i%365).Format(time.DateOnly))
		default:
			rec = append(rec, scaleToday.AddDate(0, 0, -40-i%700).Format(time.DateOnly))
		}
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
	}
	w.Flush()
	return out.Bytes()
}
