package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// officersPage is the data of officers.html.
type officersPage struct {
	Chapter membership.Chapter
	// Manage is set for those who may grant and end the chapter's roles.
	Manage bool
	Ended  bool // ended terms are listed too
	Terms  []officerRow
	Grant  *form
	// URL is the page itself; OtherURL the page with or without ended terms.
	URL, OtherURL string
}

type officerRow struct {
	membership.RoleAssignment
	Role   string // as people say it
	State  string // "current", "scheduled", "ended" or "inactive" (the holder's membership)
	End    *form
	Remove *form
}

// officerForms carries a refused form back to the page.
type officerForms struct {
	grant *form
	term  uuid.UUID // the assignment whose end or remove form failed
	end   *form
}

// roleLabels are the roles as the pages name them.
var roleLabels = map[auth.Role]string{
	auth.RoleAdmin: "Admin", auth.RoleChair: "Chair", auth.RoleSecretary: "Secretary",
	auth.RoleMembershipOfficer: "Membership officer", auth.RoleTreasurer: "Treasurer",
}

// officers is GET /chapters/{id}/officers: who holds which role, for any
// signed-in member; for the chapter's admins and national admins also the
// forms that grant, end and remove terms. ?ended=1 lists ended terms too.
func (s *Site) officers(rq *request) error {
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	return s.officersPage(rq, id, http.StatusOK, officerForms{})
}

func (s *Site) officersPage(rq *request, id uuid.UUID, status int, fs officerForms) error {
	ctx := rq.r.Context()
	c, err := s.d.Members.GetChapter(ctx, rq.p, id)
	if err != nil {
		return err
	}
	ended := rq.r.URL.Query().Get("ended") == "1"
	terms, err := s.d.Members.ListRoles(ctx, rq.p, id, ended)
	if err != nil {
		return err
	}
	base := "/chapters/" + id.String() + "/officers"
	page := officersPage{Chapter: c, Manage: rq.p.Can(auth.RolesManage, id) && c.DissolvedOn == nil, Ended: ended,
		URL: base, OtherURL: base + "?ended=1"}
	if ended {
		page.URL, page.OtherURL = page.OtherURL, base
	}
	today := s.d.Members.Today()
	for _, a := range terms {
		row := officerRow{RoleAssignment: a, Role: roleLabels[a.Role], State: "current"}
		switch {
		case a.EndsOn != nil && !a.EndsOn.After(today):
			row.State = "ended"
		case !a.HolderActive:
			row.State = "inactive"
		case a.StartsOn.After(today):
			row.State = "scheduled"
		}
		if page.Manage && row.State != "ended" {
			row.End = s.endTermForm(rq, a)
			if a.ID == fs.term && fs.end != nil {
				row.End = fs.end
			}
			if !a.StartsOn.Before(today) {
				row.Remove = &form{Action: base + "/" + a.ID.String() + "/remove", Submit: "Remove",
					Danger: true, CSRF: rq.p.CSRFToken()}
			}
		}
		page.Terms = append(page.Terms, row)
	}
	if page.Manage {
		page.Grant = fs.grant
		if page.Grant == nil {
			page.Grant = s.grantRoleForm(rq, id)
		}
	}
	return s.render(rq, status, "officers", "Officers of "+c.Name, page)
}

func (s *Site) grantRoleForm(rq *request, chapter uuid.UUID) *form {
	roles := []option{{Value: "", Label: "Choose a role"}}
	for _, r := range auth.Roles() {
		roles = append(roles, option{Value: string(r), Label: roleLabels[r]})
	}
	return &form{
		Action: "/chapters/" + chapter.String() + "/officers", Submit: "Grant the role", CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "grant-email", Name: "email", Label: "Member's email address", Type: "email", Required: true, Autocomplete: "off",
				Hint: "An active member of this chapter (of any chapter, for a national role)."},
			{ID: "grant-role", Name: "role", Label: "Role", Type: "select", Required: true, Options: roles},
			{ID: "grant-starts_on", Name: "starts_on", Label: "From", Type: "date", Hint: "Leave empty for today."},
			{ID: "grant-ends_on", Name: "ends_on", Label: "Until", Type: "date",
				Hint: "The first day the role is no longer held. Leave empty to hold it until the term is ended."},
		},
	}
}

func (s *Site) endTermForm(rq *request, a membership.RoleAssignment) *form {
	p := "end-" + a.ID.String() + "-"
	return &form{
		Action: "/chapters/" + a.ChapterID.String() + "/officers/" + a.ID.String() + "/end", Submit: "End the term", Danger: true,
		CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: p + "ends_on", Name: "ends_on", Label: "Not held from", Type: "date",
				Hint: "Leave empty to end it today."},
		},
	}
}

// grantRole is POST /chapters/{id}/officers.
func (s *Site) grantRole(rq *request) error {
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	r := rq.r
	email := strings.TrimSpace(r.PostFormValue("email"))
	if email == "" {
		err = errs.Field("/email", "enter the member's email address")
	}
	var starts, ends *time.Time
	if err == nil {
		starts, err = optionalDate("/starts_on", r.PostFormValue("starts_on"))
	}
	if err == nil {
		ends, err = optionalDate("/ends_on", r.PostFormValue("ends_on"))
	}
	var a membership.RoleAssignment
	if err == nil {
		a, err = s.d.Members.GrantRole(r.Context(), rq.p, id, membership.RoleGrant{Email: email,
			Role: auth.Role(r.PostFormValue("role")), StartsOn: starts, EndsOn: ends})
	}
	if err == nil {
		return s.seeOther(rq, "/chapters/"+id.String()+"/officers",
			a.MemberName+" is "+roleLabels[a.Role]+" from "+humanDate(a.StartsOn)+".")
	}
	f := s.grantRoleForm(rq, id)
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.officersPage(rq, id, status, officerForms{grant: f})
}

// endRole is POST /chapters/{id}/officers/{aid}/end.
func (s *Site) endRole(rq *request) error {
	id, aid, err := s.termIDs(rq)
	if err != nil {
		return err
	}
	r := rq.r
	on, err := optionalDate("/ends_on", r.PostFormValue("ends_on"))
	var a membership.RoleAssignment
	if err == nil {
		a, err = s.d.Members.EndRole(r.Context(), rq.p, aid, on)
	}
	if err == nil {
		return s.seeOther(rq, "/chapters/"+id.String()+"/officers",
			a.MemberName+" is "+roleLabels[a.Role]+" through "+humanDate(a.EndsOn.AddDate(0, 0, -1))+".")
	}
	f := s.endTermForm(rq, membership.RoleAssignment{ID: aid, ChapterID: id})
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.officersPage(rq, id, status, officerForms{term: aid, end: f})
}

// removeRole is POST /chapters/{id}/officers/{aid}/remove.
func (s *Site) removeRole(rq *request) error {
	id, aid, err := s.termIDs(rq)
	if err != nil {
		return err
	}
	if err := s.d.Members.RemoveRole(rq.r.Context(), rq.p, aid); err != nil {
		f := s.endTermForm(rq, membership.RoleAssignment{ID: aid, ChapterID: id})
		status := formStatus(f, err)
		if status == 0 {
			return err
		}
		return s.officersPage(rq, id, status, officerForms{term: aid, end: f})
	}
	return s.seeOther(rq, "/chapters/"+id.String()+"/officers", "The assignment was removed.")
}

func (s *Site) termIDs(rq *request) (chapter, term uuid.UUID, err error) {
	if chapter, err = rq.pathID("id", "chapter"); err != nil {
		return
	}
	term, err = rq.pathID("aid", "role assignment")
	return
}
