package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// ballotKind is how a contest's ballot is marked.
type ballotKind string

const (
	kindRanked ballotKind = "ranked" // a rank grid: one rank per candidate
	kindMarks  ballotKind = "marks"  // checkboxes (approval, plurality)
	kindSingle ballotKind = "single" // radios: exactly one (yes/no/abstain)
)

// kindOf returns the ballot kind of a counting method.
func kindOf(method string) ballotKind {
	switch method {
	case voting.MethodYesNo:
		return kindSingle
	case "plurality", "approval":
		return kindMarks
	}
	return kindRanked
}

// ballotCandidate is a candidate as the ballot form needs it.
type ballotCandidate struct {
	ID   uuid.UUID
	Name string
}

// ballotRules is what a submitted ballot form is checked against before
// the review step. The domain checks the ballot again when it is cast.
type ballotRules struct {
	Kind       ballotKind
	Candidates []ballotCandidate // in ballot order
	// MaxRanks is the number of rank columns (ranked); MaxMarks the most
	// boxes that may be ticked (marks; 0 for no limit).
	MaxRanks int
	MaxMarks int
}

// rulesOf returns the ballot rules of contest c: the candidates on the
// ballot in ballot order and the limits that apply.
func rulesOf(c voting.Contest) ballotRules {
	r := ballotRules{Kind: kindOf(c.Method)}
	for _, k := range c.Candidates {
		if k.BallotIndex >= 0 {
			r.Candidates = append(r.Candidates, ballotCandidate{ID: k.ID, Name: k.Name})
		}
	}
	switch r.Kind {
	case kindRanked:
		r.MaxRanks = len(r.Candidates)
		if c.MaxRanks > 0 && c.MaxRanks < r.MaxRanks {
			r.MaxRanks = c.MaxRanks
		}
	case kindMarks:
		if c.Method == "approval" {
			r.MaxMarks = c.ApprovalLimit
		} else {
			r.MaxMarks = c.Seats
		}
	}
	return r
}

// ballotChoice is what the voter chose for one candidate: a rank (ranked;
// 0 for not ranked) or a mark.
type ballotChoice struct {
	Rank   int
	Marked bool
}

// ballotForm is a submitted ballot as read from the form, valid or not:
// the choices per candidate (to show them again), the problems found, and
// when there are none the choices in the order the domain takes them.
type ballotForm struct {
	Choices map[uuid.UUID]ballotChoice
	// RowErrors are problems of one candidate's row; Errors are problems
	// of the ballot as a whole. Both are sentences for the voter.
	RowErrors map[uuid.UUID]string
	Errors    []string
	// Ordered is the ballot as the domain takes it (preference order for a
	// ranked method); nil when there are errors.
	Ordered []uuid.UUID
}

// Valid reports whether the form has no problems.
func (b *ballotForm) Valid() bool { return len(b.RowErrors) == 0 && len(b.Errors) == 0 }

// rankField is the form field of a candidate's rank in the grid.
func rankField(id uuid.UUID) string { return "rank_" + id.String() }

// parseBallot reads a ballot form against the rules. Ranked ballots come
// as one field rank_<candidate id> per candidate holding 1..MaxRanks or
// "" (not ranked); each rank may go to one candidate only, ranks must
// follow on from 1 without gaps, and none may be beyond MaxRanks. Marks
// come as the repeated field "choice" holding candidate ids, at most
// MaxMarks of them (when set); a single choice needs exactly one. An empty
// ranked or marked ballot is a blank ballot and is valid.
func parseBallot(r ballotRules, form url.Values) ballotForm {
	b := ballotForm{Choices: map[uuid.UUID]ballotChoice{}, RowErrors: map[uuid.UUID]string{}}
	switch r.Kind {
	case kindRanked:
		parseRanks(r, form, &b)
	default:
		parseMarks(r, form, &b)
	}
	if !b.Valid() {
		b.Ordered = nil
	}
	return b
}

func parseRanks(r ballotRules, form url.Values, b *ballotForm) {
	byRank := map[int][]ballotCandidate{}
	highest := 0
	for _, c := range r.Candidates {
		v := strings.TrimSpace(form.Get(rankField(c.ID)))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 1:
			b.RowErrors[c.ID] = fmt.Sprintf("%s: %q is not a rank. Choose a rank from 1 to %d, or not ranked.", c.Name, v, r.MaxRanks)
			continue
		case n > r.MaxRanks:
			b.RowErrors[c.ID] = fmt.Sprintf("%s: rank %d is beyond the last rank. You may rank at most %d candidates.", c.Name, n, r.MaxRanks)
			continue
		}
		b.Choices[c.ID] = ballotChoice{Rank: n}
		byRank[n] = append(byRank[n], c)
		highest = max(highest, n)
	}
	for n := 1; n <= highest; n++ {
		cs := byRank[n]
		switch {
		case len(cs) == 0:
			b.Errors = append(b.Errors, fmt.Sprintf("No candidate has rank %d, but a later rank is used. Number your choices 1, 2, 3 and so on without gaps.", n))
		case len(cs) > 1:
			names := make([]string, len(cs))
			for i, c := range cs {
				names[i] = c.Name
			}
			for _, c := range cs {
				b.RowErrors[c.ID] = fmt.Sprintf("%s: rank %d is also given to %s. Give each rank to one candidate only.",
					c.Name, n, joinOthers(names, c.Name))
			}
		default:
			b.Ordered = append(b.Ordered, cs[0].ID)
		}
	}
}

// joinOthers lists names other than self, "A", "A and B", "A, B and C".
func joinOthers(names []string, self string) string {
	var others []string
	skipped := false
	for _, n := range names {
		if n == self && !skipped {
			skipped = true
			continue
		}
		others = append(others, n)
	}
	switch len(others) {
	case 0:
		return "another candidate"
	case 1:
		return others[0]
	}
	return strings.Join(others[:len(others)-1], ", ") + " and " + others[len(others)-1]
}

func parseMarks(r ballotRules, form url.Values, b *ballotForm) {
	marked := map[string]bool{}
	for _, v := range form["choice"] {
		marked[strings.TrimSpace(v)] = true
	}
	known := 0
	for _, c := range r.Candidates {
		if marked[c.ID.String()] {
			known++
			b.Choices[c.ID] = ballotChoice{Marked: true}
			b.Ordered = append(b.Ordered, c.ID)
		}
	}
	if known != len(marked) {
		b.Errors = append(b.Errors, "The ballot names a choice that is not on it. Reload the ballot and mark it again.")
		return
	}
	switch r.Kind {
	case kindSingle:
		if known != 1 {
			b.Errors = append(b.Errors, "Choose exactly one answer.")
		}
	case kindMarks:
		if r.MaxMarks > 0 && known > r.MaxMarks {
			b.Errors = append(b.Errors, fmt.Sprintf("You marked %d choices; you may mark at most %d.", known, r.MaxMarks))
		}
	}
}

// ballotValues writes choices back as form values (the review page's
// hidden fields), so the ballot can be cast or changed as reviewed.
func ballotValues(r ballotRules, b ballotForm) url.Values {
	v := url.Values{}
	for _, c := range r.Candidates {
		ch, ok := b.Choices[c.ID]
		if !ok {
			continue
		}
		if r.Kind == kindRanked {
			v.Set(rankField(c.ID), strconv.Itoa(ch.Rank))
		} else if ch.Marked {
			v.Add("choice", c.ID.String())
		}
	}
	return v
}
