package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestParseBallot(t *testing.T) {
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	cands := []ballotCandidate{{a, "A"}, {b, "B"}, {c, "C"}}
	ranked := ballotRules{Kind: kindRanked, Candidates: cands, MaxRanks: 3}
	limited := ballotRules{Kind: kindRanked, Candidates: cands, MaxRanks: 2}
	marks := ballotRules{Kind: kindMarks, Candidates: cands, MaxMarks: 2}
	single := ballotRules{Kind: kindSingle, Candidates: cands}
	rank := func(kv ...string) url.Values {
		v := url.Values{}
		ids := map[string]uuid.UUID{"A": a, "B": b, "C": c}
		for i := 0; i < len(kv); i += 2 {
			v.Set(rankField(ids[kv[i]]), kv[i+1])
		}
		return v
	}
	mark := func(ids ...uuid.UUID) url.Values {
		v := url.Values{}
		for _, id := range ids {
			v.Add("choice", id.String())
		}
		return v
	}
	for _, tc := range []struct {
		name    string
		rules   ballotRules
		form    url.Values
		ordered []uuid.UUID
		rowErr  []uuid.UUID // rows with an error
		errPart string      // part of a whole-ballot error
	}{
		{"full ranking", ranked, rank("A", "2", "B", "3", "C", "1"), []uuid.UUID{c, a, b}, nil, ""},
		{"partial ranking", ranked, rank("B", "1", "A", ""), []uuid.UUID{b}, nil, ""},
		{"blank", ranked, url.Values{}, nil, nil, ""},
		{"duplicate", ranked, rank("A", "1", "B", "1"), nil, []uuid.UUID{a, b}, ""},
		{"gap", ranked, rank("A", "1", "B", "3"), nil, nil, "No candidate has rank 2"},
		{"no first", ranked, rank("A", "2"), nil, nil, "No candidate has rank 1"},
		{"beyond the limit", limited, rank("A", "1", "B", "3"), nil, []uuid.UUID{b}, ""},
		{"not a number", ranked, rank("A", "x"), nil, []uuid.UUID{a}, ""},
		{"zero", ranked, rank("A", "0"), nil, []uuid.UUID{a}, ""},
		{"marks", marks, mark(c, a), []uuid.UUID{a, c}, nil, ""},
		{"too many marks", marks, mark(a, b, c), nil, nil, "at most 2"},
		{"unknown mark", marks, mark(uuid.New()), nil, nil, "not on it"},
		{"single", single, mark(b), []uuid.UUID{b}, nil, ""},
		{"single, none", single, url.Values{}, nil, nil, "exactly one"},
		{"single, two", single, mark(a, b), nil, nil, "exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseBallot(tc.rules, tc.form)
			if !slices.Equal(got.Ordered, tc.ordered) {
				t.Errorf("ordered %v, want %v", got.Ordered, tc.ordered)
			}
			for _, id := range tc.rowErr {
				if got.RowErrors[id] == "" {
					t.Errorf("no error on row %s; errors %v", id, got.RowErrors)
				}
			}
			if len(got.RowErrors) != len(tc.rowErr) {
				t.Errorf("row errors %v, want rows %v", got.RowErrors, tc.rowErr)
			}
			joined := strings.Join(got.Errors, " | ")
			if (tc.errPart == "") != (joined == "") || !strings.Contains(joined, tc.errPart) {
				t.Errorf("errors %q, want one containing %q", joined, tc.errPart)
			}
			wantValid := len(tc.rowErr) == 0 && tc.errPart == ""
			if got.Valid() != wantValid {
				t.Errorf("valid %v, want %v", got.Valid(), wantValid)
			}
			if wantValid {
				// The review page's hidden fields read back to the same ballot.
				again := parseBallot(tc.rules, ballotValues(tc.rules, got))
				if !slices.Equal(again.Ordered, got.Ordered) {
					t.Errorf("round trip %v, want %v", again.Ordered, got.Ordered)
				}
			}
		})
	}
}

func TestJoinOthers(t *testing.T) {
	for _, tc := range []struct {
		names []string
		self  string
		want  string
	}{
		{[]string{"A", "B"}, "A", "B"},
		{[]string{"A", "B", "C"}, "B", "A and C"},
		{[]string{"A", "B", "C", "D"}, "", "A, B, C and D"},
		{[]string{"A"}, "A", "another candidate"},
	} {
		if got := joinOthers(tc.names, tc.self); got != tc.want {
			t.Errorf("joinOthers(%v, %q) = %q, want %q", tc.names, tc.self, got, tc.want)
		}
	}
}
