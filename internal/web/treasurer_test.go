package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/dues"
)

// period is the query of the ledger's two months.
func (df *duesFixture) period() url.Values {
	return url.Values{"from": {df.l.months[0].Format(time.DateOnly)},
		"through": {df.l.months[1].AddDate(0, 1, -1).Format(time.DateOnly)}}
}

func TestTreasurerReportsNational(t *testing.T) {
	t.Parallel()
	df := newDuesFixture(t, false)
	q := df.period().Encode()

	r := df.get(t, "treasurer", "/treasurer")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, `href="/treasurer/income"`, `href="/treasurer/lapses"`, `href="/treasurer/refunds"`,
		`href="/treasurer/share"`, `href="/treasurer/payouts"`, `href="/treasurer/deposits"`, "All chapters")

	// Income: a row per chapter and month, amounts from minor units, a
	// chart per chapter plus the total, and the CSV link with the query.
	r = df.get(t, "treasurer", "/treasurer/income?"+q)
	wantStatus(t, r, http.StatusOK)
	m0 := df.l.months[0].Format("January 2006")
	wantContains(t, r, "Riverside Chapter", "Northfield Chapter", m0,
		"$65.00",            // Riverside month 0: 20.00 + 15.00 + 30.00
		"-$30.00",           // R2's refund in month 1
		"$25.00", "-$25.00", // Northfield month 0 and its lost dispute
		`<svg viewBox="0 0 400`, `role="img"`, "Riverside Chapter: gross dues income by month",
		"All chapters in this report", `href="/treasurer/income.csv?`, "Download CSV")
	if n := strings.Count(r.body, `<figure class="money-chart">`); n != 3 {
		t.Errorf("%d charts, want the total and one per chapter", n)
	}
	// Bars are scaled exactly: the largest month of the chapters (Riverside
	// month 0, 65.00) has the full bar, Riverside month 1 (30.00) 30/65 of it.
	area := 400 - 74 - 104
	for _, w := range []int{area, 30 * area / 65} {
		if !strings.Contains(r.body, `width="`+itoa(w)+`" height="18"`) {
			t.Errorf("no bar %d units long", w)
		}
	}
	csv := df.get(t, "treasurer", "/treasurer/income.csv?"+q)
	wantStatus(t, csv, http.StatusOK)
	if ct := csv.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") ||
		!strings.Contains(csv.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV headers %q, %q", ct, csv.header.Get("Content-Disposition"))
	}
	wantContains(t, csv, "chapter_id,month,currency,gross", df.chapters["riverside"].String()+","+df.l.months[0].Format("2006-01")+",usd,65.00")

	// A bad period is shown beside its field.
	r = df.get(t, "treasurer", "/treasurer/income?from=yesterday")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "There is a problem with the report's settings", `href="#from"`)
	wantStatus(t, df.get(t, "treasurer", "/treasurer/income.csv?from=yesterday"), http.StatusUnprocessableEntity)

	// Refunds and disputes.
	r = df.get(t, "treasurer", "/treasurer/refunds?"+q)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Refund", "Dispute", "-$30.00", "-$25.00", "$15.00", `href="/treasurer/refunds.csv?`)
	csv = df.get(t, "treasurer", "/treasurer/refunds.csv?"+q)
	wantStatus(t, csv, http.StatusOK)
	wantContains(t, csv, "balance_transaction_id,kind", ",refund,", ",dispute,", "-30.00")

	// Lapses: the lists and the horizon.
	r = df.get(t, "treasurer", "/treasurer/lapses?within_days=60")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Lapsed (", "Lapsing within 60 days", `href="/treasurer/lapses.csv?within_days=60"`)
	wantStatus(t, df.get(t, "treasurer", "/treasurer/lapses?within_days=999"), http.StatusUnprocessableEntity)
	csv = df.get(t, "treasurer", "/treasurer/lapses.csv?within_days=60")
	wantStatus(t, csv, http.StatusOK)
	wantContains(t, csv, "member_id,chapter_id,given_name,family_name,standing,since,covered_through", ",lapsed,")

	// Dues share for the quarter of month 0: Riverside's base is 65.00 from
	// three members (R2's refund, if in the same quarter, removes R2 and
	// adds R3), all in the first tier at 30 %: 19.50.
	m := df.l.months[0]
	sq := url.Values{"year": {itoa(m.Year())}, "quarter": {itoa((int(m.Month())-1)/3 + 1)}}.Encode()
	r = df.get(t, "treasurer", "/treasurer/share?"+sq)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Members 1–50 at 30%", "Members 51–200 at 25%", "Members 201 and up at 20%",
		"Riverside Chapter", "$19.50", "Average rate", "How the share is worked out", dues.ShareRule[:40])
	csv = df.get(t, "treasurer", "/treasurer/share.csv?"+sq)
	wantStatus(t, csv, http.StatusOK)
	wantContains(t, csv, "chapter_id,slug,quarter", "riverside,", ",19.50")
	wantStatus(t, df.get(t, "treasurer", "/treasurer/share?quarter=5"), http.StatusUnprocessableEntity)

	// Payouts: the one that adds up and the one 12.34 short.
	r = df.get(t, "treasurer", "/treasurer/payouts?"+q)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, df.l.okPayout, df.l.shortPayout, "Reconciled", "Does not add up", "-$12.34", "$0.00",
		"1 payout does not add up", `href="/treasurer/payouts.csv?`)
	csv = df.get(t, "treasurer", "/treasurer/payouts.csv?"+q)
	wantStatus(t, csv, http.StatusOK)
	wantContains(t, csv, "payout,"+df.l.shortPayout, "-12.34", "item,"+df.l.shortPayout)

	// The payout detail lists its balance transactions and the difference.
	r = df.get(t, "treasurer", "/treasurer/payouts/"+df.l.shortPayout)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Balance transactions", "the payout itself, not summed", "Difference (amount less net)",
		"-$12.34", "refund", "adjustment", `href="/treasurer/payouts/`+df.l.shortPayout+`/export.csv"`)
	csv = df.get(t, "treasurer", "/treasurer/payouts/"+df.l.shortPayout+"/export.csv")
	wantStatus(t, csv, http.StatusOK)
	wantContains(t, csv, "item,"+df.l.shortPayout)
	wantStatus(t, df.get(t, "treasurer", "/treasurer/payouts/po_nope"), http.StatusNotFound)

	// Deposits: a typed deposit matches the payout that adds up.
	r = df.get(t, "treasurer", "/treasurer/deposits")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Enter a deposit", "Upload a bank export", `enctype="multipart/form-data"`)
	amount := dues.FormatAmount(df.l.okAmount)
	r = df.post(t, "treasurer", "/treasurer/deposits", url.Values{"deposited_on": {df.l.okArrival.AddDate(0, 0, 1).Format(time.DateOnly)},
		"amount": {amount}, "reference": {"STRIPE PAYOUT"}})
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "1 deposit recorded", "1 of 1 deposit on record is matched", df.l.okPayout, "STRIPE PAYOUT")
	r = df.post(t, "treasurer", "/treasurer/deposits", url.Values{"deposited_on": {"2026-01-01"}, "amount": {"-5"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `href="#amount"`)
	// A bank export: a bad row is refused as a whole; a good file is matched.
	r = df.upload(t, "treasurer", "/treasurer/deposits/upload", nil, "file", "bank.csv", "date,amount\n2026-01-05,lots\n")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "row 2", `href="#file"`)
	r = df.upload(t, "treasurer", "/treasurer/deposits/upload", nil, "file", "bank.csv",
		"Date,Amount,Reference,Balance\n"+df.l.okArrival.Format(time.DateOnly)+","+amount+",again,1\n2026-01-05,10.00,other,2\n")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "2 deposits recorded", "1 of 3 deposits on record is matched", "Not matched")
	r = df.get(t, "treasurer", "/treasurer/payouts?"+q)
	wantContains(t, r, "Matched, ")
}

func TestTreasurerScope(t *testing.T) {
	t.Parallel()
	df := newDuesFixture(t, false)
	q := df.period()
	north := df.chapters["northfield"].String()

	// A chapter treasurer sees their chapter only, without payouts.
	r := df.get(t, "rtreasurer", "/treasurer/income?"+q.Encode())
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Riverside Chapter", "$65.00", `href="/treasurer"`)
	wantLacks(t, r, "Northfield Chapter", `href="/treasurer/payouts"`, `<select id="chapter"`)
	if strings.Count(r.body, `<figure class="money-chart">`) != 1 {
		t.Error("a one-chapter report has one chart")
	}
	q.Set("chapter", north)
	for _, path := range []string{"/treasurer/income", "/treasurer/income.csv", "/treasurer/refunds", "/treasurer/refunds.csv",
		"/treasurer/lapses", "/treasurer/lapses.csv", "/treasurer/share", "/treasurer/share.csv"} {
		r := df.get(t, "rtreasurer", path+"?"+q.Encode())
		if r.status != http.StatusForbidden {
			t.Errorf("%s for another chapter: status %d, want 403", path, r.status)
		}
		if strings.Contains(r.body, "Northfield Chapter") && r.status != http.StatusForbidden {
			t.Errorf("%s shows the other chapter", path)
		}
	}
	for _, path := range []string{"/treasurer/payouts", "/treasurer/payouts.csv", "/treasurer/payouts/" + df.l.okPayout,
		"/treasurer/deposits"} {
		wantStatus(t, df.get(t, "rtreasurer", path), http.StatusForbidden)
	}
	wantStatus(t, df.post(t, "rtreasurer", "/treasurer/deposits", url.Values{"deposited_on": {"2026-01-01"}, "amount": {"5"}}),
		http.StatusForbidden)

	// The national treasurer picks any chapter.
	r = df.get(t, "treasurer", "/treasurer/income?"+q.Encode())
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, `<select id="chapter"`, `<th scope="row">Northfield Chapter</th>`, "$25.00")
	wantLacks(t, r, `<th scope="row">Riverside Chapter</th>`)
	wantStatus(t, df.get(t, "treasurer", "/treasurer/income?chapter=nope"), http.StatusUnprocessableEntity)

	// Members and roster officers read no ledger.
	for _, who := range []string{"member", "officer"} {
		wantStatus(t, df.get(t, who, "/treasurer"), http.StatusForbidden)
		wantStatus(t, df.get(t, who, "/treasurer/income"), http.StatusForbidden)
		r := df.get(t, who, "/me")
		wantLacks(t, r, `href="/treasurer"`)
	}
	r = df.get(t, "admin", "/treasurer/payouts")
	wantStatus(t, r, http.StatusOK)
}

func itoa(n int) string { return strconv.Itoa(n) }
