package web

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// mePage is the data of me.html.
type mePage struct {
	Member      membership.Member
	ChapterName string
	History     []membership.StatusChange
	Roles       []roleRow
	// Dues is the member's dues standing; nil without a dues service.
	Dues *meDues
}

type roleRow struct{ Role, Where string }

// me is GET /me: the principal's own record, status history and roles.
func (s *Site) me(rq *request) error {
	ctx := rq.r.Context()
	m, err := s.d.Members.Me(ctx, rq.p)
	if err != nil {
		return err
	}
	history, err := s.d.Members.History(ctx, rq.p, m.ID)
	if err != nil {
		return err
	}
	chapters, err := s.d.Members.ListChapters(ctx, rq.p, true)
	if err != nil {
		return err
	}
	names := make(map[uuid.UUID]string, len(chapters))
	for _, c := range chapters {
		names[c.ID] = c.Name
	}
	page := mePage{Member: m, ChapterName: names[m.ChapterID], History: history}
	if page.Dues, err = s.meStanding(rq, m.ID); err != nil {
		return err
	}
	for _, g := range rq.p.Grants {
		where := names[g.ChapterID]
		if g.National {
			where += " (every chapter)"
		}
		page.Roles = append(page.Roles, roleRow{Role: roleLabel(g.Role), Where: where})
	}
	return s.render(rq, http.StatusOK, "me", "My membership", page)
}

// roleLabel is a role's name for people: "membership_officer" reads
// "Membership officer".
func roleLabel(r auth.Role) string {
	s := strings.ReplaceAll(string(r), "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
