package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// The treasurer's pages: a report picker (/treasurer) and one page per
// report, each with a GET filter form (chapter scope and period) and a
// "Download CSV" link that takes the same query and writes the domain's
// CSV. Which chapters a report covers is decided by the dues domain: a
// chapter treasurer asking for another chapter gets its Forbidden error.

// reportTab is one report in the picker and in each report's tab list.
type reportTab struct {
	Key, Label, Href, Blurb string
	National                bool // payouts, deposits and Stripe events: the national books only
}

// reportTabs are the treasurer's reports, in picker order.
var reportTabs = []reportTab{
	{Key: "income", Label: "Dues income", Href: "/treasurer/income",
		Blurb: "Dues income by chapter and month: payments, refunds, disputes, Stripe fees and net, with a chart."},
	{Key: "lapses", Label: "Lapsing and lapsed", Href: "/treasurer/lapses",
		Blurb: "Members who have lapsed, and members whose dues run out soon."},
	{Key: "refunds", Label: "Refunds and disputes", Href: "/treasurer/refunds",
		Blurb: "Every refund, dispute and dispute reversal in a period."},
	{Key: "share", Label: "Dues share", Href: "/treasurer/share",
		Blurb: "Each chapter's share of its members' dues for a quarter, with every input of the calculation."},
	{Key: "payouts", Label: "Payouts", Href: "/treasurer/payouts", National: true,
		Blurb: "Stripe payouts reconciled to their balance transactions, to the cent, and matched to bank deposits."},
	{Key: "deposits", Label: "Bank deposits", Href: "/treasurer/deposits", National: true,
		Blurb: "Enter bank deposits or upload a bank export; each is matched to a payout."},
	{Key: "events", Label: "Stripe events", Href: "/treasurer/events", National: true,
		Blurb: "Stripe events needing attention: events that could not be applied, with their errors, to retry once fixed."},
}

// treasurerView is what every treasurer page shares: the tabs, the filter
// form, the CSV link, and the report's own data.
type treasurerView struct {
	Key    string
	Tabs   []navItem
	Filter *reportFilter
	CSVURL string
	// Scope says which chapters the report covers, for its heading.
	Scope  string
	Period string
	Report any
}

// reportFilter is a report's GET form.
type reportFilter struct {
	Action string
	Fields []field
	Error  string
}

// HasErrors reports whether the filter or a field has an error.
func (f *reportFilter) HasErrors() bool {
	if f == nil {
		return false
	}
	ff := form{Fields: f.Fields, Error: f.Error}
	return ff.HasErrors()
}

// ledgerScope is what the principal may read: every chapter, or a list.
func ledgerScope(p *auth.Principal) (all bool, ids []uuid.UUID) { return p.Scope(auth.LedgerRead) }

// requireLedger refuses principals who read no ledger at all. It is a
// courtesy for pages that show no data of their own (the picker, the
// deposit forms); every report is checked by the domain.
func requireLedger(p *auth.Principal, national bool) error {
	all, ids := ledgerScope(p)
	if national && !all {
		return errs.Forbiddenf("only the national treasurer and national admins see payouts and deposits")
	}
	if !all && len(ids) == 0 {
		return errs.Forbiddenf("only treasurers and national admins see the dues ledger")
	}
	return nil
}

// tabsFor lists the reports p may open, marking key as current.
func tabsFor(p *auth.Principal, key string) []navItem {
	all, _ := ledgerScope(p)
	var out []navItem
	for _, t := range reportTabs {
		if t.National && !all {
			continue
		}
		out = append(out, navItem{Label: t.Label, Href: t.Href, Current: t.Key == key})
	}
	return out
}

// treasurerIndex is the data of treasurer.html.
type treasurerIndex struct {
	Reports []reportTab
	Scope   string
}

// treasurer is GET /treasurer: the report picker.
func (s *Site) treasurer(rq *request) error {
	if _, err := s.duesService(); err != nil {
		return err
	}
	if err := requireLedger(rq.p, false); err != nil {
		return err
	}
	all, _ := ledgerScope(rq.p)
	page := treasurerIndex{}
	for _, t := range reportTabs {
		if !t.National || all {
			page.Reports = append(page.Reports, t)
		}
	}
	ch, err := s.chapterChoices(rq)
	if err != nil {
		return err
	}
	page.Scope = ch.scopeLabel(nil)
	return s.render(rq, http.StatusOK, "treasurer", "Treasurer", treasurerView{Key: "", Tabs: tabsFor(rq.p, ""), Report: page})
}

// chapterChoices are the chapters a principal may pick in a report, with
// every chapter's name for the report rows.
type chapterChoices struct {
	all     bool
	options []option
	names   map[uuid.UUID]string
}

func (s *Site) chapterChoices(rq *request) (chapterChoices, error) {
	list, err := s.d.Members.ListChapters(rq.r.Context(), rq.p, true)
	if err != nil {
		return chapterChoices{}, err
	}
	c := chapterChoices{names: make(map[uuid.UUID]string, len(list))}
	for _, ch := range list {
		c.names[ch.ID] = ch.Name
	}
	all, ids := ledgerScope(rq.p)
	c.all = all
	switch {
	case all:
		c.options = append(c.options, option{"", "All chapters"})
		for _, ch := range list {
			c.options = append(c.options, option{ch.ID.String(), ch.Name})
		}
	default:
		if len(ids) > 1 {
			c.options = append(c.options, option{"", "All my chapters"})
		}
		for _, id := range ids {
			c.options = append(c.options, option{id.String(), c.nameOf(id)})
		}
	}
	return c, nil
}

// nameOf is a chapter's name, or its id when the chapter is unknown.
func (c chapterChoices) nameOf(id uuid.UUID) string {
	if n, ok := c.names[id]; ok {
		return n
	}
	return id.String()
}

// scopeLabel says which chapters a report covers.
func (c chapterChoices) scopeLabel(chapter *uuid.UUID) string {
	switch {
	case chapter != nil:
		return c.nameOf(*chapter)
	case c.all:
		return "All chapters"
	case len(c.options) == 1:
		return c.options[0].Label
	default:
		return "All my chapters"
	}
}

// field is the chapter select, or nil when there is nothing to choose.
func (c chapterChoices) field(value string) *field {
	if len(c.options) < 2 && value == "" {
		return nil
	}
	return &field{ID: "chapter", Name: "chapter", Label: "Chapter", Type: "select", Value: value, Options: c.options}
}

// reportQuery is a report's parsed filter. Parse errors are set on the
// fields of filter.
type reportQuery struct {
	chapter *uuid.UUID
	from    time.Time // first day, inclusive
	through time.Time // last day, inclusive
	bad     bool
}

// to is the exclusive end of the period, as the domain takes it.
func (q reportQuery) to() time.Time { return q.through.AddDate(0, 0, 1) }

// periodLabel says the period: "1 Jan 2026 to 31 Dec 2026".
func (q reportQuery) periodLabel() string {
	return q.from.Format("2 Jan 2006") + " to " + q.through.Format("2 Jan 2006")
}

// defaultPeriod is the twelve calendar months up to the end of this month.
func defaultPeriod(now time.Time) (time.Time, time.Time) {
	y, m, _ := now.UTC().Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, -11, 0), first.AddDate(0, 1, -1)
}

// parseReport reads the chapter and period of a report from the query and
// builds its filter form: the chapter select (withChapter) and the from
// and through dates (withPeriod). Bad values are shown beside their
// fields and make the report render with status 422 and no rows.
func (s *Site) parseReport(rq *request, action string, ch chapterChoices, withChapter, withPeriod bool) (reportQuery, *reportFilter) {
	v := rq.r.URL.Query()
	f := &reportFilter{Action: action}
	var q reportQuery
	if withChapter {
		raw := strings.TrimSpace(v.Get("chapter"))
		if fld := ch.field(raw); fld != nil {
			if raw != "" {
				id, err := uuid.Parse(raw)
				if err != nil {
					fld.Error, q.bad = "Choose a chapter from the list.", true
				} else {
					q.chapter = &id
				}
			}
			f.Fields = append(f.Fields, *fld)
		}
	}
	if withPeriod {
		q.from, q.through = defaultPeriod(time.Now())
		from := field{ID: "from", Name: "from", Label: "From", Type: "date", Value: v.Get("from")}
		through := field{ID: "through", Name: "through", Label: "Through (included)", Type: "date", Value: v.Get("through")}
		if d, err := optionalDate("from", from.Value); err != nil {
			from.Error, q.bad = sentence(errs.As(err).Msg), true
		} else if d != nil {
			q.from = *d
		}
		if d, err := optionalDate("through", through.Value); err != nil {
			through.Error, q.bad = sentence(errs.As(err).Msg), true
		} else if d != nil {
			q.through = *d
		}
		if !q.bad && q.through.Before(q.from) {
			through.Error, q.bad = "Must not be before the first day.", true
		}
		if from.Value == "" {
			from.Value = q.from.Format(time.DateOnly)
		}
		if through.Value == "" {
			through.Value = q.through.Format(time.DateOnly)
		}
		f.Fields = append(f.Fields, from, through)
	}
	return q, f
}

// csvURL is the CSV link of a report page: path with the page's query.
func csvURL(path string, r *http.Request) string {
	return queryWith(path, r.URL.Query())
}

// renderReport renders a treasurer report page.
func (s *Site) renderReport(rq *request, status int, name, title string, v treasurerView) error {
	v.Tabs = tabsFor(rq.p, v.Key)
	return s.render(rq, status, name, title, v)
}

// sendCSV writes a CSV download made by write; nothing is sent when
// write fails, so the error becomes a page.
func (s *Site) sendCSV(rq *request, filename string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	rq.w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(rq.w)
	return nil
}

// filterErrorStatus is the status of a report page whose filter is bad.
const filterErrorStatus = http.StatusUnprocessableEntity

// monthsOf lists the first day of each calendar month in [from, through].
func monthsOf(from, through time.Time) []time.Time {
	var out []time.Time
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	for !m.After(through) && len(out) < 600 {
		out = append(out, m)
		m = m.AddDate(0, 1, 0)
	}
	return out
}

// keepQuery is a copy of the query without the keys named.
func keepQuery(q url.Values, drop ...string) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if !slices.Contains(drop, k) {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}
