package membership_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// addMember adds an active member to a chapter and returns its id.
func (o *org) addMember(t *testing.T, chapter uuid.UUID, given, email string) uuid.UUID {
	t.Helper()
	m, err := postgres.New(o.pool).CreateMember(context.Background(), postgres.CreateMemberParams{ChapterID: chapter,
		GivenName: given, FamilyName: "Tester", Email: email, JoinedOn: today.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// field checks err is of kind and names field.
func field(t *testing.T, err error, kind errs.Kind, field string) {
	t.Helper()
	if e := kindOf(t, err, kind); e.Field != field {
		t.Fatalf("error %q names field %q, want %q", e.Msg, e.Field, field)
	}
}

func date(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

func TestGrantRoleChecksTheMemberTheRoleAndTheTerm(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	nia := o.addMember(t, o.north, "Nia", "nia@north.test")
	sol := o.addMember(t, o.sou, "Sol", "sol@south.test")

	a, err := o.svc.GrantRole(ctx, o.admin, o.north, membership.RoleGrant{Email: " NIA@north.test ", Role: auth.RoleMembershipOfficer})
	if err != nil {
		t.Fatal(err)
	}
	if a.MemberID != nia || a.ChapterID != o.north || a.Role != auth.RoleMembershipOfficer || !a.StartsOn.Equal(today) ||
		a.EndsOn != nil || a.MemberName != "Nia Tester" {
		t.Errorf("granted %+v", a)
	}
	if n := count(t, o.pool, `SELECT count(*) FROM audit_log WHERE action = 'role.grant' AND entity_id = '`+a.ID.String()+`'`); n != 1 {
		t.Errorf("%d audit entries for the grant, want 1", n)
	}

	for _, c := range []struct {
		name  string
		in    membership.RoleGrant
		kind  errs.Kind
		field string
	}{
		{"unknown role", membership.RoleGrant{MemberID: nia, Role: "president"}, errs.Invalid, "/role"},
		{"no member", membership.RoleGrant{Role: auth.RoleChair}, errs.Invalid, "/member_id"},
		{"id and email", membership.RoleGrant{MemberID: nia, Email: "nia@north.test", Role: auth.RoleChair}, errs.Invalid, "/member_id"},
		{"bad email", membership.RoleGrant{Email: "nia at north", Role: auth.RoleChair}, errs.Invalid, "/email"},
		{"unknown email", membership.RoleGrant{Email: "nobody@north.test", Role: auth.RoleChair}, errs.Invalid, "/email"},
		{"unknown id", membership.RoleGrant{MemberID: uuid.New(), Role: auth.RoleChair}, errs.Invalid, "/member_id"},
		{"other chapter's member", membership.RoleGrant{MemberID: sol, Role: auth.RoleChair}, errs.Invalid, "/member_id"},
		{"starts in the past", membership.RoleGrant{MemberID: nia, Role: auth.RoleChair, StartsOn: date("2026-11-23")}, errs.Invalid, "/starts_on"},
		{"ends when it starts", membership.RoleGrant{MemberID: nia, Role: auth.RoleChair, StartsOn: date("2026-12-01"), EndsOn: date("2026-12-01")}, errs.Invalid, "/ends_on"},
		{"overlaps a term", membership.RoleGrant{MemberID: nia, Role: auth.RoleMembershipOfficer, StartsOn: date("2027-03-01")}, errs.Conflict, "/starts_on"},
	} {
		_, err := o.svc.GrantRole(ctx, o.admin, o.north, c.in)
		t.Run(c.name, func(t *testing.T) { field(t, err, c.kind, c.field) })
	}

	// Another role, or the same role in another term, is fine; so is a
	// national role for a chapter's member.
	if _, err := o.svc.GrantRole(ctx, o.admin, o.north, membership.RoleGrant{MemberID: nia, Role: auth.RoleTreasurer}); err != nil {
		t.Errorf("second role: %v", err)
	}
	if _, err := o.svc.GrantRole(ctx, o.admin, o.national, membership.RoleGrant{MemberID: sol, Role: auth.RoleTreasurer,
		StartsOn: date("2027-01-01"), EndsOn: date("2028-01-01")}); err != nil {
		t.Errorf("national role for a chapter member: %v", err)
	}
	if _, err := o.svc.GrantRole(ctx, o.admin, o.national, membership.RoleGrant{MemberID: sol, Role: auth.RoleTreasurer,
		StartsOn: date("2028-01-01")}); err != nil {
		t.Errorf("the next term, from the day the last ends: %v", err)
	}

	// An inactive member holds no role.
	if _, err := o.svc.DeactivateMember(ctx, o.admin, sol, "moved away", nil); err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.GrantRole(ctx, o.admin, o.sou, membership.RoleGrant{MemberID: sol, Role: auth.RoleChair})
	field(t, err, errs.Invalid, "/member_id")

	// A dissolved chapter has no officers to appoint.
	if _, err := o.svc.DissolveChapter(ctx, o.admin, o.sou, nil); err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.GrantRole(ctx, o.admin, o.sou, membership.RoleGrant{MemberID: sol, Role: auth.RoleChair})
	kindOf(t, err, errs.Conflict)
}

func TestRolesAreManagedByAdminsInScope(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	nia := o.addMember(t, o.north, "Nia", "nia@north.test")
	sol := o.addMember(t, o.sou, "Sol", "sol@south.test")
	northAdmin := &auth.Principal{MemberID: nia, ChapterID: o.north, Grants: []auth.Grant{{Role: auth.RoleAdmin, ChapterID: o.north}}}
	member := &auth.Principal{MemberID: sol, ChapterID: o.sou}

	// The secretary manages the roster, not its officers.
	_, err := o.svc.GrantRole(ctx, o.northOfficer, o.north, membership.RoleGrant{MemberID: nia, Role: auth.RoleChair})
	kindOf(t, err, errs.Forbidden)
	// A chapter admin manages their chapter's roles only.
	a, err := o.svc.GrantRole(ctx, northAdmin, o.north, membership.RoleGrant{MemberID: nia, Role: auth.RoleChair})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.GrantRole(ctx, northAdmin, o.sou, membership.RoleGrant{MemberID: sol, Role: auth.RoleChair})
	kindOf(t, err, errs.Forbidden)
	_, err = o.svc.GrantRole(ctx, northAdmin, o.national, membership.RoleGrant{MemberID: nia, Role: auth.RoleAdmin})
	kindOf(t, err, errs.Forbidden)
	south, err := o.svc.GrantRole(ctx, o.admin, o.sou, membership.RoleGrant{MemberID: sol, Role: auth.RoleChair,
		StartsOn: date("2027-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.EndRole(ctx, northAdmin, south.ID, nil)
	kindOf(t, err, errs.Forbidden)
	kindOf(t, o.svc.RemoveRole(ctx, northAdmin, south.ID), errs.Forbidden)
	_, err = o.svc.EndRole(ctx, o.northOfficer, a.ID, nil)
	kindOf(t, err, errs.Forbidden)

	// Anyone signed in sees who holds office; nobody else does.
	list, err := o.svc.ListRoles(ctx, member, o.north, false)
	if err != nil || len(list) != 1 || list[0].ID != a.ID || list[0].MemberName != "Nia Tester" {
		t.Errorf("a member lists north's officers: %+v, %v", list, err)
	}
	_, err = o.svc.ListRoles(ctx, nil, o.north, false)
	kindOf(t, err, errs.Unauthenticated)
	_, err = o.svc.ListRoles(ctx, member, uuid.New(), false)
	kindOf(t, err, errs.NotFound)
}

func TestEndAndRemoveRoleKeepTheRecordOfWhoHeldOffice(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	q := postgres.New(o.pool)
	nia := o.addMember(t, o.north, "Nia", "nia@north.test")
	// A term that began last year, as an earlier grant left it.
	old, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: nia, ChapterID: o.north,
		Role: string(auth.RoleChair), StartsOn: today.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	kindOf(t, o.svc.RemoveRole(ctx, o.admin, old.ID), errs.Conflict)
	_, err = o.svc.EndRole(ctx, o.admin, old.ID, date("2026-11-23"))
	field(t, err, errs.Invalid, "/ends_on")

	ended, err := o.svc.EndRole(ctx, o.admin, old.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ended.EndsOn == nil || !ended.EndsOn.Equal(today) || ended.InForce(today) {
		t.Errorf("ended: %+v", ended)
	}
	_, err = o.svc.EndRole(ctx, o.admin, old.ID, nil)
	kindOf(t, err, errs.Conflict)
	if list, err := o.svc.ListRoles(ctx, o.admin, o.north, false); err != nil || len(list) != 0 {
		t.Errorf("current officers after the end: %+v, %v", list, err)
	}
	if list, err := o.svc.ListRoles(ctx, o.admin, o.north, true); err != nil || len(list) != 1 || list[0].ID != old.ID {
		t.Errorf("with ended terms: %+v, %v", list, err)
	}

	// A scheduled term: its end must come after its start; it can be
	// removed outright, and is then gone.
	next, err := o.svc.GrantRole(ctx, o.admin, o.north, membership.RoleGrant{MemberID: nia, Role: auth.RoleChair,
		StartsOn: date("2027-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.EndRole(ctx, o.admin, next.ID, date("2026-12-01"))
	field(t, err, errs.Invalid, "/ends_on")
	if err := o.svc.RemoveRole(ctx, o.admin, next.ID); err != nil {
		t.Fatal(err)
	}
	kindOf(t, o.svc.RemoveRole(ctx, o.admin, next.ID), errs.NotFound)
	if n := count(t, o.pool, `SELECT count(*) FROM audit_log WHERE action IN ('role.end', 'role.remove')`); n != 2 {
		t.Errorf("%d audit entries for end and remove, want 2", n)
	}
}

func TestTheLastNationalAdminCannotLeave(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	q := postgres.New(o.pool)
	only, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: o.admin.MemberID, ChapterID: o.national,
		Role: string(auth.RoleAdmin), StartsOn: today.AddDate(-2, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.EndRole(ctx, o.admin, only.ID, nil)
	kindOf(t, err, errs.Conflict)
	// Setting an end far off is refused too; extending one is not.
	_, err = o.svc.EndRole(ctx, o.admin, only.ID, date("2030-01-01"))
	kindOf(t, err, errs.Conflict)

	nia := o.addMember(t, o.north, "Nia", "nia@north.test")
	successor, err := o.svc.GrantRole(ctx, o.admin, o.national, membership.RoleGrant{MemberID: nia, Role: auth.RoleAdmin,
		StartsOn: date("2027-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	// The successor starts in January: ending today would leave December
	// without an admin, ending on the day they start would not.
	_, err = o.svc.EndRole(ctx, o.admin, only.ID, nil)
	kindOf(t, err, errs.Conflict)
	if _, err := o.svc.EndRole(ctx, o.admin, only.ID, date("2027-01-01")); err != nil {
		t.Fatalf("handing over on the successor's first day: %v", err)
	}
	if _, err := o.svc.EndRole(ctx, o.admin, only.ID, date("2027-06-01")); err != nil {
		t.Fatalf("moving the end later: %v", err)
	}
	// Now the first admin's term ends in June, so the successor's may not
	// end at all: from June on no one else holds office.
	_, err = o.svc.EndRole(ctx, o.admin, successor.ID, date("2027-03-01"))
	kindOf(t, err, errs.Conflict)
	kindOf(t, o.svc.RemoveRole(ctx, o.admin, successor.ID), errs.Conflict)
	if _, err := o.svc.EndRole(ctx, o.admin, only.ID, date("2027-01-01")); err != nil {
		t.Fatalf("bringing the first admin's end back to the successor's start: %v", err)
	}
	// A third admin from next year, open-ended: then the successor's term
	// may end once the third's has begun.
	third := o.addMember(t, o.sou, "Tom", "tom@south.test")
	if _, err := o.svc.GrantRole(ctx, o.admin, o.national, membership.RoleGrant{MemberID: third, Role: auth.RoleAdmin,
		StartsOn: date("2028-01-01")}); err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.EndRole(ctx, o.admin, successor.ID, date("2027-12-31"))
	kindOf(t, err, errs.Conflict)
	if _, err := o.svc.EndRole(ctx, o.admin, successor.ID, date("2028-01-01")); err != nil {
		t.Fatalf("handing over to the third admin: %v", err)
	}
}

func TestDissolvingAChapterEndsItsTerms(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	q := postgres.New(o.pool)
	nia := o.addMember(t, o.north, "Nia", "nia@north.test")
	old, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: nia, ChapterID: o.north,
		Role: string(auth.RoleChair), StartsOn: today.AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.svc.GrantRole(ctx, o.admin, o.north, membership.RoleGrant{MemberID: nia, Role: auth.RoleTreasurer,
		StartsOn: date("2027-01-01")}); err != nil {
		t.Fatal(err)
	}
	// The holder leaves; their term shows them inactive.
	if _, err := o.svc.DeactivateMember(ctx, o.admin, nia, "moved away", nil); err != nil {
		t.Fatal(err)
	}
	list, err := o.svc.ListRoles(ctx, o.admin, o.north, false)
	if err != nil || len(list) != 2 || list[0].HolderActive {
		t.Fatalf("terms of an inactive holder: %+v, %v", list, err)
	}
	if _, err := o.svc.DissolveChapter(ctx, o.admin, o.north, nil); err != nil {
		t.Fatal(err)
	}
	list, err = o.svc.ListRoles(ctx, o.admin, o.north, true)
	if err != nil || len(list) != 1 || list[0].ID != old.ID || list[0].EndsOn == nil || !list[0].EndsOn.Equal(today) {
		t.Errorf("after dissolving: %+v, %v; want only the chair's term, ended today", list, err)
	}
}

func TestTheLastActiveNationalAdminCannotBeDeactivated(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	q := postgres.New(o.pool)
	nia := o.addMember(t, o.national, "Nia", "nia@national.test")
	for _, m := range []uuid.UUID{o.admin.MemberID, nia} {
		if _, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: m, ChapterID: o.national,
			Role: string(auth.RoleAdmin), StartsOn: today.AddDate(-1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.svc.DeactivateMember(ctx, o.admin, nia, "stepped down", nil); err != nil {
		t.Fatalf("deactivating one of two admins: %v", err)
	}
	_, err := o.svc.DeactivateMember(ctx, o.admin, o.admin.MemberID, "stepped down", nil)
	kindOf(t, err, errs.Conflict)
	// Nia's term still runs, but an inactive member grants nothing: it
	// does not count as cover for ending the last active admin's term.
	var adminTerm uuid.UUID
	if err := o.pool.QueryRow(ctx, `SELECT id FROM role_assignments WHERE member_id = $1`, o.admin.MemberID).Scan(&adminTerm); err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.EndRole(ctx, o.admin, adminTerm, nil)
	kindOf(t, err, errs.Conflict)
}

func TestAnImportCannotDeactivateTheLastNationalAdmin(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	if _, err := postgres.New(o.pool).InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: o.admin.MemberID,
		ChapterID: o.national, Role: string(auth.RoleAdmin), StartsOn: today.AddDate(-1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	file := "email,given_name,joined_on,status\nada@admin.test,Ada,2026-11-24,inactive\nnew@example.org,New,2026-11-01,active\n"
	for _, dry := range []bool{true, false} {
		_, err := o.svc.ImportRoster(ctx, o.admin, o.national, strings.NewReader(file), dry)
		if e := kindOf(t, err, errs.Conflict); e.Field != "file" || !strings.Contains(e.Msg, "national admin") {
			t.Errorf("dry run %v: %+v", dry, e)
		}
	}
	if n := count(t, o.pool, `SELECT count(*) FROM members WHERE status = 'inactive' OR email = 'new@example.org'`); n != 0 {
		t.Errorf("the refused import changed %d members", n)
	}
}
