package web

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
)

// homePage is the data of home.html when signed in.
type homePage struct {
	Admin   bool
	Rosters []chapterLink
}

type chapterLink struct {
	ID   uuid.UUID
	Name string
}

// home is GET /: what Chapterhouse is and a sign-in link when signed out;
// links to the principal's pages when signed in.
func (s *Site) home(rq *request) error {
	if rq.p == nil {
		return s.render(rq, http.StatusOK, "home", "Welcome", nil)
	}
	chapters, err := s.d.Members.ListChapters(rq.r.Context(), rq.p, false)
	if err != nil {
		return err
	}
	page := homePage{Admin: rq.p.IsNationalAdmin()}
	for _, c := range chapters {
		if c.Kind != "national" && rq.p.Can(auth.RosterRead, c.ID) {
			page.Rosters = append(page.Rosters, chapterLink{ID: c.ID, Name: c.Name})
		}
	}
	return s.render(rq, http.StatusOK, "home", "Home", page)
}
