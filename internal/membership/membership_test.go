package membership_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// org is a national body with two chapters and principals for them.
type org struct {
	svc                  *membership.Service
	pool                 *pgxpool.Pool
	national, north, sou uuid.UUID
	admin, northOfficer  *auth.Principal
}

var today = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func newOrg(t *testing.T) *org {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	q := postgres.New(pool)
	nat, err := q.CreateChapter(ctx, postgres.CreateChapterParams{Kind: "national", Slug: "national", Name: "National", CharteredOn: today.AddDate(-5, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	o := &org{pool: pool, national: nat.ID, svc: membership.NewService(pool, func() time.Time { return today.Add(15 * time.Hour) })}
	adminRow, err := q.CreateMember(ctx, postgres.CreateMemberParams{ChapterID: nat.ID, GivenName: "Ada", Email: "ada@admin.test", JoinedOn: today})
	if err != nil {
		t.Fatal(err)
	}
	o.admin = &auth.Principal{MemberID: adminRow.ID, ChapterID: nat.ID, Grants: []auth.Grant{{Role: auth.RoleAdmin, ChapterID: nat.ID, National: true}}}
	north, err := o.svc.CreateChapter(ctx, o.admin, membership.ChapterInput{Slug: "north", Name: "North"})
	if err != nil {
		t.Fatal(err)
	}
	south, err := o.svc.CreateChapter(ctx, o.admin, membership.ChapterInput{Slug: "south", Name: "South"})
	if err != nil {
		t.Fatal(err)
	}
	o.north, o.sou = north.ID, south.ID
	officer, err := q.CreateMember(ctx, postgres.CreateMemberParams{ChapterID: nat.ID, GivenName: "Olu", Email: "olu@officer.test", JoinedOn: today})
	if err != nil {
		t.Fatal(err)
	}
	o.northOfficer = &auth.Principal{MemberID: officer.ID, ChapterID: north.ID, Grants: []auth.Grant{{Role: auth.RoleSecretary, ChapterID: north.ID}}}
	return o
}

func kindOf(t *testing.T, err error, want errs.Kind) *errs.Error {
	t.Helper()
	if got := errs.KindOf(err); got != want {
		t.Fatalf("error kind = %v (%v), want %v", got, err, want)
	}
	return errs.As(err)
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportIsAllOrNothingAndReportsEveryBadRow(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	file := strings.Join([]string{
		"email,given_name,family_name,joined_on,status,chapter",
		"ana@example.org,Ana,Silva,2020-01-02,active,",
		"not-an-email,Ben,Okafor,2020-01-02,active,",
		"cy@example.org,,Lee,2020-01-02,active,",
		"dee@example.org,Dee,Park,2020-13-40,active,",
		"ana@example.org,Ana,Again,2020-01-02,active,",
		"eve@example.org,Eve,Moreau,2020-01-02,sleeping,",
		"fay@example.org,Fay,Ng,2020-01-02,active,south",
		"gus@example.org,Gus,Roy,2020-01-02,active,nowhere",
		"hal@example.org,Hal,Ito,2999-01-01,active,",
	}, "\n")
	_, err := o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file), false)
	e := kindOf(t, err, errs.Invalid)
	rows, _ := e.Details.([]membership.RowError)
	want := []membership.RowError{
		{3, "email", "is not an email address"},
		{4, "given_name", "is required"},
		{5, "joined_on", "must be a date written YYYY-MM-DD"},
		{6, "email", "same email as row 2"},
		{7, "status", "must be active or inactive"},
		{8, "chapter", `you may not add members to chapter "south"`},
		{9, "chapter", `no chapter has the slug "nowhere"`},
		{10, "joined_on", "is in the future"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d row errors, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row error %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	if n := count(t, o.pool, "SELECT count(*) FROM members WHERE chapter_id <> '"+o.national.String()+"'"); n != 0 {
		t.Fatalf("a rejected file stored %d members", n)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM audit_log WHERE action = 'roster.import'"); n != 0 {
		t.Fatalf("a rejected file was audited as imported")
	}
}

func TestImportIsIdempotentAndUpdatesByExternalIDThenEmail(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	file := "email,given_name,family_name,phone,joined_on,external_id,status\n" +
		"ana@example.org,Ana,Silva,+1 1,2020-01-02,A-1,active\n" +
		"Ben@Example.org,Ben,Okafor,,2021-03-04,,active\n" +
		"cy@example.org,Cy,Lee,,2019-05-06,C-3,inactive\n"
	rep, err := o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 3 || rep.Updated != 0 || rep.Unchanged != 0 {
		t.Fatalf("first import: %+v", rep)
	}
	rep, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 3 {
		t.Fatalf("re-import changed something: %+v", rep)
	}
	// A (matched by external id) changes email; Ben (no external id,
	// matched by email) gains a phone; Cy is reactivated.
	file2 := "email,given_name,family_name,phone,joined_on,external_id,status\n" +
		"ana.silva@example.org,Ana,Silva,+1 1,2020-01-02,A-1,active\n" +
		"ben@example.org,Ben,Okafor,+1 2,2021-03-04,,active\n" +
		"cy@example.org,Cy,Lee,,2019-05-06,C-3,active\n"
	if rep, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file2), true); err != nil || rep.Updated != 3 || !rep.DryRun {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM members WHERE email = 'ana.silva@example.org'"); n != 0 {
		t.Fatal("dry run wrote")
	}
	if rep, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file2), false); err != nil || rep.Updated != 3 {
		t.Fatalf("update import: %+v %v", rep, err)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM members WHERE chapter_id = '"+o.north.String()+"'"); n != 3 {
		t.Fatalf("members = %d, want 3 (updates must not create)", n)
	}
	if n := count(t, o.pool, `SELECT count(*) FROM members m JOIN member_status_history h ON h.member_id = m.id
		WHERE m.email = 'cy@example.org'`); n != 2 {
		t.Fatalf("Cy's stored history has %d rows, want inactive (on import), active (on re-import)", n)
	}
	// Another member's email on a matched row is a conflict on that row.
	file3 := "email,given_name,joined_on,external_id\nben@example.org,Ana,2020-01-02,A-1\n"
	_, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file3), false)
	e := kindOf(t, err, errs.Invalid)
	if rows := e.Details.([]membership.RowError); len(rows) != 1 || rows[0].Row != 2 || rows[0].Column != "email" {
		t.Fatalf("conflict report: %+v", rows)
	}
}

func TestImportCannotTouchMembersOutsideScope(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	if _, err := o.svc.CreateMember(ctx, o.admin, o.sou, membership.MemberInput{GivenName: "Sam", Email: "sam@example.org", JoinedOn: today}); err != nil {
		t.Fatal(err)
	}
	_, err := o.svc.ImportRoster(ctx, o.northOfficer, o.north,
		strings.NewReader("email,given_name,joined_on\nsam@example.org,Sam,2020-01-01\n"), false)
	kindOf(t, err, errs.Invalid)
	_, err = o.svc.ImportRoster(ctx, o.northOfficer, o.sou,
		strings.NewReader("email,given_name,joined_on\nx@example.org,X,2020-01-01\n"), false)
	kindOf(t, err, errs.Forbidden)
}

func TestImportRejectsBadHeaders(t *testing.T) {
	o := newOrg(t)
	for name, file := range map[string]string{
		"empty":   "",
		"missing": "email,given_name\nx@example.org,X\n",
		"unknown": "email,given_name,joined_on,shoe_size\nx@example.org,X,2020-01-01,9\n",
		"quotes":  "email,given_name,joined_on\n\"x@example.org,X,2020-01-01\n",
	} {
		_, err := o.svc.ImportRoster(context.Background(), o.admin, o.north, strings.NewReader(file), false)
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
}

func TestRosterListingFiltersSortsAndPaginates(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	var sb strings.Builder
	sb.WriteString("email,given_name,family_name,joined_on,status\n")
	names := []string{"Ng", "Adams", "Silva", "Okafor", "Lee", "Park", "Moreau", "Ito", "Roy", "Baker"}
	for i, n := range names {
		st := "active"
		if i%3 == 0 {
			st = "inactive"
		}
		sb.WriteString(strings.ToLower(n) + "@example.org,Pat," + n + ",201" + string(rune('0'+i)) + "-06-01," + st + "\n")
	}
	if _, err := o.svc.ImportRoster(ctx, o.admin, o.north, strings.NewReader(sb.String()), false); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{Limit: 3, Cursor: cursor, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Members {
			got = append(got, m.FamilyName)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if want := "Adams Ito Lee Park Roy Silva"; strings.Join(got, " ") != want {
		t.Fatalf("active by name = %q, want %q", strings.Join(got, " "), want)
	}
	d := func(s string) *time.Time { v, _ := time.Parse(time.DateOnly, s); return &v }
	page, err := o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{
		Sort: membership.SortJoinedDesc, JoinedAfter: d("2012-01-01"), JoinedBefore: d("2016-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, m := range page.Members {
		got = append(got, m.FamilyName)
	}
	if want := "Park Lee Okafor Silva"; strings.Join(got, " ") != want {
		t.Fatalf("joined 2012..2015 newest first = %q, want %q", strings.Join(got, " "), want)
	}
	page, err = o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{Text: "OKA"})
	if err != nil || len(page.Members) != 1 || page.Members[0].FamilyName != "Okafor" {
		t.Fatalf("search OKA: %+v %v", page.Members, err)
	}
	page, err = o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{Text: "%"})
	if err != nil || len(page.Members) != 0 {
		t.Fatalf("a %% in the search text must match literally, got %d members, %v", len(page.Members), err)
	}
	if _, err := o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{Cursor: cursorOf(t, o), Sort: membership.SortJoined}); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("a cursor of another sort: %v", err)
	}
	_, err = o.svc.ListMembers(ctx, o.northOfficer, o.sou, membership.RosterQuery{})
	kindOf(t, err, errs.Forbidden)
}

func cursorOf(t *testing.T, o *org) string {
	page, err := o.svc.ListMembers(context.Background(), o.admin, o.north, membership.RosterQuery{Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("no cursor: %v", err)
	}
	return page.NextCursor
}

func TestMemberLifecycleKeepsHistoryAndAudit(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	m, err := o.svc.CreateMember(ctx, o.northOfficer, o.north, membership.MemberInput{
		GivenName: " Ana ", FamilyName: "Silva", Email: "Ana@Example.org", JoinedOn: today.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Email != "ana@example.org" || m.GivenName != "Ana" {
		t.Fatalf("not normalised: %+v", m)
	}
	_, err = o.svc.CreateMember(ctx, o.admin, o.sou, membership.MemberInput{GivenName: "Ann", Email: "ana@example.org", JoinedOn: today})
	if e := kindOf(t, err, errs.Conflict); e.Field != "/email" {
		t.Fatalf("duplicate email field = %q", e.Field)
	}
	// Moving to South needs the roster permission there too.
	_, err = o.svc.UpdateMember(ctx, o.northOfficer, m.ID, membership.MemberPatch{ChapterID: &o.sou})
	kindOf(t, err, errs.Forbidden)
	moved, err := o.svc.UpdateMember(ctx, o.admin, m.ID, membership.MemberPatch{ChapterID: &o.sou})
	if err != nil || moved.ChapterID != o.sou {
		t.Fatalf("admin move: %v", err)
	}
	_, err = o.svc.GetMember(ctx, o.northOfficer, m.ID)
	kindOf(t, err, errs.Forbidden)
	if _, err := o.svc.DeactivateMember(ctx, o.admin, m.ID, "", nil); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("deactivate without reason: %v", err)
	}
	if _, err := o.svc.DeactivateMember(ctx, o.admin, m.ID, "moved abroad", nil); err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.DeactivateMember(ctx, o.admin, m.ID, "again", nil)
	kindOf(t, err, errs.Conflict)
	hs, err := o.svc.History(ctx, o.admin, m.ID)
	if err != nil || len(hs) != 2 || hs[1].Status != "inactive" || hs[1].Reason != "moved abroad" {
		t.Fatalf("history: %+v %v", hs, err)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM audit_log WHERE entity_id = '"+m.ID.String()+"'"); n != 3 {
		t.Fatalf("audit entries for the member = %d, want create, update, deactivate", n)
	}
	var data string
	if err := o.pool.QueryRow(ctx, "SELECT data::text FROM audit_log WHERE action = 'member.create'").Scan(&data); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(data, "@") {
		t.Fatalf("audit data holds contact details: %s", data)
	}
}

func TestChapterDissolveNeedsEmptyChapter(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	m, err := o.svc.CreateMember(ctx, o.admin, o.north, membership.MemberInput{GivenName: "A", Email: "a@example.org", JoinedOn: today})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.DissolveChapter(ctx, o.admin, o.north, nil)
	kindOf(t, err, errs.Conflict)
	_, err = o.svc.DissolveChapter(ctx, o.northOfficer, o.north, nil)
	kindOf(t, err, errs.Forbidden)
	_, err = o.svc.DissolveChapter(ctx, o.admin, o.national, nil)
	kindOf(t, err, errs.Conflict)
	if _, err := o.svc.DeactivateMember(ctx, o.admin, m.ID, "left", nil); err != nil {
		t.Fatal(err)
	}
	c, err := o.svc.DissolveChapter(ctx, o.admin, o.north, nil)
	if err != nil || c.DissolvedOn == nil {
		t.Fatalf("dissolve: %v", err)
	}
	_, err = o.svc.CreateMember(ctx, o.admin, o.north, membership.MemberInput{GivenName: "B", Email: "b@example.org", JoinedOn: today})
	kindOf(t, err, errs.Conflict)
	_, err = o.svc.CreateChapter(ctx, o.admin, membership.ChapterInput{Slug: "south", Name: "Again"})
	if e := kindOf(t, err, errs.Conflict); e.Field != "/slug" {
		t.Fatalf("duplicate slug field = %q", e.Field)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected")
	}
}

func TestExportReimportsToNoChangeAndIsAudited(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	file := "email,given_name,family_name,phone,postal_address,joined_on,external_id,status\n" +
		"ana@example.org,Ana,\"Silva, Jr.\",+1 1,\"1 Main St\nApt 2\",2020-01-02,A-1,active\n" +
		"ben@example.org,Ben,Okafor,,,2021-03-04,,inactive\n"
	if _, err := o.svc.ImportRoster(ctx, o.admin, o.north, strings.NewReader(file), false); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := o.svc.ExportRoster(ctx, o.northOfficer, o.north, "", &out); err != nil {
		t.Fatal(err)
	}
	rep, err := o.svc.ImportRoster(ctx, o.admin, o.north, strings.NewReader(out.String()), false)
	if err != nil || rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Fatalf("re-import of export: %+v %v\n%s", rep, err, out.String())
	}
	if n := count(t, o.pool, "SELECT count(*) FROM audit_log WHERE action = 'roster.export'"); n != 1 {
		t.Fatalf("exports audited = %d, want 1", n)
	}
	err = o.svc.ExportRoster(ctx, o.northOfficer, o.sou, "", &out)
	kindOf(t, err, errs.Forbidden)
}

// TestSearchPathPagesLikeTheIndexPath checks that a text search long enough
// for the trigram path (which sorts the matches itself) pages through the
// same members in the same order as the index walk, for every sort.
func TestSearchPathPagesLikeTheIndexPath(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	var sb strings.Builder
	sb.WriteString("email,given_name,family_name,joined_on\n")
	for i := range 37 {
		// Repeated names and join dates, so the id decides some places.
		fmt.Fprintf(&sb, "m%02d@example.org,Given%d,Family%d,2020-0%d-01\n", i, i%4, i%5, 1+i%3)
	}
	if _, err := o.svc.ImportRoster(ctx, o.admin, o.north, strings.NewReader(sb.String()), false); err != nil {
		t.Fatal(err)
	}
	all := func(sort, text string) []string {
		var ids []string
		cursor := ""
		for {
			page, err := o.svc.ListMembers(ctx, o.admin, o.north, membership.RosterQuery{Sort: sort, Text: text, Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.Members {
				ids = append(ids, m.ID.String())
			}
			if cursor = page.NextCursor; cursor == "" {
				return ids
			}
		}
	}
	for _, sort := range []string{membership.SortName, membership.SortNameDesc, membership.SortJoined, membership.SortJoinedDesc} {
		walk, search := all(sort, ""), all(sort, "example.org")
		if len(walk) != 37 || strings.Join(walk, ",") != strings.Join(search, ",") {
			t.Errorf("sort %s: index walk and search disagree:\n%v\n%v", sort, walk, search)
		}
	}
}

// TestMembersAndChaptersAreNeverDeleted: the database refuses to delete
// them (tables written in bulk rely on it instead of foreign keys).
func TestMembersAndChaptersAreNeverDeleted(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	for _, sql := range []string{
		`DELETE FROM members WHERE id = '` + o.admin.MemberID.String() + `'`,
		`DELETE FROM chapters WHERE id = '` + o.sou.String() + `'`,
	} {
		if _, err := o.pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "never deleted") {
			t.Errorf("%s: %v, want it refused", sql, err)
		}
	}
	if n := count(t, o.pool, `SELECT count(*) FROM members`); n != 2 {
		t.Errorf("%d members left, want 2", n)
	}
}
