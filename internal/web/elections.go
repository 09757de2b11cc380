package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// electionPageNames are the templates of the election pages (see
// pageNames).
var electionPageNames = []string{"elections", "election", "election_manage", "election_roll",
	"ballot", "ballot_review", "ballot_receipt", "receipt_check", "results"}

// votingService returns the voting service, or a NotFound error when the
// site runs without one (elections are then not offered).
func (s *Site) votingService() (*voting.Service, error) {
	if s.d.Voting == nil {
		return nil, errs.NotFoundf("elections are not available on this server")
	}
	return s.d.Voting, nil
}

// stateLabel says an election's state in words.
func stateLabel(state string) string {
	switch state {
	case voting.StateDraft:
		return "Draft"
	case voting.StateNominations:
		return "Nominations open"
	case voting.StateOpen:
		return "Voting open"
	case voting.StateClosed:
		return "Voting closed"
	case voting.StateCertified:
		return "Results certified"
	}
	return state
}

// methodLabel says a counting method in words.
func methodLabel(method string) string {
	switch method {
	case "plurality":
		return "Plurality (mark your choice)"
	case "approval":
		return "Approval (mark every candidate you approve of)"
	case "irv":
		return "Instant-runoff (rank the candidates)"
	case "stv-scottish":
		return "Single transferable vote, Scottish rules (rank the candidates)"
	case "stv-wigm-prf":
		return "Single transferable vote, weighted inclusive Gregory (rank the candidates)"
	case "stv-meek-prf":
		return "Single transferable vote, Meek's method (rank the candidates)"
	case "schulze":
		return "Schulze (rank the candidates)"
	case voting.MethodYesNo:
		return "Yes, no or abstain"
	}
	return method
}

// thresholdLabel says a yes/no threshold in words.
func thresholdLabel(t string) string {
	switch t {
	case "majority-of-cast":
		return "a majority of the votes cast (abstentions do not count as votes cast; a tie fails)"
	case "two-thirds-of-cast":
		return "two thirds of the votes cast (abstentions do not count as votes cast)"
	case "majority-of-electorate":
		return "a majority of everyone on the voter roll"
	}
	return t
}

func electionURL(id uuid.UUID) string { return "/elections/" + id.String() }

func contestURL(e, c uuid.UUID) string { return electionURL(e) + "/contests/" + c.String() }

// chapterNames maps every chapter the principal can see to its name.
func (s *Site) chapterNames(ctx context.Context, p *auth.Principal) (map[uuid.UUID]string, []membership.Chapter, error) {
	chapters, err := s.d.Members.ListChapters(ctx, p, true)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[uuid.UUID]string, len(chapters))
	for _, c := range chapters {
		names[c.ID] = c.Name
	}
	return names, chapters, nil
}

// electionsPage is the data of elections.html.
type electionsPage struct {
	Elections []electionRow
	Create    *form
}

type electionRow struct {
	URL, Title, State, StateLabel, Held string
	RecordDate                          time.Time
	ManageURL                           string
}

// elections is GET /elections: the elections the principal may see, with
// a form to create one for those who may.
func (s *Site) elections(rq *request) error {
	return s.electionsPage(rq, http.StatusOK, nil)
}

func (s *Site) electionsPage(rq *request, status int, create *form) error {
	v, err := s.votingService()
	if err != nil {
		return err
	}
	ctx := rq.r.Context()
	list, err := v.ListElections(ctx, rq.p)
	if err != nil {
		return err
	}
	names, chapters, err := s.chapterNames(ctx, rq.p)
	if err != nil {
		return err
	}
	page := electionsPage{Create: create}
	for _, e := range list {
		row := electionRow{URL: electionURL(e.ID), Title: e.Title, State: e.State, StateLabel: stateLabel(e.State),
			Held: names[e.ChapterID], RecordDate: e.RecordDate}
		if e.ViewerIsOfficial || e.ViewerCanManage {
			row.ManageURL = row.URL + "/manage"
		}
		page.Elections = append(page.Elections, row)
	}
	if page.Create == nil {
		page.Create = s.createElectionForm(rq, chapters)
	}
	return s.render(rq, status, "elections", "Elections", page)
}

// electionChapterOptions lists the bodies where p may create elections.
func electionChapterOptions(p *auth.Principal, chapters []membership.Chapter) []option {
	var out []option
	for _, c := range chapters {
		if c.DissolvedOn != nil {
			continue
		}
		if (c.Kind == "national" && p.IsNationalAdmin()) || (c.Kind != "national" && p.Can(auth.ElectionsManage, c.ID)) {
			label := c.Name
			if c.Kind == "national" {
				label += " (national election)"
			}
			out = append(out, option{Value: c.ID.String(), Label: label})
		}
	}
	return out
}

// createElectionForm is the form that creates an election, or nil when
// the principal may create none.
func (s *Site) createElectionForm(rq *request, chapters []membership.Chapter) *form {
	opts := electionChapterOptions(rq.p, chapters)
	if len(opts) == 0 {
		return nil
	}
	return &form{
		Action: "/elections", Submit: "Create election", CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "chapter_id", Name: "chapter_id", Label: "Held by", Type: "select", Options: opts, Value: opts[0].Value},
			{ID: "title", Name: "title", Label: "Title", Type: "text", Required: true, Autocomplete: "off"},
			{ID: "description", Name: "description", Label: "Description", Type: "textarea",
				Hint: "What is being decided, and the timetable voters should know."},
			{ID: "record_date", Name: "record_date", Label: "Record date", Type: "date", Required: true,
				Value: time.Now().UTC().Format(time.DateOnly),
				Hint:  "Members in good standing on this date make up the voter roll."},
			{ID: "min_nominations", Name: "min_nominations", Label: "Nominations a nominee needs", Type: "number", Value: "1"},
			{ID: "allow_replacement", Name: "allow_replacement", Label: "Voters may replace their ballot with their receipt until voting closes", Type: "checkbox"},
			{ID: "official_self", Name: "official_self", Label: "I am on the election committee", Type: "checkbox", Checked: true,
				Hint: "The committee adds contests, opens and closes voting and certifies the results. Add other members from the election's page."},
		},
	}
}

// createElection is POST /elections.
func (s *Site) createElection(rq *request) error {
	v, err := s.votingService()
	if err != nil {
		return err
	}
	r := rq.r
	in := voting.ElectionInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		AllowReplacement: r.PostFormValue("allow_replacement") != ""}
	if r.PostFormValue("official_self") != "" {
		in.Officials = []uuid.UUID{rq.p.MemberID}
	}
	if in.ChapterID, err = uuid.Parse(r.PostFormValue("chapter_id")); err != nil {
		err = errs.Field("chapter_id", "choose who holds the election")
	}
	if err == nil {
		var d *time.Time
		if d, err = optionalDate("record_date", r.PostFormValue("record_date")); err == nil && d == nil {
			err = errs.Field("record_date", "is required")
		} else if d != nil {
			in.RecordDate = *d
		}
	}
	if err == nil {
		in.MinNominations, err = formInt(r, "min_nominations")
	}
	var e voting.Election
	if err == nil {
		e, err = v.CreateElection(r.Context(), rq.p, in)
	}
	if err == nil {
		return s.seeOther(rq, electionURL(e.ID)+"/manage", "The election was created as a draft. Add its contests next.")
	}
	_, chapters, cerr := s.chapterNames(r.Context(), rq.p)
	if cerr != nil {
		return cerr
	}
	f := s.createElectionForm(rq, chapters)
	if f == nil {
		// The principal may create no election at all: show why.
		return err
	}
	f.fill(r)
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.electionsPage(rq, status, f)
}

// formInt reads an optional whole number field; empty is 0.
func formInt(r *http.Request, name string) (int, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errs.Field(name, "must be a whole number")
	}
	return n, nil
}

// electionPage is the data of election.html.
type electionPage struct {
	E           voting.Election
	StateLabel  string
	Held        string
	ManageURL   string
	Contests    []contestView
	Certified   bool
	ResultsOpen bool
}

// contestView is a contest as the election page shows it to the viewer.
type contestView struct {
	voting.Contest
	MethodLabel    string
	ThresholdLabel string
	Standing       []voting.Candidate
	VoteURL        string
	ReplaceURL     string
	ResultsURL     string
	ReceiptURL     string
	NotOnRoll      bool
}

// loadElection reads an election as the principal sees it.
func (s *Site) loadElection(rq *request) (voting.Election, error) {
	v, err := s.votingService()
	if err != nil {
		return voting.Election{}, err
	}
	id, err := rq.pathID("id", "election")
	if err != nil {
		return voting.Election{}, err
	}
	return v.GetElection(rq.r.Context(), rq.p, id)
}

// loadContest reads an election and one of its contests as the principal
// sees them; a contest they may not see is NotFound.
func (s *Site) loadContest(rq *request) (voting.Election, voting.Contest, error) {
	e, err := s.loadElection(rq)
	if err != nil {
		return e, voting.Contest{}, err
	}
	cid, err := rq.pathID("cid", "contest")
	if err != nil {
		return e, voting.Contest{}, err
	}
	for _, c := range e.Contests {
		if c.ID == cid {
			return e, c, nil
		}
	}
	return e, voting.Contest{}, errs.NotFoundf("contest not found")
}

// election is GET /elections/{id}: the election's contests and
// candidates, and for the viewer what they can do in each.
func (s *Site) election(rq *request) error {
	e, err := s.loadElection(rq)
	if err != nil {
		return err
	}
	names, _, err := s.chapterNames(rq.r.Context(), rq.p)
	if err != nil {
		return err
	}
	page := electionPage{E: e, StateLabel: stateLabel(e.State), Held: names[e.ChapterID],
		Certified:   e.State == voting.StateCertified,
		ResultsOpen: e.State == voting.StateClosed || e.State == voting.StateCertified}
	if e.ViewerIsOfficial || e.ViewerCanManage {
		page.ManageURL = electionURL(e.ID) + "/manage"
	}
	for _, c := range e.Contests {
		cv := contestView{Contest: c, MethodLabel: methodLabel(c.Method), ThresholdLabel: thresholdLabel(c.Threshold)}
		for _, k := range c.Candidates {
			onBallot := k.BallotIndex >= 0
			if e.State == voting.StateDraft || e.State == voting.StateNominations {
				onBallot = k.Source == "committee" || k.Accepted
			}
			if onBallot {
				cv.Standing = append(cv.Standing, k)
			}
		}
		base := contestURL(e.ID, c.ID)
		switch e.State {
		case voting.StateOpen:
			switch {
			case !c.ViewerEligible:
				cv.NotOnRoll = true
			case !c.ViewerVoted:
				cv.VoteURL = base + "/ballot"
			case e.AllowReplacement:
				cv.ReplaceURL = base + "/ballot?replace=1"
			}
			if !c.RollCall {
				cv.ReceiptURL = base + "/receipt"
			}
		case voting.StateClosed, voting.StateCertified:
			cv.ResultsURL = base + "/results"
			if !c.RollCall {
				cv.ReceiptURL = base + "/receipt"
			}
		}
		page.Contests = append(page.Contests, cv)
	}
	return s.render(rq, http.StatusOK, "election", e.Title, page)
}
