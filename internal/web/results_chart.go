package web

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// roundChart is one round of a count drawn as horizontal bars, rendered
// as inline SVG by results.html. Coordinates are in the SVG's viewBox
// units; vote figures stay the count's decimal strings, and bar lengths
// are computed from them with exact rationals (never floats).
type roundChart struct {
	Number          int
	TitleID, DescID string
	Title, Desc     string
	Width, Height   int
	BarH            int
	Bars            []chartBar
	// Quota is the quota's figure ("" for none); QuotaX its line's x, and
	// QuotaLabelX where its label starts.
	Quota       string
	QuotaX      int
	QuotaAnchor string
	BarTop      int
}

// chartBar is one candidate's (or the exhausted vote's) bar.
type chartBar struct {
	Name  string
	Votes string
	Mark  string // "elected", "eliminated", "exhausted" or ""
	NameY int
	BarY  int
	BarW  int
	TextX int
	TextY int
	// NameText is the name with its mark, shown above the bar; Label is
	// the figure shown after it.
	NameText string
	Label    string
}

// Chart geometry, in viewBox units.
const (
	chartWidth   = 360
	chartLeft    = 2
	chartValueW  = 104 // room after the longest bar for its figure
	chartRowH    = 46
	chartBarH    = 16
	chartQuotaH  = 24
	chartBarArea = chartWidth - chartLeft - chartValueW
)

// decimal parses a count's decimal string; empty or malformed is zero
// (the round table shows the text as it is).
func decimal(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return new(big.Rat)
	}
	return r
}

// barLength scales v against max onto width units, rounded down.
func barLength(v, max *big.Rat, width int) int {
	if max.Sign() <= 0 || v.Sign() <= 0 {
		return 0
	}
	q := new(big.Rat).Mul(v, big.NewRat(int64(width), 1))
	q.Quo(q, max)
	n := new(big.Int).Quo(q.Num(), q.Denom())
	if !n.IsInt64() || n.Int64() > int64(width) {
		return width
	}
	return int(n.Int64())
}

// buildCharts draws each round of r. names orders the candidates; a
// candidate not in a round's tally (out of the count) has no bar in it.
// All rounds share one scale so they can be compared.
func buildCharts(names []string, r voting.ContestResult) ([]roundChart, error) {
	scale := new(big.Rat)
	bigger := func(s string) {
		if v := decimal(s); v.Cmp(scale) > 0 {
			scale = v
		}
	}
	bigger(r.Result.Quota)
	for _, round := range r.Result.Rounds {
		bigger(round.Quota)
		bigger(round.Exhausted)
		for _, v := range round.Tally {
			bigger(v)
		}
	}
	var out []roundChart
	elected := map[string]bool{}
	for i, round := range r.Result.Rounds {
		ch := roundChart{Number: round.Number, TitleID: fmt.Sprintf("chart-%d-title", i+1),
			DescID: fmt.Sprintf("chart-%d-desc", i+1), Title: fmt.Sprintf("Round %d", round.Number), Width: chartWidth, BarH: chartBarH}
		ch.Quota = round.Quota
		if ch.Quota == "" {
			ch.Quota = r.Result.Quota
		}
		if ch.Quota != "" {
			ch.BarTop = chartQuotaH
		}
		for _, n := range round.Elected {
			elected[n] = true
		}
		var desc []string
		if ch.Quota != "" {
			desc = append(desc, "Quota "+ch.Quota+".")
		}
		y := ch.BarTop
		add := func(name, votes, mark string) {
			b := chartBar{Name: name, Votes: votes, Mark: mark, NameY: y + 16, BarY: y + 23,
				BarW: barLength(decimal(votes), scale, chartBarArea)}
			b.TextX = chartLeft + b.BarW + 6
			b.TextY = b.BarY + chartBarH - 3
			b.Label, b.NameText = votes, name
			if mark != "" && mark != "exhausted" {
				b.NameText += " (" + mark + ")"
			}
			ch.Bars = append(ch.Bars, b)
			d := name + ": " + votes
			if mark != "" && mark != "exhausted" {
				d += " (" + mark + ")"
			}
			desc = append(desc, d+".")
			y += chartRowH
		}
		for _, n := range names {
			v, ok := round.Tally[n]
			if !ok {
				continue
			}
			mark := ""
			switch {
			case slices.Contains(round.Eliminated, n):
				mark = "eliminated"
			case elected[n]:
				mark = "elected"
			}
			add(n, v, mark)
		}
		if round.Exhausted != "" && decimal(round.Exhausted).Sign() > 0 {
			add("Exhausted", round.Exhausted, "exhausted")
		}
		ch.Height = y + 6
		if ch.Quota != "" {
			ch.QuotaX = chartLeft + barLength(decimal(ch.Quota), scale, chartBarArea)
			ch.QuotaAnchor = "middle"
			switch {
			case ch.QuotaX < 60:
				ch.QuotaAnchor = "start"
			case ch.QuotaX > chartWidth-60:
				ch.QuotaAnchor = "end"
			}
		}
		ch.Desc = strings.Join(desc, " ")
		out = append(out, ch)
	}
	return out, nil
}
