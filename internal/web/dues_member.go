package web

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// memberDues is the dues part of the member page: standing with its
// history and waivers, and for the chapter's roster officers the form that
// grants a waiver.
type memberDues struct {
	S     standingView
	Grant *form
}

// memberDues builds the dues part of m's page, or nil when the site has
// no dues service or the domain does not show m's standing to the viewer.
// grant, when not nil, replaces the default waiver form (to show a refused
// one with its errors).
func (s *Site) memberDues(rq *request, m membership.Member, grant *form) (*memberDues, error) {
	if s.d.Dues == nil {
		return nil, nil
	}
	st, err := s.d.Dues.Standing(rq.r.Context(), rq.p, m.ID, nil)
	if errs.KindOf(err) == errs.Forbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	md := &memberDues{S: newStandingView(st, s.d.Dues.Policy().GraceDays)}
	// The forms are a courtesy: the domain checks roster write again.
	if rq.p.Can(auth.RosterWrite, m.ChapterID) {
		for i := range md.S.Waivers {
			w := &md.S.Waivers[i]
			if w.State == "in force" || w.State == "not started" {
				w.Revoke = &form{Action: "/members/" + m.ID.String() + "/waivers/" + w.W.ID.String() + "/revoke",
					Submit: "Revoke", Danger: true, CSRF: rq.p.CSRFToken()}
				md.S.CanRevoke = true
			}
		}
		md.Grant = grant
		if md.Grant == nil {
			md.Grant = s.waiverForm(rq, m.ID)
		}
	}
	return md, nil
}

// waiverForm is the form granting member id a dues waiver.
func (s *Site) waiverForm(rq *request, id uuid.UUID) *form {
	days := s.d.Dues.Policy().WaiverDays
	length := fmt.Sprintf("%d days", days)
	if days == 365 {
		length = "one year"
	}
	return &form{
		Action: "/members/" + id.String() + "/waivers", Submit: "Grant waiver", CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "waiver-reason", Name: "reason", Label: "Reason", Type: "text", Required: true, Autocomplete: "off",
				Hint: "Kept with the waiver and in the audit log, for example \"unemployed, asked at the March meeting\"."},
			{ID: "waiver-starts_on", Name: "starts_on", Label: "From", Type: "date", Hint: "Leave empty for today."},
			{ID: "waiver-expires_on", Name: "expires_on", Label: "Until (not including)", Type: "date",
				Hint: "Leave empty for " + length + " after the start."},
		},
	}
}

// grantWaiver is POST /members/{id}/waivers.
func (s *Site) grantWaiver(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	id, err := rq.pathID("id", "member")
	if err != nil {
		return err
	}
	r := rq.r
	in := dues.WaiverInput{Reason: r.PostFormValue("reason")}
	var start, end *time.Time
	start, err = optionalDate("/starts_on", r.PostFormValue("starts_on"))
	if err == nil {
		end, err = optionalDate("/expires_on", r.PostFormValue("expires_on"))
	}
	var w dues.Waiver
	if err == nil {
		if start != nil {
			in.StartsOn = *start
		}
		if end != nil {
			in.ExpiresOn = *end
		}
		w, err = d.GrantWaiver(r.Context(), rq.p, id, in)
	}
	if err == nil {
		return s.seeOther(rq, "/members/"+id.String(),
			"Dues are waived from "+w.StartsOn.Format("2 Jan 2006")+" until "+w.ExpiresOn.Format("2 Jan 2006")+".")
	}
	f := s.waiverForm(rq, id)
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.memberPageWith(rq, id, status, nil, nil, f)
}

// revokeWaiver is POST /members/{id}/waivers/{wid}/revoke. The domain
// finds the member from the waiver; the page returns to that member.
func (s *Site) revokeWaiver(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	if _, err := rq.pathID("id", "member"); err != nil {
		return err
	}
	wid, err := rq.pathID("wid", "waiver")
	if err != nil {
		return err
	}
	w, err := d.RevokeWaiver(rq.r.Context(), rq.p, wid)
	if err != nil {
		return err
	}
	on := w.StartsOn
	if w.RevokedOn != nil {
		on = *w.RevokedOn
	}
	return s.seeOther(rq, "/members/"+w.MemberID.String(), "The waiver was revoked from "+on.Format("2 Jan 2006")+".")
}

// meDues is the dues summary on /me.
type meDues struct {
	S standingView
}

// meStanding returns the signed-in member's standing for /me, or nil when
// the site has no dues service.
func (s *Site) meStanding(rq *request, member uuid.UUID) (*meDues, error) {
	if s.d.Dues == nil {
		return nil, nil
	}
	st, err := s.d.Dues.Standing(rq.r.Context(), rq.p, member, nil)
	if err != nil {
		return nil, err
	}
	return &meDues{S: newStandingView(st, s.d.Dues.Policy().GraceDays)}, nil
}
