package web

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// maxIncomeCharts bounds the per-chapter charts on the income page; the
// table always has every chapter.
const maxIncomeCharts = 12

// incomeReport is the data of treasurer_income.html.
type incomeReport struct {
	Rows      []incomeRow
	Total     incomeRow
	Chapters  int
	Charts    []moneyChart
	ChartNote string
}

// incomeRow is one chapter's month, every amount formatted.
type incomeRow struct {
	Chapter                             string
	Month                               time.Time
	Gross, Refunds, Disputes, Fees, Net string
	NetNegative                         bool
	Payers                              int64
}

// incomeReport is GET /treasurer/income: dues income by chapter and month
// with a chart per chapter.
func (s *Site) incomeReport(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	ch, err := s.chapterChoices(rq)
	if err != nil {
		return err
	}
	q, f := s.parseReport(rq, "/treasurer/income", ch, true, true)
	v := treasurerView{Key: "income", Filter: f, Scope: ch.scopeLabel(q.chapter), Period: q.periodLabel()}
	if q.bad {
		return s.renderReport(rq, filterErrorStatus, "treasurer_income", "Dues income", v)
	}
	rows, err := d.Income(rq.r.Context(), rq.p, q.chapter, q.from, q.to())
	if err != nil {
		return err
	}
	v.CSVURL = csvURL("/treasurer/income.csv", rq.r)
	v.Report = buildIncome(rows, ch, q, d.Policy().Currency)
	return s.renderReport(rq, http.StatusOK, "treasurer_income", "Dues income", v)
}

// buildIncome arranges the income rows by chapter name then month, with
// totals and charts of gross income per month on one shared scale.
func buildIncome(rows []dues.IncomeRow, ch chapterChoices, q reportQuery, currency string) incomeReport {
	name := func(r dues.IncomeRow) string {
		if !r.ChapterID.Valid {
			return "No chapter"
		}
		return ch.nameOf(r.ChapterID.UUID)
	}
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b dues.IncomeRow) int {
		return cmp.Or(strings.Compare(name(a), name(b)), a.Month.Compare(b.Month))
	})
	var rep incomeReport
	var tg, tr, td, tf, tn, tp int64
	months := monthsOf(q.from, q.through)
	type series struct {
		name   string
		values map[time.Time]int64
		gross  int64
	}
	var all []*series
	byName := map[string]*series{}
	total := &series{name: "All chapters", values: map[time.Time]int64{}}
	for _, r := range rows {
		n := name(r)
		rep.Rows = append(rep.Rows, incomeRow{Chapter: n, Month: r.Month, Gross: formatMoney(r.Gross, r.Currency),
			Refunds: formatMoney(r.Refunds, r.Currency), Disputes: formatMoney(r.Disputes, r.Currency),
			Fees: formatMoney(r.Fees, r.Currency), Net: formatMoney(r.Net, r.Currency), NetNegative: r.Net < 0, Payers: r.Payers})
		tg, tr, td, tf, tn, tp = tg+r.Gross, tr+r.Refunds, td+r.Disputes, tf+r.Fees, tn+r.Net, tp+r.Payers
		sr := byName[n]
		if sr == nil {
			sr = &series{name: n, values: map[time.Time]int64{}}
			byName[n] = sr
			all = append(all, sr)
		}
		m := time.Date(r.Month.Year(), r.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
		sr.values[m] += r.Gross
		sr.gross += r.Gross
		total.values[m] += r.Gross
	}
	rep.Chapters = len(all)
	rep.Total = incomeRow{Chapter: "Total", Gross: formatMoney(tg, currency), Refunds: formatMoney(tr, currency),
		Disputes: formatMoney(td, currency), Fees: formatMoney(tf, currency), Net: formatMoney(tn, currency),
		NetNegative: tn < 0, Payers: tp}
	if len(rows) == 0 {
		return rep
	}
	labels := make([]string, len(months))
	for i, m := range months {
		labels[i] = monthShort(m)
	}
	valuesOf := func(sr *series) []int64 {
		out := make([]int64, len(months))
		for i, m := range months {
			out[i] = sr.values[m]
		}
		return out
	}
	scaleOf := func(vals []int64) int64 {
		var m int64
		for _, v := range vals {
			m = max(m, v)
		}
		return m
	}
	if len(all) > 1 {
		vals := valuesOf(total)
		rep.Charts = append(rep.Charts, newMoneyChart("chart-total", "All chapters in this report", labels, vals, scaleOf(vals), currency))
	}
	// The per-chapter charts share one scale so they can be compared; the
	// largest chapters come first when there are too many to draw.
	shown := slices.Clone(all)
	if len(shown) > maxIncomeCharts {
		slices.SortStableFunc(shown, func(a, b *series) int { return cmp.Compare(b.gross, a.gross) })
		shown = shown[:maxIncomeCharts]
		rep.ChartNote = fmt.Sprintf("Charts show the %d chapters with the most income; the table has all %d.", maxIncomeCharts, len(all))
	}
	var scale int64
	for _, sr := range shown {
		scale = max(scale, scaleOf(valuesOf(sr)))
	}
	for i, sr := range shown {
		rep.Charts = append(rep.Charts, newMoneyChart(fmt.Sprintf("chart-%d", i+1), sr.name, labels, valuesOf(sr), scale, currency))
	}
	return rep
}

// incomeCSV is GET /treasurer/income.csv: the income report as the
// domain's CSV.
func (s *Site) incomeCSV(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q, err := s.strictReport(rq, true)
	if err != nil {
		return err
	}
	rows, err := d.Income(rq.r.Context(), rq.p, q.chapter, q.from, q.to())
	if err != nil {
		return err
	}
	return s.sendCSV(rq, "dues-income-"+q.from.Format(time.DateOnly)+"-"+q.through.Format(time.DateOnly)+".csv",
		func(w io.Writer) error { return dues.WriteIncomeCSV(w, rows) })
}

// strictReport parses a CSV download's chapter and period; a bad value is
// an Invalid error naming its parameter.
func (s *Site) strictReport(rq *request, withPeriod bool) (reportQuery, error) {
	v := rq.r.URL.Query()
	var q reportQuery
	if raw := strings.TrimSpace(v.Get("chapter")); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return q, errs.Field("chapter", "is not a chapter id")
		}
		q.chapter = &id
	}
	if !withPeriod {
		return q, nil
	}
	q.from, q.through = defaultPeriod(time.Now())
	if d, err := optionalDate("from", v.Get("from")); err != nil {
		return q, err
	} else if d != nil {
		q.from = *d
	}
	if d, err := optionalDate("through", v.Get("through")); err != nil {
		return q, err
	} else if d != nil {
		q.through = *d
	}
	if q.through.Before(q.from) {
		return q, errs.Field("through", "must not be before from")
	}
	return q, nil
}

// lapsesReport is the data of treasurer_lapses.html.
type lapsesReport struct {
	Within  int
	Lapsed  []lapseRow
	Lapsing []lapseRow
}

type lapseRow struct {
	MemberID       uuid.UUID
	Name           string
	Chapter        string
	Standing       string
	Since          time.Time
	CoveredThrough time.Time
}

// defaultLapseDays is how far ahead the lapse report looks by default.
const defaultLapseDays = 30

// lapsesReport is GET /treasurer/lapses: members lapsed today and members
// whose cover ends within the chosen number of days.
func (s *Site) lapsesReport(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	ch, err := s.chapterChoices(rq)
	if err != nil {
		return err
	}
	q, f := s.parseReport(rq, "/treasurer/lapses", ch, true, false)
	within, wf := withinField(rq.r.URL.Query().Get("within_days"))
	f.Fields = append(f.Fields, wf)
	v := treasurerView{Key: "lapses", Filter: f, Scope: ch.scopeLabel(q.chapter)}
	if q.bad || wf.Error != "" {
		return s.renderReport(rq, filterErrorStatus, "treasurer_lapses", "Lapsing and lapsed members", v)
	}
	rows, err := d.Lapses(rq.r.Context(), rq.p, q.chapter, within)
	if err != nil {
		return err
	}
	rep := lapsesReport{Within: within}
	for _, r := range rows {
		row := lapseRow{MemberID: r.ID, Name: strings.TrimSpace(r.GivenName + " " + r.FamilyName), Chapter: ch.nameOf(r.ChapterID),
			Standing: r.Standing, Since: r.Since, CoveredThrough: r.CoveredThrough}
		if r.Standing == dues.Lapsed {
			rep.Lapsed = append(rep.Lapsed, row)
		} else {
			rep.Lapsing = append(rep.Lapsing, row)
		}
	}
	v.Report = rep
	v.CSVURL = csvURL("/treasurer/lapses.csv", rq.r)
	return s.renderReport(rq, http.StatusOK, "treasurer_lapses", "Lapsing and lapsed members", v)
}

// withinField reads the lapse horizon in days (0 to 366; empty is the
// default) and returns its form field.
func withinField(raw string) (int, field) {
	f := field{ID: "within_days", Name: "within_days", Label: "Lapsing within (days)", Type: "number", Value: raw,
		Hint: "0 to 366."}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		f.Value = strconv.Itoa(defaultLapseDays)
		return defaultLapseDays, f
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > 366 {
		f.Error = "Enter a whole number of days from 0 to 366."
		return 0, f
	}
	return n, f
}

// lapsesCSV is GET /treasurer/lapses.csv.
func (s *Site) lapsesCSV(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q, err := s.strictReport(rq, false)
	if err != nil {
		return err
	}
	within, wf := withinField(rq.r.URL.Query().Get("within_days"))
	if wf.Error != "" {
		return errs.Field("within_days", "must be a whole number from 0 to 366")
	}
	rows, err := d.Lapses(rq.r.Context(), rq.p, q.chapter, within)
	if err != nil {
		return err
	}
	return s.sendCSV(rq, "dues-lapses.csv", func(w io.Writer) error { return dues.WriteLapsesCSV(w, rows) })
}

// refundsReport is the data of treasurer_refunds.html.
type refundsReport struct {
	Rows             []refundRow
	Amount, Fee, Net string
}

type refundRow struct {
	On               time.Time
	Kind             string
	MemberID         *uuid.UUID
	Chapter          string
	Amount, Fee, Net string
	Source, Charge   string
}

// refundKind says a ledger kind in words.
func refundKind(k string) string {
	switch k {
	case "refund":
		return "Refund"
	case "dispute":
		return "Dispute"
	case "dispute_reversal":
		return "Dispute won (reversal)"
	default:
		return k
	}
}

// refundsReport is GET /treasurer/refunds.
func (s *Site) refundsReport(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	ch, err := s.chapterChoices(rq)
	if err != nil {
		return err
	}
	q, f := s.parseReport(rq, "/treasurer/refunds", ch, true, true)
	v := treasurerView{Key: "refunds", Filter: f, Scope: ch.scopeLabel(q.chapter), Period: q.periodLabel()}
	if q.bad {
		return s.renderReport(rq, filterErrorStatus, "treasurer_refunds", "Refunds and disputes", v)
	}
	rows, err := d.RefundsAndDisputes(rq.r.Context(), rq.p, q.chapter, q.from, q.to())
	if err != nil {
		return err
	}
	cur := d.Policy().Currency
	var rep refundsReport
	var ta, tf, tn int64
	for _, r := range rows {
		row := refundRow{On: r.OccurredAt, Kind: refundKind(r.Kind), Amount: formatMoney(r.Amount, r.Currency),
			Fee: formatMoney(r.Fee, r.Currency), Net: formatMoney(r.Net, r.Currency), Source: r.SourceID, Chapter: "—"}
		if r.ChargeID != nil {
			row.Charge = *r.ChargeID
		}
		if r.MemberID.Valid {
			id := r.MemberID.UUID
			row.MemberID = &id
		}
		if r.ChapterID.Valid {
			row.Chapter = ch.nameOf(r.ChapterID.UUID)
		}
		ta, tf, tn = ta+r.Amount, tf+r.Fee, tn+r.Net
		rep.Rows = append(rep.Rows, row)
	}
	rep.Amount, rep.Fee, rep.Net = formatMoney(ta, cur), formatMoney(tf, cur), formatMoney(tn, cur)
	v.Report = rep
	v.CSVURL = csvURL("/treasurer/refunds.csv", rq.r)
	return s.renderReport(rq, http.StatusOK, "treasurer_refunds", "Refunds and disputes", v)
}

// refundsCSV is GET /treasurer/refunds.csv.
func (s *Site) refundsCSV(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q, err := s.strictReport(rq, true)
	if err != nil {
		return err
	}
	rows, err := d.RefundsAndDisputes(rq.r.Context(), rq.p, q.chapter, q.from, q.to())
	if err != nil {
		return err
	}
	return s.sendCSV(rq, "dues-refunds-disputes-"+q.from.Format(time.DateOnly)+"-"+q.through.Format(time.DateOnly)+".csv",
		func(w io.Writer) error { return dues.WriteRefundsCSV(w, rows) })
}

// shareReport is the data of treasurer_share.html.
type shareReport struct {
	Quarter string
	Rule    string
	Tiers   []string // column headings: "Members 1–50 at 30%"
	Rows    []shareRow
	Total   string
	// FootSpan is how many columns the total's label spans (all but the
	// share).
	FootSpan int
}

type shareRow struct {
	Chapter                        string
	Gross, Refunds, Disputes, Base string
	Members                        int64
	TierCounts                     []int64
	Rate                           string
	Share                          string
}

// shareQuery reads the year and quarter (default: the current quarter)
// and returns their fields.
func shareQuery(yearRaw, quarterRaw string, now time.Time) (int, int, []field) {
	y, m, _ := now.UTC().Date()
	year, quarter := y, (int(m)-1)/3+1
	yf := field{ID: "year", Name: "year", Label: "Year", Type: "number", Value: strings.TrimSpace(yearRaw)}
	if yf.Value != "" {
		n, err := strconv.Atoi(yf.Value)
		if err != nil || n < 2000 || n > 9999 {
			yf.Error = "Enter a year such as " + strconv.Itoa(y) + "."
		}
		year = n
	} else {
		yf.Value = strconv.Itoa(year)
	}
	qf := field{ID: "quarter", Name: "quarter", Label: "Quarter", Type: "select", Value: strings.TrimSpace(quarterRaw),
		Options: []option{{"1", "Q1 (January to March)"}, {"2", "Q2 (April to June)"}, {"3", "Q3 (July to September)"},
			{"4", "Q4 (October to December)"}}}
	if qf.Value != "" {
		n, err := strconv.Atoi(qf.Value)
		if err != nil || n < 1 || n > 4 {
			qf.Error = "Choose a quarter from the list."
		}
		quarter = n
	} else {
		qf.Value = strconv.Itoa(quarter)
	}
	return year, quarter, []field{yf, qf}
}

// shareReport is GET /treasurer/share: the dues share per chapter for a
// quarter, with every input of the calculation.
func (s *Site) shareReport(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	ch, err := s.chapterChoices(rq)
	if err != nil {
		return err
	}
	q, f := s.parseReport(rq, "/treasurer/share", ch, true, false)
	v := rq.r.URL.Query()
	year, quarter, fields := shareQuery(v.Get("year"), v.Get("quarter"), time.Now())
	f.Fields = append(f.Fields, fields...)
	view := treasurerView{Key: "share", Filter: f, Scope: ch.scopeLabel(q.chapter)}
	if q.bad || fields[0].Error != "" || fields[1].Error != "" {
		return s.renderReport(rq, filterErrorStatus, "treasurer_share", "Dues share", view)
	}
	rep, err := d.Share(rq.r.Context(), rq.p, q.chapter, year, quarter)
	if err != nil {
		return err
	}
	view.Period = fmt.Sprintf("%d Q%d (%s to %s)", rep.Year, rep.Quarter, rep.From.Format("2 Jan 2006"),
		rep.To.AddDate(0, 0, -1).Format("2 Jan 2006"))
	tiers := d.Policy().Tiers
	out := shareReport{Quarter: fmt.Sprintf("%d Q%d", rep.Year, rep.Quarter), Rule: rep.Rule}
	for i, t := range tiers {
		label := fmt.Sprintf("Members %d and up", t.From)
		if i+1 < len(tiers) {
			label = fmt.Sprintf("Members %d–%d", t.From, tiers[i+1].From-1)
		}
		out.Tiers = append(out.Tiers, label+" at "+formatBp(int64(t.Bp)))
	}
	cur := d.Policy().Currency
	var total int64
	for _, c := range rep.Chapters {
		row := shareRow{Chapter: c.Name, Gross: formatMoney(c.Gross, c.Currency), Refunds: formatMoney(c.Refunds, c.Currency),
			Disputes: formatMoney(c.Disputes, c.Currency), Base: formatMoney(c.Base, c.Currency), Members: c.Members,
			Rate: formatBp(c.RateBp), Share: formatMoney(c.Share, c.Currency)}
		for _, t := range c.Tiers {
			row.TierCounts = append(row.TierCounts, t.Members)
		}
		total += c.Share
		out.Rows = append(out.Rows, row)
	}
	out.Total, out.FootSpan = formatMoney(total, cur), 7+len(tiers)
	view.Report = out
	view.CSVURL = csvURL("/treasurer/share.csv", rq.r)
	return s.renderReport(rq, http.StatusOK, "treasurer_share", "Dues share", view)
}

// shareCSV is GET /treasurer/share.csv.
func (s *Site) shareCSV(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q, err := s.strictReport(rq, false)
	if err != nil {
		return err
	}
	v := rq.r.URL.Query()
	year, quarter, fields := shareQuery(v.Get("year"), v.Get("quarter"), time.Now())
	for _, f := range fields {
		if f.Error != "" {
			return errs.Field(f.Name, "%s", strings.TrimSuffix(f.Error, "."))
		}
	}
	rep, err := d.Share(rq.r.Context(), rq.p, q.chapter, year, quarter)
	if err != nil {
		return err
	}
	return s.sendCSV(rq, fmt.Sprintf("dues-share-%d-Q%d.csv", year, quarter),
		func(w io.Writer) error { return dues.WriteShareCSV(w, rep, d.Policy().Tiers) })
}
