package auth

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// rolePerms is the mapping the design states, written out independently of
// Role.Grants so that the table test can fail.
var rolePerms = map[Role][]Permission{
	RoleAdmin:             {RosterRead, RosterWrite, RosterExport, ChaptersManage, LedgerRead, ElectionsManage, RolesManage},
	RoleChair:             {RosterRead, RosterWrite, RosterExport, ElectionsManage},
	RoleSecretary:         {RosterRead, RosterWrite, RosterExport, ElectionsManage},
	RoleMembershipOfficer: {RosterRead, RosterWrite, RosterExport},
	RoleTreasurer:         {RosterRead, LedgerRead},
}

// TestCanTable checks every role x permission x scope: a grant on the
// chapter asked about, on another chapter, and on the national body.
func TestCanTable(t *testing.T) {
	own, other, national := uuid.New(), uuid.New(), uuid.New()
	for _, role := range Roles() {
		for _, perm := range Permissions() {
			has := slices.Contains(rolePerms[role], perm)
			for _, sc := range []struct {
				name     string
				grant    Grant
				wantOwn  bool
				wantElse bool
			}{
				{"own chapter", Grant{Role: role, ChapterID: own}, has && perm != ChaptersManage, false},
				{"other chapter", Grant{Role: role, ChapterID: other}, false, has && perm != ChaptersManage},
				{"national", Grant{Role: role, ChapterID: national, National: true}, has, has},
			} {
				t.Run(fmt.Sprintf("%s/%s/%s", role, perm, sc.name), func(t *testing.T) {
					p := &Principal{MemberID: uuid.New(), ChapterID: own, Grants: []Grant{sc.grant}}
					if got := p.Can(perm, own); got != sc.wantOwn {
						t.Errorf("Can(%s, own) = %v, want %v", perm, got, sc.wantOwn)
					}
					// "else" is a chapter the grant does not name (own for the
					// other-chapter grant is covered above; here a third one,
					// or for the other-chapter grant, that chapter itself).
					target := uuid.New()
					if sc.name == "other chapter" {
						target = other
					}
					if got := p.Can(perm, target); got != sc.wantElse {
						t.Errorf("Can(%s, %s target) = %v, want %v", perm, sc.name, got, sc.wantElse)
					}
					all, chapters := p.Scope(perm)
					wantAll := sc.grant.National && has
					if all != wantAll {
						t.Errorf("Scope(%s) all = %v, want %v", perm, all, wantAll)
					}
					switch {
					case all && chapters != nil:
						t.Errorf("Scope(%s): all with chapters %v", perm, chapters)
					case !all && has && perm != ChaptersManage && !sc.grant.National:
						if !slices.Equal(chapters, []uuid.UUID{sc.grant.ChapterID}) {
							t.Errorf("Scope(%s) chapters = %v, want [%v]", perm, chapters, sc.grant.ChapterID)
						}
					case !all && len(chapters) != 0:
						t.Errorf("Scope(%s) chapters = %v, want none", perm, chapters)
					}
					wantNA := role == RoleAdmin && sc.grant.National
					if got := p.IsNationalAdmin(); got != wantNA {
						t.Errorf("IsNationalAdmin = %v, want %v", got, wantNA)
					}
				})
			}
		}
	}
}

func TestNoGrantsAndNilPrincipal(t *testing.T) {
	var nilP *Principal
	bare := &Principal{MemberID: uuid.New(), ChapterID: uuid.New()}
	for _, p := range []*Principal{nilP, bare} {
		for _, perm := range Permissions() {
			if p.Can(perm, bare.ChapterID) {
				t.Errorf("%v Can(%s, own chapter)", p, perm)
			}
			all, ch := p.Scope(perm)
			if all || ch == nil || len(ch) != 0 {
				t.Errorf("%v Scope(%s) = %v, %v; want false, empty", p, perm, all, ch)
			}
		}
		if p.IsNationalAdmin() || p.ViaSession() || p.CSRFToken() != "" {
			t.Errorf("%v has powers it should not", p)
		}
	}
}

func TestScopeMergesChapters(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	p := &Principal{Grants: []Grant{
		{Role: RoleChair, ChapterID: b},
		{Role: RoleTreasurer, ChapterID: a},
		{Role: RoleSecretary, ChapterID: b},
	}}
	all, ch := p.Scope(RosterRead)
	want := []uuid.UUID{a, b}
	slices.SortFunc(want, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	if all || !slices.Equal(ch, want) {
		t.Errorf("Scope(RosterRead) = %v, %v; want false, %v", all, ch, want)
	}
	if all, ch := p.Scope(LedgerRead); all || !slices.Equal(ch, []uuid.UUID{a}) {
		t.Errorf("Scope(LedgerRead) = %v, %v; want false, [%v]", all, ch, a)
	}
}

func TestUnknownRoleGrantsNothing(t *testing.T) {
	if Role("emperor").Valid() {
		t.Error("unknown role is valid")
	}
	p := &Principal{Grants: []Grant{{Role: "emperor", National: true}}}
	for _, perm := range Permissions() {
		if p.Can(perm, uuid.New()) {
			t.Errorf("unknown role grants %s", perm)
		}
	}
}

// TestGrantDatesInDatabase checks that only grants in force today are
// loaded, by the grants query and with the member on the bearer (identity)
// and session paths: current_date in [starts_on, ends_on). Each role is granted on the
// national body (so any chapter would do) with the dates of each case.
func TestGrantDatesInDatabase(t *testing.T) {
	f := newFixture(t)
	a := &Authenticator{q: postgres.New(f.pool), log: slog.New(slog.DiscardHandler)}
	cases := []struct {
		name          string
		start, end    int
		open, inForce bool
	}{
		{"open-ended, started today", 0, 0, true, true},
		{"started last year, ends tomorrow", -365, 1, false, true},
		{"starts tomorrow", 1, 30, false, false},
		{"ended today", -30, 0, false, false},
		{"ended yesterday", -30, -1, false, false},
		{"open-ended, starts tomorrow", 1, 0, true, false},
	}
	n := 0
	for _, role := range Roles() {
		for _, c := range cases {
			n++
			id := f.member(t, f.north, "M", fmt.Sprintf("m%d@example.org", n))
			f.grant(t, id, f.national, role, c.start, c.end, c.open)
			// The grants query on its own (first login), and the grants
			// loaded with the member by the bearer and session paths.
			ctx := context.Background()
			byQuery, err := a.principal(ctx, member{ID: id, ChapterID: f.north, GivenName: "M", FamilyName: "Test", Status: "active"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.q.AuthLinkIdentity(ctx, postgres.AuthLinkIdentityParams{Issuer: "test", Subject: id.String(), MemberID: id}); err != nil {
				t.Fatal(err)
			}
			m, err := a.memberByIdentity(ctx, "test", id.String())
			if err != nil {
				t.Fatal(err)
			}
			byIdentity, err := a.principal(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			token := newToken()
			if err := a.q.AuthCreateWebSession(ctx, postgres.AuthCreateWebSessionParams{TokenHash: hashToken(token), MemberID: id,
				ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			bySession, err := a.authenticateSession(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			for path, p := range map[string]*Principal{"grants query": byQuery, "identity": byIdentity, "session": bySession} {
				if len(p.Grants) != map[bool]int{false: 0, true: 1}[c.inForce] {
					t.Errorf("%s %s via %s: grants %+v", role, c.name, path, p.Grants)
				}
				for _, perm := range Permissions() {
					want := c.inForce && slices.Contains(rolePerms[role], perm)
					if got := p.Can(perm, f.south); got != want {
						t.Errorf("%s %s via %s: Can(%s) = %v, want %v", role, c.name, path, perm, got, want)
					}
				}
			}
		}
	}
}

// TestGrantsWithMember: a member with several grants on several chapters
// gets, through the identity and session paths (grants folded into the
// member query), exactly the grants the grants query returns, each role
// paired with its own chapter.
func TestGrantsWithMember(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := &Authenticator{q: postgres.New(f.pool), log: slog.New(slog.DiscardHandler)}
	id := f.member(t, f.north, "M", "several@example.org")
	f.grant(t, id, f.national, RoleTreasurer, -10, 0, true)
	f.grant(t, id, f.north, RoleChair, -10, 0, true)
	f.grant(t, id, f.south, RoleSecretary, -10, 0, true)
	f.grant(t, id, f.south, RoleMembershipOfficer, -10, -1, false) // ended
	want, err := a.principal(ctx, member{ID: id, ChapterID: f.north, Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Grants) != 3 {
		t.Fatalf("grants query: %+v, want 3 grants", want.Grants)
	}
	if _, err := a.q.AuthLinkIdentity(ctx, postgres.AuthLinkIdentityParams{Issuer: "test", Subject: "several", MemberID: id}); err != nil {
		t.Fatal(err)
	}
	m, err := a.memberByIdentity(ctx, "test", "several")
	if err != nil {
		t.Fatal(err)
	}
	byIdentity, err := a.principal(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	token := newToken()
	if err := a.q.AuthCreateWebSession(ctx, postgres.AuthCreateWebSessionParams{TokenHash: hashToken(token), MemberID: id,
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	bySession, err := a.authenticateSession(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	for path, p := range map[string]*Principal{"identity": byIdentity, "session": bySession} {
		if !slices.Equal(p.Grants, want.Grants) {
			t.Errorf("via %s: grants %+v, want %+v", path, p.Grants, want.Grants)
		}
	}
	for _, g := range want.Grants {
		if g.National != (g.ChapterID == f.national) {
			t.Errorf("grant %+v: national flag does not match its chapter", g)
		}
	}
}
