package stv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/conformance"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/blt"
)

// droopDir returns ../shared/conformance/droop relative to the module
// root, skipping the test when it is absent.
func droopDir(t testing.TB) string {
	t.Helper()
	return conformance.Dir(t, "droop")
}

type droopRecord struct {
	BLT            string   `json:"blt"`
	Variant        string   `json:"variant"`
	Report         string   `json:"report"`
	Seats          string   `json:"seats"`
	Ballots        string   `json:"ballots"`
	Quota          string   `json:"quota"`
	ElectedInOrder []string `json:"elected_in_order"`
	FinalElected   []struct {
		Name      string `json:"name"`
		FinalVote string `json:"final_vote"`
	} `json:"final_elected"`
	Defeated []string `json:"defeated"`
	Actions  []string `json:"actions"`
}

var variantRules = map[string]Rule{
	"scotland-fixed-p5-d5":       Scottish,
	"wigm-prf-fixed-p4-d4":       WIGMPRF,
	"wigm-prf-batch-fixed-p4-d4": WIGMPRFBatch,
	"meek-prf-o6-fixed-p9-d9":    MeekPRF,
}

func loadRecords(t testing.TB) (string, []droopRecord) {
	d := droopDir(t)
	data, err := os.ReadFile(filepath.Join(d, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []droopRecord
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatal(err)
	}
	return d, recs
}

// loadContest reads a conformance ballot file and the options Droop would
// count it with: its [tie] order, or else Droop's default tie order, the
// order of the candidates in the file.
func loadContest(t testing.TB, dir, name string) (*blt.File, Options) {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, "blt", name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := blt.Read(fh)
	if err != nil {
		t.Fatal(err)
	}
	order := f.TieOrder
	if order == nil {
		for i := range f.Contest.Candidates {
			order = append(order, i)
		}
	}
	return f, Options{TieOrder: order}
}

func TestConformanceDroop(t *testing.T) {
	dir, recs := loadRecords(t)
	type tallyRow struct{ records, match, withReport int }
	table := map[string]*tallyRow{}
	for _, rec := range recs {
		rule, ok := variantRules[rec.Variant]
		if !ok {
			continue
		}
		row := table[rec.Variant]
		if row == nil {
			row = &tallyRow{}
			table[rec.Variant] = row
		}
		row.records++
		t.Run(rec.Variant+"/"+rec.BLT, func(t *testing.T) {
			f, opts := loadContest(t, dir, rec.BLT)
			res, err := Count(f.Contest, rule, opts)
			if err != nil {
				t.Fatal(err)
			}
			var problems []string
			problems = append(problems, compareRecord(rec, res)...)
			if rec.Report != "" {
				path := filepath.Join(dir, "reports", rec.Report)
				if _, err := os.Stat(path); err == nil {
					row.withReport++
					problems = append(problems, compareReport(t, path, rule, res)...)
				}
			}
			for _, p := range problems {
				t.Error(p)
			}
			if len(problems) == 0 {
				row.match++
			}
		})
	}
	var variants []string
	for v := range table {
		variants = append(variants, v)
	}
	slices.Sort(variants)
	for _, v := range variants {
		r := table[v]
		t.Logf("%-28s records %2d  match %2d  (round figures checked against %d reports)", v, r.records, r.match, r.withReport)
	}
}

func compareRecord(rec droopRecord, res tally.Result) []string {
	var out []string
	var wantElected []string
	for _, n := range rec.ElectedInOrder {
		if !slices.Contains(wantElected, n) {
			wantElected = append(wantElected, n)
		}
	}
	// expected.json trims names here (Droop keeps "Kieran Wild " as the
	// ballot file spells it, and the actions do too).
	gotElected := make([]string, len(res.Elected))
	for i, n := range res.Elected {
		gotElected[i] = strings.TrimSpace(n)
	}
	if !slices.Equal(gotElected, wantElected) {
		out = append(out, fmt.Sprintf("elected %q, want %q", res.Elected, wantElected))
	}
	// Droop's report header shows the quota the count began with (for Meek
	// the quota changes each iteration; Result.Quota is the final one).
	if initial := initialQuota(res); initial != rec.Quota {
		out = append(out, fmt.Sprintf("initial quota %s, want %s", initial, rec.Quota))
	}
	last := res.Rounds[len(res.Rounds)-1]
	for _, fe := range rec.FinalElected {
		if got := last.Tally[fe.Name]; got != fe.FinalVote {
			out = append(out, fmt.Sprintf("final vote of %s: %s, want %s", fe.Name, got, fe.FinalVote))
		}
	}
	var defeated []string
	for _, r := range res.Rounds {
		defeated = append(defeated, r.Eliminated...)
	}
	want := slices.Clone(rec.Defeated)
	slices.Sort(defeated)
	slices.Sort(want)
	if !slices.Equal(defeated, want) {
		out = append(out, fmt.Sprintf("defeated %q, want %q", defeated, want))
	}
	var wantActions []string
	for _, a := range rec.Actions {
		if strings.HasPrefix(a, "Elect pending") {
			continue // Droop logs a pending candidate's election twice
		}
		wantActions = append(wantActions, normalizeAction(a))
	}
	got := resultActions(res)
	if !slices.Equal(got, wantActions) {
		out = append(out, fmt.Sprintf("actions\n got %q\nwant %q", got, wantActions))
	}
	return out
}

func initialQuota(res tally.Result) string {
	for _, n := range res.Notes {
		if q, ok := strings.CutPrefix(n, "initial quota "); ok {
			return q
		}
	}
	return res.Quota
}

func normalizeAction(a string) string {
	head, rest, _ := strings.Cut(a, ": ")
	switch {
	case strings.HasPrefix(head, "Break tie"):
		// "Break tie (defeat): [A, B] -> A"
		i := strings.Index(a, "): [")
		return "tie: " + a[i+3:]
	case strings.HasPrefix(head, "Elect"):
		return "elect: " + rest
	case strings.HasPrefix(head, "Defeat"):
		return "defeat: " + rest
	}
	return a
}

// resultActions lists a result's actions in order: per round, elections,
// then tie-breaks, then defeats.
func resultActions(res tally.Result) []string {
	var out []string
	for _, r := range res.Rounds {
		for _, n := range r.Elected {
			out = append(out, "elect: "+n)
		}
		for _, tb := range res.TieBreaks {
			if tb.Round == r.Number {
				out = append(out, fmt.Sprintf("tie: [%s] -> %s", strings.Join(tb.Between, ", "), tb.Chosen))
			}
		}
		for _, n := range r.Eliminated {
			out = append(out, "defeat: "+n)
		}
	}
	return out
}

// droopState is one candidate listing of a Droop report.
type droopState struct {
	action   string
	round    int
	votes    map[string]string // every listed candidate
	active   map[string]bool   // elected, pending or hopeful
	nontrans string
	residual string
	quota    string
}

var candLine = regexp.MustCompile(`^\t(Elected|Pending|Hopeful|Defeated):\s+(.*) \(([0-9.]+)\)$`)

func parseReport(t *testing.T, path string) []droopState {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var states []droopState
	var cur *droopState
	round := 0
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Round "):
			fmt.Sscanf(line, "Round %d:", &round)
		case strings.HasPrefix(line, "Action: "):
			states = append(states, droopState{action: strings.TrimPrefix(line, "Action: "), round: round,
				votes: map[string]string{}, active: map[string]bool{}})
			cur = &states[len(states)-1]
		case cur == nil:
		case candLine.MatchString(line):
			m := candLine.FindStringSubmatch(line)
			names := []string{m[2]}
			if m[1] == "Defeated" {
				names = strings.Split(m[2], ", ")
			}
			for _, n := range names {
				cur.votes[n] = m[3]
				if m[1] != "Defeated" {
					cur.active[n] = true
				}
			}
		case strings.HasPrefix(line, "\tNontransferable votes: "):
			cur.nontrans = strings.TrimPrefix(line, "\tNontransferable votes: ")
		case strings.HasPrefix(line, "\tResidual: "):
			cur.residual = strings.TrimPrefix(line, "\tResidual: ")
		case strings.HasPrefix(line, "\tQuota: "):
			cur.quota = strings.TrimPrefix(line, "\tQuota: ")
		}
	}
	return states
}

// compareTally checks a round's tally against a report state: every
// candidate in the tally has the reported votes, and every elected,
// pending or hopeful candidate of the report is in the tally.
func compareTally(label string, r tally.Round, s droopState, gone map[string]bool) []string {
	var out []string
	for n, v := range r.Tally {
		if s.votes[n] != v {
			out = append(out, fmt.Sprintf("%s: %s has %s, report (%s) has %q", label, n, v, s.action, s.votes[n]))
		}
	}
	for n := range s.active {
		if _, ok := r.Tally[n]; !ok && !gone[n] {
			out = append(out, fmt.Sprintf("%s: %s missing from tally (report %s)", label, n, s.action))
		}
	}
	return out
}

func compareReport(t *testing.T, path string, rule Rule, res tally.Result) []string {
	states := parseReport(t, path)
	var out []string
	if rule.kind == kindMeekPRF {
		byRound := map[int]droopState{}
		maxRound := 0
		var final droopState
		for _, s := range states {
			if s.action == "Count Complete" {
				final = s
			}
			if s.round == 0 || len(s.votes) == 0 {
				continue
			}
			if !strings.HasPrefix(s.action, "Elect: ") && !strings.HasPrefix(s.action, "Defeat (") {
				continue
			}
			if _, seen := byRound[s.round]; !seen {
				byRound[s.round] = s
				maxRound = max(maxRound, s.round)
			}
		}
		if len(res.Rounds) < maxRound {
			return append(out, fmt.Sprintf("%d rounds, report has %d", len(res.Rounds), maxRound))
		}
		for n := 1; n <= maxRound; n++ {
			r, s := res.Rounds[n-1], byRound[n]
			label := fmt.Sprintf("round %d", n)
			out = append(out, compareTally(label, r, s, nil)...)
			if r.Quota != s.quota {
				out = append(out, fmt.Sprintf("%s: quota %s, report %s", label, r.Quota, s.quota))
			}
			if r.Exhausted != s.residual {
				out = append(out, fmt.Sprintf("%s: residual %s, report %s", label, r.Exhausted, s.residual))
			}
		}
		last := res.Rounds[len(res.Rounds)-1]
		for _, n := range last.Elected {
			if last.Tally[n] != final.votes[n] {
				out = append(out, fmt.Sprintf("final: %s has %s, report %s", n, last.Tally[n], final.votes[n]))
			}
		}
		return out
	}
	// WIGM: the report's states are the first count and the state after
	// each transfer; a round's tally is the state before its action.
	var wstates []droopState
	for _, s := range states {
		if s.action == "Begin Count" || strings.HasPrefix(s.action, "Surplus transferred") || strings.HasPrefix(s.action, "Transfer defeated") {
			wstates = append(wstates, s)
		}
	}
	k := 0
	gone := map[string]bool{} // defeated in an earlier round
	var residue int64
	f := newFixed(rule.prec)
	for i, r := range res.Rounds {
		if i > 0 && len(res.Rounds[i-1].Transfers) > 0 {
			k++
		}
		if k >= len(wstates) {
			return append(out, fmt.Sprintf("round %d: report has only %d states", r.Number, len(wstates)))
		}
		s := wstates[k]
		label := fmt.Sprintf("round %d", r.Number)
		out = append(out, compareTally(label, r, s, gone)...)
		if r.Exhausted != s.nontrans {
			out = append(out, fmt.Sprintf("%s: exhausted %s, report nontransferable %s", label, r.Exhausted, s.nontrans))
		}
		if got := f.format(residue); got != s.residual {
			out = append(out, fmt.Sprintf("%s: residue %s, report residual %s", label, got, s.residual))
		}
		for _, n := range r.Eliminated {
			gone[n] = true
		}
		for _, tr := range r.Transfers {
			residue += parseFixed(t, tr.To["residue"], rule.prec)
		}
	}
	if k != len(wstates)-1 {
		out = append(out, fmt.Sprintf("used %d of %d report states", k+1, len(wstates)))
	}
	return out
}

// parseFixed reads a decimal string with prec decimals ("" is zero).
func parseFixed(t testing.TB, s string, prec int) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) != prec {
		t.Fatalf("decimal %q does not have %d decimals", s, prec)
	}
	var v int64
	for _, ch := range whole + frac {
		if ch < '0' || ch > '9' {
			t.Fatalf("bad decimal %q", s)
		}
		v = v*10 + int64(ch-'0')
	}
	if neg {
		v = -v
	}
	return v
}
