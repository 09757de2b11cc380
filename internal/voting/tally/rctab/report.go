package rctab

import (
	"slices"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Report is RCTab's detailed report ("*_detailed_report.json"). Its JSON
// encoding has RCTab's shape and key names; vote figures are decimal strings
// printed as java.math.BigDecimal.toString prints them, so a report compares
// field by field with RCTab's own output.
type Report struct {
	Config            ReportConfig  `json:"config"`
	JSONFormatVersion string        `json:"jsonFormatVersion"`
	Results           []RoundReport `json:"results"`
	Summary           Summary       `json:"summary"`

	// Passes holds every pass of a multiPassIrv contest (this report is
	// Passes[0]); nil otherwise.
	Passes []*Report `json:"-"`

	result tally.Result
}

// ReportConfig is the report's config section.
type ReportConfig struct {
	Contest      string `json:"contest"`
	Date         string `json:"date"`
	GeneratedBy  string `json:"generatedBy"`
	Jurisdiction string `json:"jurisdiction"`
	Office       string `json:"office"`
}

// RoundReport is one entry of results[].
type RoundReport struct {
	InactiveBallots map[string]string `json:"inactiveBallots"`
	Round           int               `json:"round"`
	Tally           map[string]string `json:"tally"`
	TallyResults    []TallyResult     `json:"tallyResults"`
	Threshold       string            `json:"threshold"`
}

// TallyResult is one elected or eliminated action with the votes it moved.
type TallyResult struct {
	Elected    string            `json:"elected,omitempty"`
	Eliminated string            `json:"eliminated,omitempty"`
	Transfers  map[string]string `json:"transfers"`
}

// Summary is the report's summary section.
type Summary struct {
	FinalThreshold  string `json:"finalThreshold"`
	NumCandidates   int    `json:"numCandidates"`
	NumWinners      int    `json:"numWinners"`
	TotalNumBallots string `json:"totalNumBallots"`
	Undervotes      int64  `json:"undervotes"`
}

// GeneratedBy is written in config.generatedBy.
const GeneratedBy = "Chapterhouse RCTab-compatible tabulator"

// Result returns the count in the shared tally.Result form: method "irv",
// rounds with tallies, elected, eliminated, exhausted (all inactive
// ballots, cumulative), transfers and tie-breaks; Seed is set when the
// count drew a random number or generated a permutation. For a multiPassIrv
// contest the passes' rounds follow one another and Elected lists each
// pass's winner.
func (r *Report) Result() tally.Result {
	if len(r.Passes) > 1 {
		out := r.Passes[0].result
		out.Rounds = slices.Clone(out.Rounds)
		out.Elected = slices.Clone(out.Elected)
		out.TieBreaks = slices.Clone(out.TieBreaks)
		offset := len(out.Rounds)
		for _, p := range r.Passes[1:] {
			for _, rd := range p.result.Rounds {
				rd.Number += offset
				rd.Note = strings.TrimSpace("pass " + itoa(len(out.Elected)+1) + ". " + rd.Note)
				out.Rounds = append(out.Rounds, rd)
			}
			for _, tb := range p.result.TieBreaks {
				tb.Round += offset
				out.TieBreaks = append(out.TieBreaks, tb)
			}
			offset = len(out.Rounds)
			out.Elected = append(out.Elected, p.result.Elected...)
			if p.result.Seed != nil {
				out.Seed = p.result.Seed
			}
		}
		out.Seats = len(r.Passes)
		return out
	}
	return r.result
}

// buildReport turns a finished count into the report.
func (e *engine) buildReport(cfg ReportConfig) *Report {
	rep := &Report{Config: cfg, JSONFormatVersion: "1"}
	winByRound := e.hashOrderedByRound(e.winOrder, e.wonRound)
	elimByRound := e.hashOrderedByRound(e.elimOrder, e.elimRound)
	res := tally.Result{Method: "irv", Seats: e.r.numWinners, Elected: []string{}, TieBreaks: []tally.TieBreak{}}
	for i, rt := range e.rounds {
		round := i + 1
		rr := RoundReport{Round: round, Tally: map[string]string{}, TallyResults: []TallyResult{}, Threshold: rt.threshold.String()}
		for c, p := range rt.present {
			if p {
				rr.Tally[e.names[c]] = rt.tally[c].String()
			}
		}
		rr.InactiveBallots = map[string]string{
			"overvotes":        rt.statuses[stOvervote].String(),
			"skippedRankings":  rt.statuses[stSkipped].String(),
			"exhaustedChoices": rt.statuses[stExhausted].String(),
			"repeatedRankings": rt.statuses[stRepeated].String(),
		}
		if e.usesSurpluses() && round == len(e.rounds) {
			rr.InactiveBallots["finalRoundSurplus"] = rt.statuses[stFinalSurplus].String()
		}
		tr := tally.Round{Number: round, Tally: rr.Tally, Elected: []string{}, Eliminated: []string{}}
		inactive := Dec{}
		for st := stOvervote; st < nStatus; st++ {
			inactive = inactive.Add(rt.statuses[st])
		}
		tr.Exhausted = inactive.String()
		add := func(kind string, cands []int32) {
			for _, c := range cands {
				a := TallyResult{Transfers: map[string]string{}}
				t := tally.Transfer{From: e.names[c], To: map[string]string{}}
				for to, v := range e.transfers[round+1][c] {
					a.Transfers[to] = v.String()
					t.To[to] = v.String()
				}
				if kind == "elected" {
					a.Elected = e.names[c]
					tr.Elected = append(tr.Elected, e.names[c])
					res.Elected = append(res.Elected, e.names[c])
				} else {
					a.Eliminated = e.names[c]
					tr.Eliminated = append(tr.Eliminated, e.names[c])
				}
				rr.TallyResults = append(rr.TallyResults, a)
				if len(t.To) > 0 {
					tr.Transfers = append(tr.Transfers, t)
				}
			}
		}
		add("elected", winByRound[round])
		add("eliminated", elimByRound[round])
		if round <= len(e.residual) && e.residual[i].Sign() > 0 {
			tr.Note = "residual surplus " + e.residual[i].String()
		}
		rep.Results = append(rep.Results, rr)
		res.Rounds = append(res.Rounds, tr)
	}
	first := e.rounds[0]
	total := Dec{}
	for _, v := range first.statuses {
		total = total.Add(v)
	}
	last := e.rounds[len(e.rounds)-1]
	und := first.statuses[stNoRankings]
	rep.Summary = Summary{
		FinalThreshold:  last.threshold.String(),
		NumCandidates:   len(e.names),
		NumWinners:      e.r.numWinners,
		TotalNumBallots: total.String(),
		Undervotes:      und.V / pow10[und.S],
	}
	res.Quota = last.threshold.String()
	res.TieBreaks = append(res.TieBreaks, e.tieBreaks...)
	if e.usedRand || (e.r.tiebreak == TieGeneratePermutation && e.r.seed != nil) {
		s := *e.r.seed
		res.Seed = &s
	}
	rep.result = res
	return rep
}

// hashOrderedByRound lists, per round, the candidates elected or eliminated
// in it, sorted by name as RCTab 2.0's report lists them.
func (e *engine) hashOrderedByRound(inserted []int32, roundOf []int) map[int][]int32 {
	sorted := slices.Clone(inserted)
	slices.SortStableFunc(sorted, func(a, b int32) int { return javaCompareStrings(e.names[a], e.names[b]) })
	out := map[int][]int32{}
	for _, c := range sorted {
		out[roundOf[c]] = append(out[roundOf[c]], c)
	}
	return out
}
