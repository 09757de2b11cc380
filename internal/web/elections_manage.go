package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// managePage is the data of election_manage.html: the committee's page of
// one election.
type managePage struct {
	E           voting.Election
	StateLabel  string
	Held        string
	Editable    bool
	Transitions []transition
	Officials   []officialRow
	AddOfficial *form
	Contests    []manageContest
	AddContest  *form
	RollURL     string
	ElectionURL string
}

// transition is a life-cycle button with what it does in words.
type transition struct {
	Heading string
	Explain string
	Form    *form
}

type officialRow struct {
	Name   string
	Remove *form
}

type manageContest struct {
	voting.Contest
	MethodLabel  string
	Candidates   []manageCandidate
	Remove       *form
	AddCandidate *form
}

type manageCandidate struct {
	voting.Candidate
	Remove *form
}

// manageForms replaces forms of the page by key (to show submitted
// values and errors): "official", "contest", "transition:<to>",
// "candidate:<contest id>".
type manageForms map[string]*form

// manage is GET /elections/{id}/manage.
func (s *Site) manage(rq *request) error {
	e, err := s.loadElection(rq)
	if err != nil {
		return err
	}
	return s.managePage(rq, e, http.StatusOK, nil)
}

func (s *Site) managePage(rq *request, e voting.Election, status int, override manageForms) error {
	if !e.ViewerIsOfficial && !e.ViewerCanManage {
		return errs.Forbiddenf("only the election committee and those who manage the chapter's elections may run this election")
	}
	names, _, err := s.chapterNames(rq.r.Context(), rq.p)
	if err != nil {
		return err
	}
	base := electionURL(e.ID)
	csrf := rq.p.CSRFToken()
	pick := func(key string, def *form) *form {
		if f, ok := override[key]; ok {
			return f
		}
		return def
	}
	editable := e.State == voting.StateDraft || e.State == voting.StateNominations
	page := managePage{E: e, StateLabel: stateLabel(e.State), Held: names[e.ChapterID], Editable: editable,
		ElectionURL: base}
	if e.ViewerIsOfficial && e.RollFrozen {
		page.RollURL = base + "/roll"
	}
	if e.ViewerIsOfficial {
		for _, t := range s.transitions(e, csrf) {
			t.Form = pick("transition:"+t.Form.Fields[0].Value, t.Form)
			page.Transitions = append(page.Transitions, t)
		}
	}
	officials := make([]string, 0, len(e.Officials))
	for _, o := range e.Officials {
		officials = append(officials, o.MemberID.String())
	}
	for _, o := range e.Officials {
		row := officialRow{Name: o.Name}
		if e.ViewerCanManage && editable {
			row.Remove = &form{Action: base + "/officials", Submit: "Remove " + o.Name, CSRF: csrf, Danger: true,
				Fields: []field{{Type: "hidden", Name: "remove", Value: o.MemberID.String()}}}
		}
		page.Officials = append(page.Officials, row)
	}
	if e.ViewerCanManage && editable {
		page.AddOfficial = pick("official", &form{Action: base + "/officials", Submit: "Add to the committee", CSRF: csrf,
			Fields: []field{{ID: "official-email", Name: "email", Label: "Member's email", Type: "email", Required: true,
				Autocomplete: "off", Hint: "A member of " + names[e.ChapterID] + "; not a candidate in this election."}}})
	}
	for _, c := range e.Contests {
		mc := manageContest{Contest: c, MethodLabel: methodLabel(c.Method)}
		cbase := contestURL(e.ID, c.ID)
		for _, k := range c.Candidates {
			mk := manageCandidate{Candidate: k}
			if e.ViewerIsOfficial && editable && c.Method != voting.MethodYesNo {
				mk.Remove = &form{Action: cbase + "/candidates/" + k.ID.String() + "/remove", Submit: "Remove " + k.Name,
					CSRF: csrf, Danger: true}
			}
			mc.Candidates = append(mc.Candidates, mk)
		}
		if e.ViewerIsOfficial && editable {
			mc.Remove = &form{Action: cbase + "/remove", Submit: "Remove contest " + c.Title, CSRF: csrf, Danger: true}
			if c.Method != voting.MethodYesNo {
				mc.AddCandidate = pick("candidate:"+c.ID.String(), s.candidateForm(c, cbase, csrf))
			}
		}
		page.Contests = append(page.Contests, mc)
	}
	if e.ViewerIsOfficial && editable {
		page.AddContest = pick("contest", s.contestForm(base, csrf))
	}
	return s.render(rq, status, "election_manage", "Run: "+e.Title, page)
}

// transitions lists the life-cycle steps open to the committee now.
func (s *Site) transitions(e voting.Election, csrf string) []transition {
	base := electionURL(e.ID)
	mk := func(to, submit string, danger bool, confirm string) *form {
		f := &form{Action: base + "/transition", Submit: submit, Danger: danger, CSRF: csrf,
			Fields: []field{{Type: "hidden", Name: "to", Value: to}}}
		if confirm != "" {
			f.Fields = append(f.Fields, field{ID: "confirm-" + to, Name: "confirm", Label: "Type " + confirm + " to confirm",
				Type: "text", Required: true, Autocomplete: "off"})
		}
		return f
	}
	var out []transition
	switch e.State {
	case voting.StateDraft, voting.StateNominations:
		if e.State == voting.StateDraft {
			out = append(out, transition{Heading: "Open nominations",
				Explain: "Members may nominate candidates and nominees accept. The election becomes visible to its members.",
				Form:    mk(voting.StateNominations, "Open nominations", false, "")})
		}
		out = append(out, transition{Heading: "Freeze the voter roll",
			Explain: "Stores the roll: the members in good standing on the record date. You may freeze it again until voting opens.",
			Form:    mk("frozen", "Freeze the roll now", false, "")})
		out = append(out, transition{Heading: "Open voting",
			Explain: "Fixes each contest's ballot and the roll (frozen now if it is not yet). Contests and rules cannot change after this.",
			Form:    mk(voting.StateOpen, "Open voting", false, "")})
	case voting.StateOpen:
		out = append(out, transition{Heading: "Close voting",
			Explain: "Ends voting for everyone at once. The ballots are shuffled, published without names and counted; the results appear straight away. This cannot be undone.",
			Form:    mk(voting.StateClosed, "Close voting and count", true, "CLOSE")})
	case voting.StateClosed:
		out = append(out, transition{Heading: "Certify the results",
			Explain: "Records that the committee has checked and certifies the published results, with your name and the time. This cannot be undone.",
			Form:    mk(voting.StateCertified, "Certify the results", true, "CERTIFY")})
	}
	return out
}

// transition is POST /elections/{id}/transition: to = nominations, frozen
// (freeze the roll), open, closed or certified; closing and certifying
// need the confirmation word.
func (s *Site) transition(rq *request) error {
	e, err := s.loadElection(rq)
	if err != nil {
		return err
	}
	v, ctx, p := s.d.Voting, rq.r.Context(), rq.p
	to := rq.r.PostFormValue("to")
	var word, done string
	switch to {
	case voting.StateClosed:
		word, done = "CLOSE", "Voting is closed and the results are published."
	case voting.StateCertified:
		word, done = "CERTIFY", "The results are certified."
	case voting.StateNominations:
		done = "Nominations are open."
	case "frozen":
		done = "The voter roll is frozen."
	case voting.StateOpen:
		done = "Voting is open."
	default:
		return &statusError{Status: http.StatusBadRequest, Msg: "That is not a step of an election."}
	}
	if word != "" && !strings.EqualFold(strings.TrimSpace(rq.r.PostFormValue("confirm")), word) {
		err = errs.Field("confirm", "enter %s to go ahead", word)
	}
	if err == nil {
		switch to {
		case voting.StateNominations:
			_, err = v.StartNominations(ctx, p, e.ID)
		case "frozen":
			_, err = v.FreezeRoll(ctx, p, e.ID)
		case voting.StateOpen:
			_, err = v.Open(ctx, p, e.ID)
		case voting.StateClosed:
			_, err = v.Close(ctx, p, e.ID)
		case voting.StateCertified:
			_, err = v.Certify(ctx, p, e.ID)
		}
	}
	if err == nil {
		return s.seeOther(rq, electionURL(e.ID)+"/manage", done)
	}
	var f *form
	for _, t := range s.transitions(e, p.CSRFToken()) {
		if t.Form.Fields[0].Value == to {
			f = t.Form
		}
	}
	if f == nil {
		return err
	}
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.managePage(rq, e, status, manageForms{"transition:" + to: f})
}

// findMember finds a member by exact email among the given chapters'
// rosters (which the principal must be allowed to read).
func (s *Site) findMember(ctx context.Context, p *auth.Principal, chapters []uuid.UUID, fieldName, email string) (uuid.UUID, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return uuid.Nil, errs.Field(fieldName, "enter the member's email")
	}
	for _, ch := range chapters {
		page, err := s.d.Members.ListMembers(ctx, p, ch, membership.RosterQuery{Text: email, Limit: 10})
		if err != nil {
			if errs.KindOf(err) == errs.Forbidden {
				return uuid.Nil, errs.Field(fieldName, "you may not look members up in this chapter's roster; ask a chapter officer")
			}
			return uuid.Nil, err
		}
		for _, m := range page.Members {
			if strings.EqualFold(m.Email, email) {
				return m.ID, nil
			}
		}
	}
	return uuid.Nil, errs.Field(fieldName, "no member has this email here")
}

// scopeChapters are the chapters whose members may take part in e: the
// election's chapter, or every chapter for a national election.
func (s *Site) scopeChapters(ctx context.Context, p *auth.Principal, e voting.Election) ([]uuid.UUID, error) {
	if !e.National {
		return []uuid.UUID{e.ChapterID}, nil
	}
	chapters, err := s.d.Members.ListChapters(ctx, p, false)
	if err != nil {
		return nil, err
	}
	out := []uuid.UUID{}
	for _, c := range chapters {
		out = append(out, c.ID)
	}
	return out, nil
}

// setOfficials is POST /elections/{id}/officials: add the member with the
// posted email to the committee, or remove the posted member id.
func (s *Site) setOfficials(rq *request) error {
	e, err := s.loadElection(rq)
	if err != nil {
		return err
	}
	if !e.ViewerCanManage {
		return errs.Forbiddenf("you may not appoint this election's officials")
	}
	ctx := rq.r.Context()
	var ids []uuid.UUID
	remove, _ := uuid.Parse(rq.r.PostFormValue("remove"))
	for _, o := range e.Officials {
		if o.MemberID != remove {
			ids = append(ids, o.MemberID)
		}
	}
	msg := "The official was removed from the committee."
	if remove == uuid.Nil {
		var chapters []uuid.UUID
		var id uuid.UUID
		chapters, err = s.scopeChapters(ctx, rq.p, e)
		if err == nil {
			id, err = s.findMember(ctx, rq.p, chapters, "email", rq.r.PostFormValue("email"))
		}
		ids = append(ids, id)
		msg = "The member was added to the committee."
	}
	if err == nil {
		_, err = s.d.Voting.SetOfficials(ctx, rq.p, e.ID, ids)
	}
	if err == nil {
		return s.seeOther(rq, electionURL(e.ID)+"/manage", msg)
	}
	f := &form{Action: electionURL(e.ID) + "/officials", Submit: "Add to the committee", CSRF: rq.p.CSRFToken(),
		Fields: []field{{ID: "official-email", Name: "email", Label: "Member's email", Type: "email", Required: true, Autocomplete: "off"}}}
	f.fill(rq.r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.managePage(rq, e, status, manageForms{"official": f})
}

// contestForm is the form that adds a contest.
func (s *Site) contestForm(base, csrf string) *form {
	methods := []option{}
	for _, m := range voting.Methods() {
		methods = append(methods, option{Value: m, Label: methodLabel(m)})
	}
	return &form{Action: base + "/contests", Submit: "Add contest", CSRF: csrf, Fields: []field{
		{ID: "contest-title", Name: "title", Label: "Title", Type: "text", Required: true, Autocomplete: "off",
			Hint: "For example \"Chair\" or \"Adopt the new bylaws?\"."},
		{ID: "contest-description", Name: "description", Label: "Description", Type: "textarea"},
		{ID: "contest-method", Name: "method", Label: "Counting method", Type: "select", Options: methods, Value: "irv"},
		{ID: "contest-seats", Name: "seats", Label: "Seats", Type: "number", Value: "1"},
		{ID: "contest-threshold", Name: "threshold", Label: "Threshold (yes/no questions only)", Type: "select", Options: []option{
			{"", "Not a yes/no question"}, {"majority-of-cast", "Majority of votes cast"},
			{"two-thirds-of-cast", "Two thirds of votes cast"}, {"majority-of-electorate", "Majority of the whole roll"}}},
		{ID: "contest-max-ranks", Name: "max_ranks", Label: "Most preferences a voter may rank (ranked methods)", Type: "number",
			Hint: "Leave empty to let voters rank every candidate."},
		{ID: "contest-approval-limit", Name: "approval_limit", Label: "Most candidates a voter may approve (approval)", Type: "number",
			Hint: "Leave empty for no limit."},
		{ID: "contest-roll-call", Name: "roll_call", Label: "Open vote (roll call): record each vote with the voter's name and publish it", Type: "checkbox"},
		{ID: "contest-options", Name: "options", Label: "Options", Type: "textarea",
			Hint: "One per line, for a question with named options. Leave empty and add candidates below once the contest exists."},
	}}
}

// addContest is POST /elections/{id}/contests.
func (s *Site) addContest(rq *request) error {
	e, err := s.loadElection(rq)
	if err != nil {
		return err
	}
	r := rq.r
	in := voting.ContestInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Method: r.PostFormValue("method"), Threshold: r.PostFormValue("threshold"), RollCall: r.PostFormValue("roll_call") != ""}
	for _, line := range strings.Split(r.PostFormValue("options"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Options = append(in.Options, line)
		}
	}
	in.Seats, err = formInt(r, "seats")
	if err == nil {
		in.MaxRanks, err = formInt(r, "max_ranks")
	}
	if err == nil {
		in.ApprovalLimit, err = formInt(r, "approval_limit")
	}
	if err == nil {
		_, err = s.d.Voting.AddContest(r.Context(), rq.p, e.ID, in)
	}
	if err == nil {
		return s.seeOther(rq, electionURL(e.ID)+"/manage", "The contest was added.")
	}
	f := s.contestForm(electionURL(e.ID), rq.p.CSRFToken())
	f.fill(r)
	if ee := errs.As(err); ee != nil && strings.HasPrefix(ee.Field, "/options/") {
		ee.Field = "/options"
	}
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.managePage(rq, e, status, manageForms{"contest": f})
}

// removeContest is POST /elections/{id}/contests/{cid}/remove.
func (s *Site) removeContest(rq *request) error {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return err
	}
	if err := s.d.Voting.DeleteContest(rq.r.Context(), rq.p, e.ID, c.ID); err != nil {
		return err
	}
	return s.seeOther(rq, electionURL(e.ID)+"/manage", "The contest "+c.Title+" was removed.")
}

// candidateForm is the form that adds a candidate to contest c.
func (s *Site) candidateForm(c voting.Contest, cbase, csrf string) *form {
	id := c.ID.String()[:8]
	return &form{Action: cbase + "/candidates", Submit: "Add candidate", CSRF: csrf, Fields: []field{
		{ID: "cand-email-" + id, Name: "member_email", Label: "Member's email", Type: "email", Autocomplete: "off",
			Hint: "For a member standing. Leave empty for a named option that is not a member."},
		{ID: "cand-name-" + id, Name: "name", Label: "Name on the ballot", Type: "text", Autocomplete: "off",
			Hint: "Defaults to the member's name."},
		{ID: "cand-statement-" + id, Name: "statement", Label: "Statement", Type: "textarea"},
	}}
}

// addCandidate is POST /elections/{id}/contests/{cid}/candidates.
func (s *Site) addCandidate(rq *request) error {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return err
	}
	r := rq.r
	ctx := r.Context()
	in := voting.CandidateInput{Name: strings.TrimSpace(r.PostFormValue("name")), Statement: r.PostFormValue("statement")}
	if email := strings.TrimSpace(r.PostFormValue("member_email")); email != "" {
		chapters := []uuid.UUID{}
		if c.ChapterID != nil {
			chapters = append(chapters, *c.ChapterID)
		} else {
			chapters, err = s.scopeChapters(ctx, rq.p, e)
		}
		var id uuid.UUID
		if err == nil {
			id, err = s.findMember(ctx, rq.p, chapters, "member_email", email)
		}
		in.MemberID = &id
	}
	if err == nil {
		_, err = s.d.Voting.AddCandidate(ctx, rq.p, e.ID, c.ID, in)
	}
	if err == nil {
		return s.seeOther(rq, electionURL(e.ID)+"/manage", "The candidate was added to "+c.Title+".")
	}
	if ee := errs.As(err); ee != nil && ee.Field == "/member_id" {
		ee.Field = "member_email"
	}
	f := s.candidateForm(c, contestURL(e.ID, c.ID), rq.p.CSRFToken())
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.managePage(rq, e, status, manageForms{"candidate:" + c.ID.String(): f})
}

// removeCandidate is POST /elections/{id}/contests/{cid}/candidates/{kid}/remove.
func (s *Site) removeCandidate(rq *request) error {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return err
	}
	kid, err := rq.pathID("kid", "candidate")
	if err != nil {
		return err
	}
	if err := s.d.Voting.RemoveCandidate(rq.r.Context(), rq.p, e.ID, c.ID, kid); err != nil {
		return err
	}
	return s.seeOther(rq, electionURL(e.ID)+"/manage", "The candidate was removed from "+c.Title+".")
}

// rollPage is the data of election_roll.html.
type rollPage struct {
	E           voting.Election
	Entries     []voting.RollEntry
	ElectionURL string
}

// roll is GET /elections/{id}/roll: the frozen voter roll, for officials
// and candidates; the domain audits every inspection.
func (s *Site) roll(rq *request) error {
	e, err := s.loadElection(rq)
	if err != nil {
		return err
	}
	entries, err := s.d.Voting.Roll(rq.r.Context(), rq.p, e.ID)
	if err != nil {
		return err
	}
	return s.render(rq, http.StatusOK, "election_roll", "Voter roll: "+e.Title,
		rollPage{E: e, Entries: entries, ElectionURL: electionURL(e.ID)})
}
