package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// memberPage is the data of member.html.
type memberPage struct {
	Member      membership.Member
	ChapterName string
	RosterURL   string
	History     []membership.StatusChange
	Edit        *form
	Deactivate  *form
	// Dues is the member's dues standing, history and waivers; nil
	// without a dues service or when the viewer may not see it.
	Dues *memberDues
}

// member is GET /members/{id}: a member's record, shown only if the domain
// returns it (the member themself, their chapter's officers, national
// admins), with edit and deactivate forms for those who may write.
func (s *Site) member(rq *request) error {
	id, err := rq.pathID("id", "member")
	if err != nil {
		return err
	}
	return s.memberPage(rq, id, http.StatusOK, nil, nil)
}

// memberPage renders the member page with status; edit and deactivate,
// when not nil, replace the default forms (to show submitted values and
// errors).
func (s *Site) memberPage(rq *request, id uuid.UUID, status int, edit, deactivate *form) error {
	return s.memberPageWith(rq, id, status, edit, deactivate, nil)
}

// memberPageWith is memberPage with a waiver form that, when not nil,
// replaces the default one.
func (s *Site) memberPageWith(rq *request, id uuid.UUID, status int, edit, deactivate, waiver *form) error {
	ctx := rq.r.Context()
	m, err := s.d.Members.GetMember(ctx, rq.p, id)
	if err != nil {
		return err
	}
	history, err := s.d.Members.History(ctx, rq.p, id)
	if err != nil {
		return err
	}
	ch, err := s.d.Members.GetChapter(ctx, rq.p, m.ChapterID)
	if err != nil {
		return err
	}
	page := memberPage{Member: m, ChapterName: ch.Name, History: history}
	if page.Dues, err = s.memberDues(rq, m, waiver); err != nil {
		return err
	}
	if rq.p.Can(auth.RosterRead, m.ChapterID) {
		page.RosterURL = "/chapters/" + m.ChapterID.String() + "/roster"
	}
	if rq.p.Can(auth.RosterWrite, m.ChapterID) {
		if edit == nil {
			edit = s.editForm(rq, m)
		}
		page.Edit = edit
		// A refused deactivation stays on the page to show why.
		if deactivate == nil && m.Status == membership.StatusActive {
			deactivate = s.deactivateForm(rq, id)
		}
		page.Deactivate = deactivate
	}
	return s.render(rq, status, "member", m.GivenName+" "+m.FamilyName, page)
}

// editForm is the edit form of m, filled with the stored record.
func (s *Site) editForm(rq *request, m membership.Member) *form {
	ext := ""
	if m.ExternalID != nil {
		ext = *m.ExternalID
	}
	return &form{
		Action: "/members/" + m.ID.String(), Submit: "Save changes", CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "given_name", Name: "given_name", Label: "Given name", Type: "text", Value: m.GivenName, Required: true, Autocomplete: "off"},
			{ID: "family_name", Name: "family_name", Label: "Family name", Type: "text", Value: m.FamilyName, Autocomplete: "off"},
			{ID: "email", Name: "email", Label: "Email", Type: "email", Value: m.Email, Required: true, Autocomplete: "off"},
			{ID: "phone", Name: "phone", Label: "Phone", Type: "tel", Value: m.Phone, Autocomplete: "off"},
			{ID: "postal_address", Name: "postal_address", Label: "Postal address", Type: "textarea", Value: m.PostalAddress, Autocomplete: "off"},
			{ID: "joined_on", Name: "joined_on", Label: "Joined on", Type: "date", Value: m.JoinedOn.Format(time.DateOnly), Required: true},
			{ID: "external_id", Name: "external_id", Label: "External id", Type: "text", Value: ext, Autocomplete: "off",
				Hint: "The member's id in another system, if any. Leave it as it is to keep it."},
		},
	}
}

// deactivateForm is the deactivate form of member id.
func (s *Site) deactivateForm(rq *request, id uuid.UUID) *form {
	return &form{
		Action: "/members/" + id.String() + "/deactivate", Submit: "Deactivate membership", Danger: true, CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "reason", Name: "reason", Label: "Reason", Type: "text", Required: true, Autocomplete: "off",
				Hint: "Kept in the member's status history, for example \"resigned by letter\"."},
			{ID: "effective_on", Name: "effective_on", Label: "From", Type: "date", Hint: "Leave empty for today."},
		},
	}
}

// updateMember is POST /members/{id}: it saves the edit form and
// redirects to the member page, or shows the form again with the errors.
func (s *Site) updateMember(rq *request) error {
	id, err := rq.pathID("id", "member")
	if err != nil {
		return err
	}
	r := rq.r
	patch := membership.MemberPatch{
		GivenName:     formString(r, "given_name"),
		FamilyName:    formString(r, "family_name"),
		Email:         formString(r, "email"),
		Phone:         formString(r, "phone"),
		PostalAddress: formString(r, "postal_address"),
	}
	if ext := strings.TrimSpace(r.PostFormValue("external_id")); ext != "" {
		// An empty field keeps the stored id: the domain cannot clear one.
		patch.ExternalID = &ext
	}
	joined, err := optionalDate("/joined_on", r.PostFormValue("joined_on"))
	if err == nil {
		patch.JoinedOn = joined
		_, err = s.d.Members.UpdateMember(r.Context(), rq.p, id, patch)
	}
	if err == nil {
		return s.seeOther(rq, "/members/"+id.String(), "The member's record was saved.")
	}
	f := s.editForm(rq, membership.Member{ID: id})
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.memberPage(rq, id, status, f, nil)
}

// deactivateMember is POST /members/{id}/deactivate.
func (s *Site) deactivateMember(rq *request) error {
	id, err := rq.pathID("id", "member")
	if err != nil {
		return err
	}
	r := rq.r
	on, err := optionalDate("/effective_on", r.PostFormValue("effective_on"))
	if err == nil {
		_, err = s.d.Members.DeactivateMember(r.Context(), rq.p, id, r.PostFormValue("reason"), on)
	}
	if err == nil {
		return s.seeOther(rq, "/members/"+id.String(), "The membership was deactivated.")
	}
	f := s.deactivateForm(rq, id)
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.memberPage(rq, id, status, nil, f)
}

// formString returns a pointer to a posted field's value, or nil when the
// form does not have the field at all (so the domain keeps the stored
// value).
func formString(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := r.PostFormValue(name)
	return &v
}
