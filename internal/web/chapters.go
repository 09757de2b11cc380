package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// chaptersPage is the data of chapters.html.
type chaptersPage struct {
	Admin    bool
	Chapters []chapterRow
	Charter  *form
}

type chapterRow struct {
	Chapter   membership.Chapter
	RosterURL string
	Rename    *form
	Dissolve  *form
}

// chapterForms carries a submitted form back to the chapters page, to
// show it again with its errors.
type chapterForms struct {
	charter  *form
	chapter  uuid.UUID // the chapter whose rename or dissolve form failed
	rename   *form
	dissolve *form
}

// chapters is GET /chapters: every chapter for any signed-in member; for
// national admins also the charter, rename and dissolve forms.
func (s *Site) chapters(rq *request) error {
	return s.chaptersPage(rq, http.StatusOK, chapterForms{})
}

func (s *Site) chaptersPage(rq *request, status int, fs chapterForms) error {
	admin := rq.p.Can(auth.ChaptersManage, uuid.Nil)
	list, err := s.d.Members.ListChapters(rq.r.Context(), rq.p, admin)
	if err != nil {
		return err
	}
	page := chaptersPage{Admin: admin}
	for _, c := range list {
		row := chapterRow{Chapter: c}
		if c.Kind != "national" && rq.p.Can(auth.RosterRead, c.ID) {
			row.RosterURL = "/chapters/" + c.ID.String() + "/roster"
		}
		if admin && c.DissolvedOn == nil {
			row.Rename = s.renameForm(rq, c)
			if c.Kind != "national" {
				row.Dissolve = s.dissolveForm(rq, c)
			}
		}
		if admin && c.ID == fs.chapter {
			// A refused form stays, with its errors, even if the chapter
			// changed meanwhile.
			if fs.rename != nil {
				row.Rename = fs.rename
			}
			if fs.dissolve != nil {
				fs.dissolve.Submit = "Dissolve " + c.Name
				row.Dissolve = fs.dissolve
			}
		}
		page.Chapters = append(page.Chapters, row)
	}
	if admin {
		page.Charter = fs.charter
		if page.Charter == nil {
			page.Charter = s.charterForm(rq)
		}
	}
	return s.render(rq, status, "chapters", "Chapters", page)
}

func (s *Site) charterForm(rq *request) *form {
	return &form{
		Action: "/chapters", Submit: "Charter the chapter", CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "charter-name", Name: "name", Label: "Name", Type: "text", Required: true, Autocomplete: "off"},
			{ID: "charter-slug", Name: "slug", Label: "Slug", Type: "text", Required: true, Autocomplete: "off",
				Hint: "Short name for files and addresses: lower-case letters, digits and dashes, e.g. riverside."},
			{ID: "charter-chartered_on", Name: "chartered_on", Label: "Chartered on", Type: "date",
				Hint: "Leave empty for today."},
		},
	}
}

func (s *Site) renameForm(rq *request, c membership.Chapter) *form {
	p := "rename-" + c.ID.String() + "-"
	return &form{
		Action: "/chapters/" + c.ID.String() + "/rename", Submit: "Save", CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: p + "name", Name: "name", Label: "Name", Type: "text", Value: c.Name, Required: true, Autocomplete: "off"},
			{ID: p + "slug", Name: "slug", Label: "Slug", Type: "text", Value: c.Slug, Required: true, Autocomplete: "off"},
		},
	}
}

func (s *Site) dissolveForm(rq *request, c membership.Chapter) *form {
	p := "dissolve-" + c.ID.String() + "-"
	return &form{
		Action: "/chapters/" + c.ID.String() + "/dissolve", Submit: "Dissolve " + c.Name, Danger: true, CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: p + "dissolved_on", Name: "dissolved_on", Label: "Dissolved on", Type: "date",
				Hint: "Leave empty for today. Only a chapter with no active members can be dissolved."},
		},
	}
}

// charterChapter is POST /chapters.
func (s *Site) charterChapter(rq *request) error {
	r := rq.r
	on, err := optionalDate("/chartered_on", r.PostFormValue("chartered_on"))
	var c membership.Chapter
	if err == nil {
		c, err = s.d.Members.CreateChapter(r.Context(), rq.p, membership.ChapterInput{
			Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), CharteredOn: on})
	}
	if err == nil {
		return s.seeOther(rq, "/chapters", c.Name+" was chartered.")
	}
	f := s.charterForm(rq)
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.chaptersPage(rq, status, chapterForms{charter: f})
}

// renameChapter is POST /chapters/{id}/rename.
func (s *Site) renameChapter(rq *request) error {
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	r := rq.r
	name, slug := r.PostFormValue("name"), r.PostFormValue("slug")
	c, err := s.d.Members.UpdateChapter(r.Context(), rq.p, id, membership.ChapterPatch{Name: &name, Slug: &slug})
	if err == nil {
		return s.seeOther(rq, "/chapters", "The chapter is now called "+c.Name+".")
	}
	f := s.renameForm(rq, membership.Chapter{ID: id})
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.chaptersPage(rq, status, chapterForms{chapter: id, rename: f})
}

// dissolveChapter is POST /chapters/{id}/dissolve.
func (s *Site) dissolveChapter(rq *request) error {
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	r := rq.r
	on, err := optionalDate("/dissolved_on", r.PostFormValue("dissolved_on"))
	var c membership.Chapter
	if err == nil {
		c, err = s.d.Members.DissolveChapter(r.Context(), rq.p, id, on)
	}
	if err == nil {
		return s.seeOther(rq, "/chapters", c.Name+" was dissolved on "+c.DissolvedOn.Format(time.DateOnly)+".")
	}
	f := s.dissolveForm(rq, membership.Chapter{ID: id, Name: "the chapter"})
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.chaptersPage(rq, status, chapterForms{chapter: id, dissolve: f})
}
