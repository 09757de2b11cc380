package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/dues/duestest"
)

// addPlans makes a sliding-scale monthly plan with an income-based
// suggestion (1 % of yearly income) and a low-income yearly rate.
func (df *duesFixture) addPlans(t *testing.T) (dues.Plan, dues.Plan) {
	t.Helper()
	ctx := context.Background()
	admin := df.principals["admin"]
	monthly, err := df.svc.CreatePlan(ctx, admin, dues.PlanInput{Name: "Sliding scale", Interval: "month",
		MinAmount: 500, MaxAmount: 6000, IncomeBp: 100})
	if err != nil {
		t.Fatal(err)
	}
	low, err := df.svc.CreatePlan(ctx, admin, dues.PlanInput{Name: "Low income", Interval: "year",
		MinAmount: 1200, MaxAmount: 1200, LowIncome: true})
	if err != nil {
		t.Fatal(err)
	}
	return monthly, low
}

func TestDuesPageWithStripe(t *testing.T) {
	t.Parallel()
	df := newDuesFixture(t, true)
	monthly, low := df.addPlans(t)

	r := df.get(t, "member", "/me/dues")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Good standing", "Paid online through", "Grace period", "30 days",
		"Sliding scale", "$5.00 to $60.00 per month", "1% of your yearly income",
		"Low income", "Low-income rate", "$12.00 per year",
		`action="/me/dues/checkout"`, "Pay dues", `value="`+monthly.ID.String()+`"`,
		`action="/me/dues/portal"`, "Manage or cancel", "Standing history")
	wantLacks(t, r, "not configured")

	// An income-based suggestion: 1 % of 48,000.00 a year is 40.00 a month.
	r = df.get(t, "member", "/me/dues?"+url.Values{"plan": {monthly.ID.String()}, "income": {"48,000"}}.Encode())
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "For a yearly income of $48,000.00, the suggested amount is <strong>$40.00 per month</strong>",
		`value="40.00"`)
	r = df.get(t, "member", "/me/dues?"+url.Values{"plan": {monthly.ID.String()}, "income": {"lots"}}.Encode())
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Enter your yearly income as an amount")

	// Pay dues: a Checkout session at the chosen amount, and a redirect to it.
	r = df.post(t, "member", "/me/dues/checkout", url.Values{"plan_id": {monthly.ID.String()}, "amount": {"12.50"}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != duestest.CheckoutURL {
		t.Errorf("checkout redirects to %q, want %q", loc, duestest.CheckoutURL)
	}
	cs := df.fake.Checkouts()
	if len(cs) != 1 || cs[0].Amount != 1250 || cs[0].Interval != "month" || cs[0].MemberID != df.accounts["member"] ||
		!strings.HasSuffix(cs[0].SuccessURL, "/me/dues?checkout=done") {
		t.Errorf("checkout sessions asked for: %+v", cs)
	}
	// Outside the plan's range: the form again with the domain's message.
	r = df.post(t, "member", "/me/dues/checkout", url.Values{"plan_id": {low.ID.String()}, "amount": {"5"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "There is a problem", "Must be between 12.00 and 12.00", `aria-invalid="true"`)
	r = df.post(t, "member", "/me/dues/checkout", url.Values{"plan_id": {low.ID.String()}, "amount": {"1.234"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Enter an amount such as 12 or 12.50")
	if n := len(df.fake.Checkouts()); n != 1 {
		t.Errorf("refused payments reached Stripe: %d sessions", n)
	}

	// Manage or cancel: Stripe's customer portal.
	r = df.post(t, "member", "/me/dues/portal", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != duestest.PortalURL {
		t.Errorf("portal redirects to %q", loc)
	}
	if p := df.fake.Portals(); len(p) != 1 || p[0] != duestest.CustomerID(df.accounts["member"]) {
		t.Errorf("portal sessions: %v", p)
	}

	// Back from Checkout.
	r = df.get(t, "member", "/me/dues?checkout=done")
	wantContains(t, r, "Thank you. Stripe has your payment")

	// The dues link is in the navigation; /me shows the standing too.
	r = df.get(t, "member", "/me")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, `href="/me/dues"`, "Standing today", "Good standing")
	wantLacks(t, r, `href="/treasurer"`)
	r = df.get(t, "", "/me/dues")
	wantStatus(t, r, http.StatusUnauthorized)
}

func TestDuesPageWithoutStripe(t *testing.T) {
	t.Parallel()
	df := newDuesFixture(t, false)
	df.addPlans(t)
	r := df.get(t, "member", "/me/dues")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Online payments are not configured for this organization; contact your treasurer",
		"Good standing", "Sliding scale", "Suggest an amount")
	wantLacks(t, r, "Pay dues", "/me/dues/checkout", "Manage or cancel", "/me/dues/portal")
	// The buttons are gone, and the routes say why if reached anyway.
	r = df.post(t, "member", "/me/dues/portal", url.Values{})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r, "Payments are not configured")
}

func TestMemberPageStandingAndWaivers(t *testing.T) {
	t.Parallel()
	df := newDuesFixture(t, false)
	lapsed := df.lapsedMember(t, "riverside")
	page := "/members/" + lapsed.String()

	// The roster shows standing in words, in its own column.
	var family string
	if err := df.pool.QueryRow(context.Background(), `SELECT family_name FROM members WHERE id = $1`, lapsed).Scan(&family); err != nil {
		t.Fatal(err)
	}
	roster := "/chapters/" + df.chapters["riverside"].String() + "/roster"
	r := df.get(t, "officer", roster+"?"+url.Values{"q": {family}}.Encode())
	wantStatus(t, r, http.StatusOK)
	row := regexp.MustCompile(`(?s)<tr>\s*<th scope="row" data-label="Name"><a href="` + page + `">.*?</tr>`).FindString(r.body)
	if !strings.Contains(row, `<td data-label="Dues"><span class="standing standing-lapsed">Lapsed</span>`) {
		t.Errorf("the roster row of a lapsed member does not say so:\n%s", row)
	}
	wantContains(t, r, `<th scope="col">Dues</th>`)

	r = df.get(t, "officer", page)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Dues standing", "Lapsed", "Standing history", "No waivers have been granted",
		"Grant a waiver", `action="`+page+`/waivers"`, "Leave empty for one year after the start.")

	// The reason is required; the form comes back with the error.
	r = df.post(t, "officer", page+"/waivers", url.Values{"reason": {" "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "There is a problem", `href="#waiver-reason"`, "Must be 1 to 500 characters")
	r = df.post(t, "officer", page+"/waivers", url.Values{"reason": {"x"}, "expires_on": {"someday"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Must be a date written YYYY-MM-DD")

	// Another chapter's officer may not grant it.
	r = df.post(t, "officer2", page+"/waivers", url.Values{"reason": {"hardship"}})
	wantStatus(t, r, http.StatusForbidden)

	r = df.post(t, "officer", page+"/waivers", url.Values{"reason": {"lost work, asked at the meeting"}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != page {
		t.Fatalf("grant redirects to %q", loc)
	}
	r = df.get(t, "officer", page)
	wantContains(t, r, "Good standing", "in force", "lost work, asked at the meeting", "Dues waived from")
	rev := regexp.MustCompile(`action="(` + regexp.QuoteMeta(page) + `/waivers/[0-9a-f-]+/revoke)"`).FindStringSubmatch(r.body)
	if rev == nil {
		t.Fatalf("no revoke form:\n%.3000s", r.body)
	}
	// The member sees their standing and waiver, without the forms.
	df.principals["lapsed"] = df.principalOf(t, lapsed)
	m := df.get(t, "lapsed", page)
	wantStatus(t, m, http.StatusOK)
	wantContains(t, m, "Good standing", "in force")
	wantLacks(t, m, "Grant a waiver", "/revoke")

	wantStatus(t, df.post(t, "officer2", rev[1], url.Values{}), http.StatusForbidden)
	r = df.post(t, "officer", rev[1], url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	r = df.get(t, "officer", page)
	wantContains(t, r, "revoked", "Lapsed")
	wantLacks(t, r, "/revoke\"")
	// Revoking twice is refused.
	wantStatus(t, df.post(t, "officer", rev[1], url.Values{}), http.StatusConflict)
}
