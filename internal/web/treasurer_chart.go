package web

import (
	"math/big"
	"strings"
	"time"
)

// moneyChart is a horizontal bar chart of amounts, one row per month,
// rendered as inline SVG by treasurer_income.html. Amounts are integer
// minor units; bar lengths are scaled with exact rationals by barLength,
// the results charts' scaler (never floats).
type moneyChart struct {
	ID, TitleID, DescID string
	Title, Desc         string
	Width, Height       int
	LabelW, BarH        int
	Rows                []moneyBar
}

// moneyBar is one row: its label at the left, its bar and its figure.
type moneyBar struct {
	Label, Value string
	Negative     bool
	Y, TextY     int
	BarW, ValueX int
}

// Income chart geometry, in viewBox units.
const (
	moneyChartWidth  = 400
	moneyChartLabelW = 74  // "Sept 2026"
	moneyChartValueW = 104 // room after the longest bar for its figure
	moneyChartRowH   = 26
	moneyChartBarH   = 18
	moneyChartTop    = 4
)

// newMoneyChart draws values (minor units of currency) against labels on a
// scale whose full bar is scale; a value at or below zero has no bar and
// its figure says it. id must be unique in the page.
func newMoneyChart(id, title string, labels []string, values []int64, scale int64, currency string) moneyChart {
	c := moneyChart{ID: id, TitleID: id + "-title", DescID: id + "-desc", Title: title, Width: moneyChartWidth,
		LabelW: moneyChartLabelW, BarH: moneyChartBarH}
	area := moneyChartWidth - moneyChartLabelW - moneyChartValueW
	max := big.NewRat(scale, 1)
	desc := make([]string, 0, len(values))
	y := moneyChartTop
	for i, v := range values {
		b := moneyBar{Label: labels[i], Value: formatMoney(v, currency), Negative: v < 0, Y: y,
			BarW: barLength(big.NewRat(v, 1), max, area)}
		b.TextY = y + moneyChartBarH - 4
		b.ValueX = moneyChartLabelW + b.BarW + 6
		c.Rows = append(c.Rows, b)
		desc = append(desc, labels[i]+": "+b.Value+".")
		y += moneyChartRowH
	}
	c.Height = y + moneyChartTop
	c.Desc = strings.Join(desc, " ")
	return c
}

// monthShort is a month's chart label: "Jan 2026".
func monthShort(m time.Time) string { return m.Format("Jan 2006") }
