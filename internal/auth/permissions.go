package auth

import (
	"slices"

	"github.com/google/uuid"
)

// Role is a role a member holds through a row of role_assignments. The
// values are the ones the database's CHECK constraint allows.
type Role string

// The roles.
const (
	RoleAdmin             Role = "admin"
	RoleChair             Role = "chair"
	RoleSecretary         Role = "secretary"
	RoleMembershipOfficer Role = "membership_officer"
	RoleTreasurer         Role = "treasurer"
)

// Roles returns every role, in a fixed order. The slice is new on each call.
func Roles() []Role {
	return []Role{RoleAdmin, RoleChair, RoleSecretary, RoleMembershipOfficer, RoleTreasurer}
}

// Valid reports whether r is one of the roles above.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Permission is something a principal may be allowed to do in a chapter.
type Permission string

// The permissions.
const (
	// RosterRead: list, search and view members of the chapter, including
	// their contact details.
	RosterRead Permission = "roster.read"
	// RosterWrite: create, update, deactivate and import members.
	RosterWrite Permission = "roster.write"
	// RosterExport: export the chapter's roster (exports are logged).
	RosterExport Permission = "roster.export"
	// ChaptersManage: charter, rename and dissolve chapters. Only a national
	// admin holds it, and it is not scoped to a chapter.
	ChaptersManage Permission = "chapters.manage"
	// LedgerRead: see the chapter's dues ledger.
	LedgerRead Permission = "ledger.read"
	// ElectionsManage: create the chapter's elections and appoint their
	// election committee (officials). Running an election is then the
	// committee's business, not the permission's. National elections need
	// a national admin (see voting).
	ElectionsManage Permission = "elections.manage"
	// RolesManage: grant and end role assignments in the chapter. Only
	// admin carries it, so a chapter admin manages that chapter's roles and
	// a national admin every chapter's and the national body's.
	RolesManage Permission = "roles.manage"
)

// Permissions returns every permission, in a fixed order. The slice is new on
// each call.
func Permissions() []Permission {
	return []Permission{RosterRead, RosterWrite, RosterExport, ChaptersManage, LedgerRead, ElectionsManage, RolesManage}
}

// Grants reports whether role r carries permission p at all, before scope is
// considered: admin carries every permission (and alone carries
// ChaptersManage and RolesManage); chair, secretary and membership_officer
// carry roster read, write and export, and chair and secretary also
// elections manage; treasurer carries roster read and ledger read. An
// unknown role carries nothing. ChaptersManage additionally needs the admin
// grant to be national; see Principal.Can.
func (r Role) Grants(p Permission) bool {
	switch r {
	case RoleAdmin:
		return slices.Contains(Permissions(), p)
	case RoleChair, RoleSecretary:
		return p == RosterRead || p == RosterWrite || p == RosterExport || p == ElectionsManage
	case RoleMembershipOfficer:
		return p == RosterRead || p == RosterWrite || p == RosterExport
	case RoleTreasurer:
		return p == RosterRead || p == LedgerRead
	default:
		return false
	}
}

// Grant is one role assignment in force: a role held in a chapter. National
// is true when the chapter is the national body (chapters.kind =
// 'national'); such a grant applies to every chapter.
type Grant struct {
	Role      Role
	ChapterID uuid.UUID
	National  bool
}

// allows reports whether this one grant gives p in chapterID.
func (g Grant) allows(p Permission, chapterID uuid.UUID) bool {
	if !g.Role.Grants(p) {
		return false
	}
	if p == ChaptersManage {
		return g.National && g.Role == RoleAdmin
	}
	return g.National || g.ChapterID == chapterID
}
