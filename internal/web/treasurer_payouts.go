package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// payoutsReport is the data of treasurer_payouts.html.
type payoutsReport struct {
	Rows []payoutRow
	// Unreconciled counts payouts whose transactions do not add up;
	// Pending those not reconciled by Stripe yet.
	Unreconciled, Pending int
}

// payoutRow is one payout, every amount formatted.
type payoutRow struct {
	ID          string
	URL         string
	ArrivalDate time.Time
	Status      string
	Amount      string
	Reconciled  bool
	ItemsNet    string
	Difference  string
	Adds        bool // reconciled with no difference
	DepositOn   *time.Time
}

func newPayoutRow(p dues.Payout) payoutRow {
	r := payoutRow{ID: p.PayoutID, URL: "/treasurer/payouts/" + url.PathEscape(p.PayoutID), ArrivalDate: p.ArrivalDate,
		Status: p.Status, Amount: formatMoney(p.Amount, p.Currency), Reconciled: p.Reconciled, DepositOn: p.DepositOn}
	if p.Reconciled {
		r.ItemsNet, r.Difference = formatMoney(p.ItemsNet, p.Currency), formatMoney(p.Difference, p.Currency)
		r.Adds = p.Difference == 0
	}
	return r
}

// payoutsReport is GET /treasurer/payouts: payouts arriving in a period
// with their reconciliation and matched deposits (national books only).
func (s *Site) payoutsReport(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q, f := s.parseReport(rq, "/treasurer/payouts", chapterChoices{}, false, true)
	v := treasurerView{Key: "payouts", Filter: f, Scope: "The organization's Stripe account", Period: q.periodLabel()}
	if q.bad {
		return s.renderReport(rq, filterErrorStatus, "treasurer_payouts", "Payouts", v)
	}
	list, err := d.Payouts(rq.r.Context(), rq.p, q.from, q.to())
	if err != nil {
		return err
	}
	var rep payoutsReport
	for _, p := range list {
		row := newPayoutRow(p)
		switch {
		case !row.Reconciled:
			rep.Pending++
		case !row.Adds:
			rep.Unreconciled++
		}
		rep.Rows = append(rep.Rows, row)
	}
	v.Report = rep
	v.CSVURL = csvURL("/treasurer/payouts.csv", rq.r)
	return s.renderReport(rq, http.StatusOK, "treasurer_payouts", "Payouts", v)
}

// payoutsCSV is GET /treasurer/payouts.csv.
func (s *Site) payoutsCSV(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q, err := s.strictReport(rq, true)
	if err != nil {
		return err
	}
	list, err := d.Payouts(rq.r.Context(), rq.p, q.from, q.to())
	if err != nil {
		return err
	}
	return s.sendCSV(rq, "payouts-"+q.from.Format(time.DateOnly)+"-"+q.through.Format(time.DateOnly)+".csv",
		func(w io.Writer) error { return dues.WritePayoutsCSV(w, list) })
}

// payoutDetail is the data of treasurer_payout.html.
type payoutDetail struct {
	P     payoutRow
	Items []payoutItem
	// Sum is the net of the items other than the payout's own.
	Sum, Gross, Fees string
}

type payoutItem struct {
	ID, Type, Source    string
	Amount, Fee, Net    string
	Created             time.Time
	PayoutOwn, Negative bool
}

// payoutDetail is GET /treasurer/payouts/{id}: one payout with every
// balance transaction it paid out and the difference, to the cent.
func (s *Site) payoutDetail(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	p, err := d.GetPayout(rq.r.Context(), rq.p, rq.c.Param("id"))
	if err != nil {
		return err
	}
	rep := payoutDetail{P: newPayoutRow(p)}
	var sum, gross, fees int64
	for _, it := range p.Items {
		own := it.Type == "payout"
		rep.Items = append(rep.Items, payoutItem{ID: it.BalanceTransactionID, Type: it.Type, Source: it.SourceID,
			Amount: formatMoney(it.Amount, it.Currency), Fee: formatMoney(it.Fee, it.Currency), Net: formatMoney(it.Net, it.Currency),
			Created: it.Created, PayoutOwn: own, Negative: it.Net < 0})
		if !own {
			sum, gross, fees = sum+it.Net, gross+it.Amount, fees+it.Fee
		}
	}
	rep.Sum, rep.Gross, rep.Fees = formatMoney(sum, p.Currency), formatMoney(gross, p.Currency), formatMoney(fees, p.Currency)
	v := treasurerView{Key: "payouts", Report: rep, CSVURL: rep.P.URL + "/export.csv"}
	return s.renderReport(rq, http.StatusOK, "treasurer_payout", "Payout "+p.PayoutID, v)
}

// payoutDetailCSV is GET /treasurer/payouts/{id}/export.csv: the payout
// and all its balance transactions.
func (s *Site) payoutDetailCSV(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	p, err := d.GetPayout(rq.r.Context(), rq.p, rq.c.Param("id"))
	if err != nil {
		return err
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return -1
	}, p.PayoutID)
	return s.sendCSV(rq, "payout-"+name+".csv", func(w io.Writer) error { return dues.WritePayoutsCSV(w, []dues.Payout{p}) })
}

// depositsPage is the data of treasurer_deposits.html.
type depositsPage struct {
	Entry  *form
	Upload *form
	// Result lists every deposit after an entry or upload; Added is how
	// many were sent, Matched how many deposits have a payout.
	Result  []depositRow
	Added   int
	Matched int
	Shown   bool
}

type depositRow struct {
	On        time.Time
	Amount    string
	Reference string
	PayoutID  string
	PayoutURL string
}

func (s *Site) depositForms(rq *request) (*form, *form) {
	entry := &form{Action: "/treasurer/deposits", Submit: "Record deposit", CSRF: rq.p.CSRFToken(), Fields: []field{
		{ID: "deposited_on", Name: "deposited_on", Label: "Date on the bank statement", Type: "date", Required: true},
		{ID: "amount", Name: "amount", Label: "Amount", Type: "text", Required: true, Autocomplete: "off",
			Hint: "As on the statement, for example 1234.56."},
		{ID: "reference", Name: "reference", Label: "Reference", Type: "text", Autocomplete: "off",
			Hint: "The statement's reference, if any (up to 200 characters)."},
	}}
	upload := &form{Action: "/treasurer/deposits/upload", Submit: "Upload and match", Multipart: true, CSRF: rq.p.CSRFToken(),
		Fields: []field{{ID: "file", Name: "file", Label: "Bank export (CSV)", Type: "file", Accept: ".csv,text/csv", Required: true,
			Hint: "A header row naming the columns date (YYYY-MM-DD) and amount (for example 1234.50), and optionally reference. Other columns are ignored."}}}
	return entry, upload
}

// deposits is GET /treasurer/deposits: the entry and upload forms.
func (s *Site) deposits(rq *request) error {
	if _, err := s.duesService(); err != nil {
		return err
	}
	if err := requireLedger(rq.p, true); err != nil {
		return err
	}
	entry, upload := s.depositForms(rq)
	return s.renderDeposits(rq, http.StatusOK, depositsPage{Entry: entry, Upload: upload})
}

func (s *Site) renderDeposits(rq *request, status int, page depositsPage) error {
	return s.renderReport(rq, status, "treasurer_deposits", "Bank deposits", treasurerView{Key: "deposits", Report: page})
}

// addDeposit is POST /treasurer/deposits: one deposit typed in. The page
// answers with every deposit and its match; entering the same deposit
// again records it once, so a reload does no harm.
func (s *Site) addDeposit(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	r := rq.r
	entry, upload := s.depositForms(rq)
	entry.fill(r)
	in := dues.DepositInput{Reference: r.PostFormValue("reference")}
	on, err := optionalDate("deposited_on", r.PostFormValue("deposited_on"))
	switch {
	case err != nil:
	case on == nil:
		err = errs.Field("deposited_on", "enter the date on the bank statement")
	default:
		in.DepositedOn = *on
		var perr error
		in.Amount, perr = dues.ParseAmount(strings.ReplaceAll(r.PostFormValue("amount"), ",", ""))
		if perr != nil {
			err = errs.Field("amount", "enter an amount such as 1234.56")
		}
	}
	var list []dues.Deposit
	if err == nil {
		list, err = d.AddDeposits(r.Context(), rq.p, []dues.DepositInput{in})
	}
	if err != nil {
		// The domain names the row's fields as /0/amount: show them on
		// the one field.
		if e := errs.As(err); e != nil {
			e2 := *e
			e2.Field = strings.TrimPrefix(e.Field, "/0/")
			err = &e2
		}
		status := formStatus(entry, err)
		if status == 0 {
			return err
		}
		return s.renderDeposits(rq, status, depositsPage{Entry: entry, Upload: upload})
	}
	entry, _ = s.depositForms(rq)
	return s.renderDeposits(rq, http.StatusOK, depositResult(depositsPage{Entry: entry, Upload: upload, Added: 1}, list))
}

// uploadDeposits is POST /treasurer/deposits/upload: a bank export.
func (s *Site) uploadDeposits(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	entry, upload := s.depositForms(rq)
	file, _, err := rq.r.FormFile("file")
	var in []dues.DepositInput
	if err != nil {
		err = errs.Field("file", "choose the bank's CSV file")
	} else {
		defer file.Close()
		in, err = dues.ParseDepositsCSV(file)
		if err == nil && len(in) == 0 {
			err = errs.Field("file", "the file has a header row but no deposits")
		}
		if e := errs.As(err); e != nil && e.Field != "file" {
			// A problem in a row or column is a problem with the file.
			e2 := *e
			e2.Field = "file"
			if e.Field != "" {
				e2.Msg = "column " + strings.TrimPrefix(e.Field, "/") + ": " + e.Msg
			}
			err = &e2
		}
	}
	var list []dues.Deposit
	if err == nil {
		list, err = d.AddDeposits(rq.r.Context(), rq.p, in)
	}
	if err != nil {
		status := formStatus(upload, err)
		if status == 0 {
			return err
		}
		return s.renderDeposits(rq, status, depositsPage{Entry: entry, Upload: upload})
	}
	return s.renderDeposits(rq, http.StatusOK, depositResult(depositsPage{Entry: entry, Upload: upload, Added: len(in)}, list))
}

// depositResult fills the page's result from every deposit on record.
func depositResult(page depositsPage, list []dues.Deposit) depositsPage {
	page.Shown = true
	for _, dep := range list {
		row := depositRow{On: dep.DepositedOn, Amount: formatMoney(dep.Amount, dep.Currency), Reference: dep.Reference}
		if dep.PayoutID != nil {
			row.PayoutID = *dep.PayoutID
			row.PayoutURL = "/treasurer/payouts/" + url.PathEscape(*dep.PayoutID)
			page.Matched++
		}
		page.Result = append(page.Result, row)
	}
	return page
}
