package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// ballotPage is the data of ballot.html: the ballot of one contest, blank
// or filled with what the voter chose, and any problems with it.
type ballotPage struct {
	E            voting.Election
	C            voting.Contest
	Kind         ballotKind
	Ranks        []int
	Rows         []ballotRow
	Instructions string
	Errors       []ballotError
	// Replace is set when the voter replaces their ballot; Receipt is then
	// the receipt field (nil for a roll-call contest, which needs none).
	Replace     bool
	Receipt     *field
	ReviewURL   string
	ElectionURL string
	CSRF        string
}

// ballotRow is one candidate on the ballot.
type ballotRow struct {
	ID     string
	Name   string
	Rank   int
	Marked bool
	Error  string
}

// ballotError is a problem in the error summary, linked to its place.
type ballotError struct {
	Anchor string
	Msg    string
}

// ballotContest loads the contest of a ballot request and checks that the
// principal may vote in it now: voting open and on the roll, and for a
// replacement that the election allows it (whether they voted already is
// left to the caller and the domain). Errors: NotFound
// (election or contest not visible), Conflict (voting not open;
// replacement not allowed), Forbidden (not on the roll).
func (s *Site) ballotContest(rq *request, replace bool) (voting.Election, voting.Contest, error) {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return e, c, err
	}
	if e.State != voting.StateOpen {
		return e, c, errs.Conflictf("voting is not open in this election (it is %s)", strings.ToLower(stateLabel(e.State)))
	}
	if !c.ViewerEligible {
		where := ""
		if c.ChapterID != nil {
			where = " in the contest's chapter"
		}
		return e, c, errs.Forbiddenf("you are not on the voter roll for this contest: it holds the members in good standing on %s%s",
			e.RecordDate.Format("2 January 2006"), where)
	}
	if replace && !e.AllowReplacement {
		return e, c, errs.Conflictf("this election does not allow replacing a ballot")
	}
	return e, c, nil
}

// newBallotPage builds the ballot page of contest c with the voter's
// choices b (nil for a blank ballot).
func newBallotPage(rq *request, e voting.Election, c voting.Contest, b *ballotForm, replace bool, receipt string) ballotPage {
	rules := rulesOf(c)
	page := ballotPage{E: e, C: c, Kind: rules.Kind, Replace: replace, ReviewURL: contestURL(e.ID, c.ID) + "/review",
		ElectionURL: electionURL(e.ID), CSRF: rq.p.CSRFToken()}
	for n := 1; n <= rules.MaxRanks; n++ {
		page.Ranks = append(page.Ranks, n)
	}
	switch {
	case rules.Kind == kindRanked && rules.MaxRanks < len(rules.Candidates):
		page.Instructions = fmt.Sprintf("Give rank 1 to your first choice, rank 2 to your second, and so on. You may rank up to %d of the %d candidates, and leave the rest not ranked. Each rank goes to one candidate only.", rules.MaxRanks, len(rules.Candidates))
	case rules.Kind == kindRanked:
		page.Instructions = "Give rank 1 to your first choice, rank 2 to your second, and so on. Rank as many or as few candidates as you like, and leave the rest not ranked. Each rank goes to one candidate only."
	case rules.Kind == kindSingle:
		page.Instructions = "Choose one answer. Abstain counts you as voting without taking a side."
	case rules.MaxMarks > 0 && c.Method == "approval":
		page.Instructions = fmt.Sprintf("Mark every candidate you approve of, at most %d.", rules.MaxMarks)
	case rules.MaxMarks > 0:
		page.Instructions = fmt.Sprintf("Mark at most %d.", rules.MaxMarks)
	default:
		page.Instructions = "Mark every candidate you approve of: as many as you like."
	}
	for _, k := range rules.Candidates {
		row := ballotRow{ID: k.ID.String(), Name: k.Name}
		if b != nil {
			ch := b.Choices[k.ID]
			row.Rank, row.Marked = ch.Rank, ch.Marked
			if msg, ok := b.RowErrors[k.ID]; ok {
				row.Error = msg
				page.Errors = append(page.Errors, ballotError{Anchor: "#r-" + row.ID + "-0", Msg: msg})
			}
		}
		page.Rows = append(page.Rows, row)
	}
	if b != nil {
		for _, msg := range b.Errors {
			page.Errors = append(page.Errors, ballotError{Anchor: "#ballot-choices", Msg: msg})
		}
	}
	if replace && !c.RollCall {
		page.Receipt = &field{ID: "receipt", Name: "receipt", Label: "Your receipt", Type: "text", Value: receipt,
			Required: true, Autocomplete: "off",
			Hint: "The receipt code you were given when you voted, for example ABCD-EFGH-... Your new choices replace the ballot it belongs to."}
	}
	return page
}

// renderBallot shows the ballot page with status.
func (s *Site) renderBallot(rq *request, status int, page ballotPage) error {
	title := "Ballot: " + page.C.Title
	if page.Replace {
		title = "Replace your ballot: " + page.C.Title
	}
	return s.render(rq, status, "ballot", title, page)
}

// ballot is GET /elections/{id}/contests/{cid}/ballot: a blank ballot
// (with ?replace=1, the form that replaces a cast ballot).
func (s *Site) ballot(rq *request) error {
	replace := rq.r.URL.Query().Get("replace") == "1"
	e, c, err := s.ballotContest(rq, replace)
	if err != nil {
		return err
	}
	if c.ViewerVoted && !replace {
		msg := "You have already voted in " + c.Title + "."
		if e.AllowReplacement {
			msg += " To change your vote, use Replace my ballot with your receipt."
		}
		return s.seeOther(rq, electionURL(e.ID), msg)
	}
	return s.renderBallot(rq, http.StatusOK, newBallotPage(rq, e, c, nil, replace, ""))
}

// changeBallot is POST /elections/{id}/contests/{cid}/ballot: the ballot
// filled with the posted choices, from the review page's Change button.
func (s *Site) changeBallot(rq *request) error {
	replace := rq.r.PostFormValue("replace") == "1"
	e, c, err := s.ballotContest(rq, replace)
	if err != nil {
		return err
	}
	b := parseBallot(rulesOf(c), rq.r.PostForm)
	b.RowErrors, b.Errors = nil, nil
	return s.renderBallot(rq, http.StatusOK, newBallotPage(rq, e, c, &b, replace, rq.r.PostFormValue("receipt")))
}

// reviewPage is the data of ballot_review.html.
type reviewPage struct {
	E        voting.Election
	C        voting.Contest
	Kind     ballotKind
	Lines    []string
	Blank    bool
	Hidden   []hiddenField
	Replace  bool
	Receipt  string
	CastURL  string
	EditURL  string
	CSRF     string
	Unranked []string
}

type hiddenField struct{ Name, Value string }

// reviewBallot is POST /elections/{id}/contests/{cid}/review: the ballot
// as it will be cast, with Cast ballot and Change buttons; or the ballot
// again with its problems.
func (s *Site) reviewBallot(rq *request) error {
	replace := rq.r.PostFormValue("replace") == "1"
	e, c, err := s.ballotContest(rq, replace)
	if err != nil {
		return err
	}
	rules := rulesOf(c)
	b := parseBallot(rules, rq.r.PostForm)
	receipt := strings.TrimSpace(rq.r.PostFormValue("receipt"))
	if replace && !c.RollCall && receipt == "" {
		page := newBallotPage(rq, e, c, &b, replace, receipt)
		page.Receipt.Error = "Enter the receipt of the ballot you are replacing."
		page.Errors = append([]ballotError{{Anchor: "#receipt", Msg: page.Receipt.Error}}, page.Errors...)
		return s.renderBallot(rq, http.StatusUnprocessableEntity, page)
	}
	if !b.Valid() {
		return s.renderBallot(rq, http.StatusUnprocessableEntity, newBallotPage(rq, e, c, &b, replace, receipt))
	}
	base := contestURL(e.ID, c.ID)
	page := reviewPage{E: e, C: c, Kind: rules.Kind, Blank: len(b.Ordered) == 0, Replace: replace, Receipt: receipt,
		CastURL: base + "/cast", EditURL: base + "/ballot", CSRF: rq.p.CSRFToken()}
	names := map[uuid.UUID]string{}
	for _, k := range rules.Candidates {
		names[k.ID] = k.Name
	}
	for _, id := range b.Ordered {
		page.Lines = append(page.Lines, names[id])
	}
	if rules.Kind == kindRanked {
		for _, k := range rules.Candidates {
			if _, ok := b.Choices[k.ID]; !ok {
				page.Unranked = append(page.Unranked, k.Name)
			}
		}
	}
	v := ballotValues(rules, b)
	for _, k := range rules.Candidates {
		name := rankField(k.ID)
		if vs, ok := v[name]; ok {
			page.Hidden = append(page.Hidden, hiddenField{Name: name, Value: vs[0]})
		}
	}
	for _, id := range v["choice"] {
		page.Hidden = append(page.Hidden, hiddenField{Name: "choice", Value: id})
	}
	return s.render(rq, http.StatusOK, "ballot_review", "Check your ballot: "+c.Title, page)
}

// receiptPage is the data of ballot_receipt.html.
type receiptPage struct {
	E           voting.Election
	C           voting.Contest
	RollCall    bool
	Replaced    bool
	Receipt     string
	Canonical   string
	ReceiptHash string
	CheckURL    string
	ElectionURL string
}

// castBallot is POST /elections/{id}/contests/{cid}/cast: it casts (or
// replaces) the reviewed ballot and shows the receipt, once. The receipt
// page is the response itself, never a redirect: the receipt must not
// travel in a URL or a cookie.
func (s *Site) castBallot(rq *request) error {
	replace := rq.r.PostFormValue("replace") == "1"
	e, c, err := s.ballotContest(rq, replace)
	if err != nil {
		return err
	}
	rules := rulesOf(c)
	b := parseBallot(rules, rq.r.PostForm)
	receipt := strings.TrimSpace(rq.r.PostFormValue("receipt"))
	if !b.Valid() {
		return s.renderBallot(rq, http.StatusUnprocessableEntity, newBallotPage(rq, e, c, &b, replace, receipt))
	}
	var out voting.CastReceipt
	if replace {
		out, err = s.d.Voting.Replace(rq.r.Context(), rq.p, e.ID, c.ID, receipt, b.Ordered)
	} else {
		out, err = s.d.Voting.Cast(rq.r.Context(), rq.p, e.ID, c.ID, b.Ordered)
	}
	if err != nil {
		return s.ballotFailed(rq, e, c, b, replace, receipt, err)
	}
	page := receiptPage{E: e, C: c, RollCall: out.RollCall, Replaced: replace, Receipt: out.Receipt,
		Canonical: canonicalReceiptText(out.Receipt), ReceiptHash: out.ReceiptHash,
		CheckURL: contestURL(e.ID, c.ID) + "/receipt", ElectionURL: electionURL(e.ID)}
	title := "Your vote is cast"
	if replace {
		title = "Your ballot is replaced"
	}
	return s.render(rq, http.StatusOK, "ballot_receipt", title, page)
}

// ballotFailed shows the ballot again with the domain's reason when the
// voter can fix it (Invalid, Conflict), or fails the request otherwise.
func (s *Site) ballotFailed(rq *request, e voting.Election, c voting.Contest, b ballotForm, replace bool, receipt string, err error) error {
	ee := errs.As(err)
	if ee == nil || (ee.Kind != errs.Invalid && ee.Kind != errs.Conflict && !(replace && ee.Kind == errs.NotFound && ee.Msg != "contest not found")) {
		return err
	}
	page := newBallotPage(rq, e, c, &b, replace, receipt)
	msg := sentence(ee.Msg)
	status := http.StatusUnprocessableEntity
	switch {
	case ee.Kind == errs.Conflict:
		status = http.StatusConflict
	case ee.Kind == errs.NotFound:
		status = http.StatusNotFound
	}
	if page.Receipt != nil && (ee.Field == "/receipt" || ee.Kind == errs.NotFound) {
		page.Receipt.Error = msg
		page.Errors = append(page.Errors, ballotError{Anchor: "#receipt", Msg: "Your receipt: " + msg})
	} else {
		page.Errors = append(page.Errors, ballotError{Anchor: "#ballot-choices", Msg: msg})
	}
	return s.renderBallot(rq, status, page)
}

// canonicalReceiptText is a receipt as hashed: upper case, without the
// dashes and spaces between groups.
func canonicalReceiptText(r string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(r))
}
