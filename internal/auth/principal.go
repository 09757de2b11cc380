package auth

import (
	"slices"

	"github.com/google/uuid"
)

// Principal is an authenticated member and the grants they hold.
//
// Contract: Grants holds only role assignments that were in force (current
// date in [starts_on, ends_on), by the database's clock) when the principal
// was loaded; a principal lives for one request, so a grant that ends at
// midnight stops working with the first request after it. A member with no
// grants is still a principal: what a member may do with their own record is
// decided by the caller comparing MemberID, not by a permission.
//
// All methods are safe on a nil *Principal, which holds no permission.
// Principals built by hand (in tests of other packages) behave exactly like
// loaded ones, except that they carry no session and so no CSRF token.
type Principal struct {
	// MemberID is the authenticated member.
	MemberID uuid.UUID
	// ChapterID is the member's own chapter.
	ChapterID uuid.UUID
	// DisplayName is the member's given and family name, for display only.
	DisplayName string
	// Grants are the member's role assignments in force.
	Grants []Grant

	// csrf is the CSRF token of the web session the principal came from;
	// empty for bearer principals.
	csrf string
	// sessionHash is the SHA-256 of the session token; nil for bearer
	// principals.
	sessionHash []byte
}

// Can reports whether the principal may exercise p in the chapter chapterID.
// A grant on a chapter applies to that chapter only; a grant on the national
// body applies to every chapter; ChaptersManage comes only from a national
// admin grant and ignores chapterID.
func (p *Principal) Can(perm Permission, chapterID uuid.UUID) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.allows(perm, chapterID) {
			return true
		}
	}
	return false
}

// IsNationalAdmin reports whether the principal holds the admin role on the
// national body.
func (p *Principal) IsNationalAdmin() bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Role == RoleAdmin && g.National {
			return true
		}
	}
	return false
}

// Scope tells a list query which chapters the principal may see under perm:
// all is true when perm is held for every chapter (a national grant), and
// then chapters is nil; otherwise chapters lists, sorted and without
// duplicates, the chapters where perm is held, and is empty (not nil) when
// there are none. For ChaptersManage, all is true only for a national admin.
func (p *Principal) Scope(perm Permission) (all bool, chapters []uuid.UUID) {
	chapters = []uuid.UUID{}
	if p == nil {
		return false, chapters
	}
	for _, g := range p.Grants {
		if !g.Role.Grants(perm) {
			continue
		}
		if perm == ChaptersManage {
			if g.National && g.Role == RoleAdmin {
				return true, nil
			}
			continue
		}
		if g.National {
			return true, nil
		}
		chapters = append(chapters, g.ChapterID)
	}
	slices.SortFunc(chapters, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return false, slices.Compact(chapters)
}

// ViaSession reports whether the principal was authenticated by a web
// session cookie (and so needs CSRF protection on unsafe requests), as
// opposed to a bearer token.
func (p *Principal) ViaSession() bool { return p != nil && p.sessionHash != nil }

// CSRFToken returns the token a form posted in this principal's web session
// must carry (as the csrf_token field or the X-CSRF-Token header), or "" for
// a principal authenticated by a bearer token, which needs none. The token is
// stable for the life of the session.
func (p *Principal) CSRFToken() string {
	if p == nil {
		return ""
	}
	return p.csrf
}
