package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// resultsPage is the data of results.html.
type resultsPage struct {
	E           voting.Election
	C           voting.Contest
	R           voting.ContestResult
	MethodLabel string
	Threshold   string
	Winners     []string
	Passed      bool // a yes/no question passed
	TieBreaks   []string
	// Rounds is the round-by-round table; Charts one chart per round.
	Rounds      roundTable
	Charts      []roundChart
	ElectionURL string
	ReceiptURL  string
	BLTURL      string
	CSVURL      string
	Recount     string
	SeedText    string
}

// roundTable is the round-by-round table: candidates by rounds.
type roundTable struct {
	Numbers   []int
	Rows      []roundRow
	Exhausted []string
	Quotas    []string // per round; nil when the count has no quota
	Notes     []string // per round
}

type roundRow struct {
	Name    string
	Elected bool
	Cells   []roundCell
}

type roundCell struct {
	Votes string // "" when the candidate is out of the count
	Mark  string // "elected", "eliminated" or ""
}

// results is GET /elections/{id}/contests/{cid}/results.
func (s *Site) results(rq *request) error {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return err
	}
	r, err := s.d.Voting.Results(rq.r.Context(), rq.p, e.ID, c.ID)
	if err != nil {
		return err
	}
	base := contestURL(e.ID, c.ID)
	page := resultsPage{E: e, C: c, R: r, MethodLabel: methodLabel(c.Method), Threshold: thresholdLabel(c.Threshold),
		Winners: r.Winners, ElectionURL: electionURL(e.ID), BLTURL: base + "/ballots.blt", CSVURL: base + "/ballots.csv",
		SeedText: strconv.FormatInt(r.Seed, 10)}
	if !c.RollCall {
		page.ReceiptURL = base + "/receipt"
	}
	page.Passed = r.Passed != nil && *r.Passed
	if c.Method == voting.MethodYesNo {
		page.Recount = "chapterhouse tally --method plurality ballots.blt"
	} else {
		page.Recount = fmt.Sprintf("chapterhouse tally --method %s --seed %d ballots.blt", c.Method, r.Seed)
	}
	for _, tb := range r.Result.TieBreaks {
		page.TieBreaks = append(page.TieBreaks, fmt.Sprintf("Round %d: a tie between %s was broken by %s; the tie-break chose %s.",
			tb.Round, joinOthers(tb.Between, ""), tb.Reason, tb.Chosen))
	}
	names := candidateOrder(c, r)
	page.Rounds = buildRoundTable(names, r)
	page.Charts, err = buildCharts(names, r)
	if err != nil {
		return err
	}
	return s.render(rq, http.StatusOK, "results", "Results: "+c.Title, page)
}

// candidateOrder lists the candidates for the round table: winners first
// in order of election, then the others in ballot order.
func candidateOrder(c voting.Contest, r voting.ContestResult) []string {
	names := slices.Clone(r.Winners)
	for _, k := range c.Candidates {
		if k.BallotIndex >= 0 && !slices.Contains(names, k.Name) {
			names = append(names, k.Name)
		}
	}
	// A name the count reports that the contest view lacks still shows.
	for _, round := range r.Result.Rounds {
		var extra []string
		for n := range round.Tally {
			if !slices.Contains(names, n) {
				extra = append(extra, n)
			}
		}
		slices.Sort(extra)
		names = append(names, extra...)
	}
	return names
}

func buildRoundTable(names []string, r voting.ContestResult) roundTable {
	var t roundTable
	hasQuota := r.Result.Quota != ""
	for _, round := range r.Result.Rounds {
		t.Numbers = append(t.Numbers, round.Number)
		t.Exhausted = append(t.Exhausted, round.Exhausted)
		t.Notes = append(t.Notes, round.Note)
		q := round.Quota
		if q == "" {
			q = r.Result.Quota
		}
		if q != "" {
			hasQuota = true
		}
		t.Quotas = append(t.Quotas, q)
	}
	if !hasQuota {
		t.Quotas = nil
	}
	for _, n := range names {
		row := roundRow{Name: n, Elected: slices.Contains(r.Winners, n)}
		for _, round := range r.Result.Rounds {
			cell := roundCell{Votes: round.Tally[n]}
			switch {
			case slices.Contains(round.Elected, n):
				cell.Mark = "elected"
			case slices.Contains(round.Eliminated, n):
				cell.Mark = "eliminated"
			}
			row.Cells = append(row.Cells, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// receiptCheckPage is the data of receipt_check.html.
type receiptCheckPage struct {
	E       voting.Election
	C       voting.Contest
	Form    *form
	Checked *voting.ReceiptCheck
	Ranked  bool
	Closed  bool
	BLTURL  string
	CSVURL  string
}

func (s *Site) receiptForm(rq *request, action string) *form {
	return &form{Action: action, Submit: "Check receipt", CSRF: rq.p.CSRFToken(), Fields: []field{
		{ID: "receipt", Name: "receipt", Label: "Receipt", Type: "text", Required: true, Autocomplete: "off",
			Hint: "The code you were given when you voted, with or without the dashes."},
	}}
}

// receiptCheck is GET /elections/{id}/contests/{cid}/receipt: the form.
func (s *Site) receiptCheck(rq *request) error {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return err
	}
	if c.RollCall {
		return errs.Conflictf("a roll-call contest has no receipts: its votes are published with the voters' names")
	}
	return s.renderReceiptCheck(rq, http.StatusOK, e, c, s.receiptForm(rq, contestURL(e.ID, c.ID)+"/receipt"), nil)
}

func (s *Site) renderReceiptCheck(rq *request, status int, e voting.Election, c voting.Contest, f *form, got *voting.ReceiptCheck) error {
	base := contestURL(e.ID, c.ID)
	closed := e.State == voting.StateClosed || e.State == voting.StateCertified
	page := receiptCheckPage{E: e, C: c, Form: f, Checked: got, Ranked: kindOf(c.Method) == kindRanked, Closed: closed}
	if closed {
		page.BLTURL, page.CSVURL = base+"/ballots.blt", base+"/ballots.csv"
	}
	return s.render(rq, status, "receipt_check", "Check a receipt: "+c.Title, page)
}

// checkReceipt is POST /elections/{id}/contests/{cid}/receipt. The
// receipt travels in the body, not the URL, so it stays out of logs and
// history.
func (s *Site) checkReceipt(rq *request) error {
	e, c, err := s.loadContest(rq)
	if err != nil {
		return err
	}
	f := s.receiptForm(rq, contestURL(e.ID, c.ID)+"/receipt")
	f.fill(rq.r)
	got, err := s.d.Voting.CheckReceipt(rq.r.Context(), rq.p, e.ID, c.ID, rq.r.PostFormValue("receipt"))
	if err == nil {
		return s.renderReceiptCheck(rq, http.StatusOK, e, c, f, &got)
	}
	ee := errs.As(err)
	if ee != nil && ee.Kind == errs.NotFound && strings.Contains(ee.Msg, "receipt") {
		f.Fields[0].Error = "No ballot with this receipt is in this contest. Check that you typed it as shown, and that it is for this contest."
		return s.renderReceiptCheck(rq, http.StatusNotFound, e, c, f, nil)
	}
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	return s.renderReceiptCheck(rq, status, e, c, f, nil)
}

// downloadBallots serves GET .../ballots.blt and .../ballots.csv: the
// anonymised ballots of a closed contest.
func (s *Site) downloadBallots(format string) handlerFunc {
	return func(rq *request) error {
		e, c, err := s.loadContest(rq)
		if err != nil {
			return err
		}
		var b []byte
		ctype := "text/csv; charset=utf-8"
		if format == "blt" {
			b, err = s.d.Voting.BLT(rq.r.Context(), rq.p, e.ID, c.ID)
			ctype = "text/plain; charset=utf-8"
		} else {
			b, err = s.d.Voting.CSV(rq.r.Context(), rq.p, e.ID, c.ID)
		}
		if err != nil {
			return err
		}
		rq.w.Header().Set("Content-Type", ctype)
		rq.w.Header().Set("Content-Disposition", `attachment; filename="ballots-`+c.ID.String()+`.`+format+`"`)
		rq.w.WriteHeader(http.StatusOK)
		_, _ = rq.w.Write(b)
		return nil
	}
}
