package web

import (
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

func TestBarLength(t *testing.T) {
	for _, tc := range []struct {
		v, max string
		want   int
	}{
		{"0", "10", 0}, {"10", "10", 200}, {"5", "10", 100}, {"3.333333333", "10", 66},
		{"1", "0", 0}, {"", "10", 0}, {"not a number", "10", 0}, {"20", "10", 200},
		{"12345678901234567890.5", "12345678901234567890.5", 200},
	} {
		if got := barLength(decimal(tc.v), decimal(tc.max), 200); got != tc.want {
			t.Errorf("barLength(%s, %s) = %d, want %d", tc.v, tc.max, got, tc.want)
		}
	}
}

func TestBuildCharts(t *testing.T) {
	r := voting.ContestResult{Winners: []string{"A"}, Result: tally.Result{Quota: "5", Rounds: []tally.Round{
		{Number: 1, Tally: map[string]string{"A": "4", "B": "3", "C": "2"}, Eliminated: []string{"C"}, Exhausted: "0"},
		{Number: 2, Tally: map[string]string{"A": "5", "B": "3"}, Elected: []string{"A"}, Exhausted: "1"},
	}}}
	charts, err := buildCharts([]string{"A", "B", "C"}, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 {
		t.Fatalf("%d charts, want 2", len(charts))
	}
	c1, c2 := charts[0], charts[1]
	if len(c1.Bars) != 3 || len(c2.Bars) != 3 { // round 2: A, B and Exhausted
		t.Fatalf("bars %d and %d, want 3 and 3", len(c1.Bars), len(c2.Bars))
	}
	// One scale for every round: the largest figure (A's 5 = the quota)
	// fills the bar area.
	if c2.Bars[0].BarW != chartBarArea || c2.QuotaX != chartLeft+chartBarArea {
		t.Errorf("A's bar %d and quota at %d, want %d and %d", c2.Bars[0].BarW, c2.QuotaX, chartBarArea, chartLeft+chartBarArea)
	}
	if c1.Bars[0].BarW != chartBarArea*4/5 {
		t.Errorf("round 1 A's bar %d, want %d", c1.Bars[0].BarW, chartBarArea*4/5)
	}
	if c1.Bars[2].Mark != "eliminated" || c2.Bars[0].Mark != "elected" || c2.Bars[2].Mark != "exhausted" {
		t.Errorf("marks %q %q %q", c1.Bars[2].Mark, c2.Bars[0].Mark, c2.Bars[2].Mark)
	}
	for _, want := range []string{"Quota 5.", "A: 5 (elected).", "Exhausted: 1."} {
		if !strings.Contains(c2.Desc, want) {
			t.Errorf("round 2 description %q lacks %q", c2.Desc, want)
		}
	}
	if c2.Bars[1].NameY <= c2.Bars[0].BarY {
		t.Errorf("bars overlap: %+v", c2.Bars)
	}
}
