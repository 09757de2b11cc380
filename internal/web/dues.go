package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// duesPageNames are the templates of the dues and treasurer pages (see
// pageNames).
var duesPageNames = []string{"dues", "treasurer", "treasurer_income", "treasurer_lapses", "treasurer_refunds",
	"treasurer_share", "treasurer_payouts", "treasurer_payout", "treasurer_deposits", "treasurer_events"}

// duesService returns the dues service, or a NotFound error when the site
// runs without one (dues pages are then not offered).
func (s *Site) duesService() (*dues.Service, error) {
	if s.d.Dues == nil {
		return nil, errs.NotFoundf("dues are not available on this server")
	}
	return s.d.Dues, nil
}

// baseURL is the site's external origin for addresses given to Stripe.
func (s *Site) baseURL(r *http.Request) string {
	if s.d.BaseURL != "" {
		return strings.TrimRight(s.d.BaseURL, "/")
	}
	return "http://" + r.Host
}

// standingView is a member's dues standing as the dues, member and me
// pages show it.
type standingView struct {
	Standing string // "good" or "lapsed"
	Label    string
	On       time.Time
	// PaidThrough is the end of the latest paid period; GoodThrough adds
	// the grace period to it. Both nil when the member never paid.
	PaidThrough *time.Time
	GoodThrough *time.Time
	GraceDays   int
	// ActiveWaiver is the waiver in force on On, if any.
	ActiveWaiver *dues.Waiver
	// History is the standing history in force, oldest first; Corrected
	// the rows later recomputation replaced, kept for the record.
	History   []dues.StandingChange
	Corrected []dues.StandingChange
	Waivers   []waiverRow
	// CanRevoke is set when some waiver carries a revoke form.
	CanRevoke bool
}

// waiverRow is one waiver with its state on the standing's date and, for
// officers, the form that revokes it.
type waiverRow struct {
	W      dues.Waiver
	State  string // "in force", "not started", "expired" or "revoked"
	Ends   time.Time
	Revoke *form
}

// newStandingView arranges a member's standing for a page.
func newStandingView(st dues.MemberStanding, graceDays int) standingView {
	v := standingView{Standing: st.Standing, Label: standingLabel(st.Standing), On: st.On, PaidThrough: st.PaidThrough,
		GraceDays: graceDays}
	if st.PaidThrough != nil {
		t := st.PaidThrough.AddDate(0, 0, graceDays)
		v.GoodThrough = &t
	}
	for _, h := range st.History {
		if h.SupersededAt.Valid {
			v.Corrected = append(v.Corrected, h)
		} else {
			v.History = append(v.History, h)
		}
	}
	slices.SortStableFunc(v.History, func(a, b dues.StandingChange) int { return a.EffectiveOn.Compare(b.EffectiveOn) })
	for i := range st.Waivers {
		w := st.Waivers[i]
		row := waiverRow{W: w, Ends: w.ExpiresOn}
		switch {
		case w.RevokedOn != nil && !w.RevokedOn.After(st.On):
			row.State, row.Ends = "revoked", *w.RevokedOn
		case w.StartsOn.After(st.On):
			row.State = "not started"
		case !w.ExpiresOn.After(st.On):
			row.State = "expired"
		default:
			row.State = "in force"
			if v.ActiveWaiver == nil {
				v.ActiveWaiver = &st.Waivers[i]
			}
		}
		v.Waivers = append(v.Waivers, row)
	}
	return v
}

// duesPage is the data of dues.html.
type duesPage struct {
	Configured    bool
	S             standingView
	Subscriptions []subscriptionRow
	Plans         []planView
	// Portal is the "Manage or cancel" form; nil without a subscription or
	// without payments configured.
	Portal   *form
	CSRF     string
	Returned string // "done" or "canceled" after Stripe Checkout
}

type subscriptionRow struct {
	Status            string
	Interval          string
	Amount            string
	PeriodEnd         *time.Time
	CancelAtPeriodEnd bool
}

// planView is one plan with its pay and suggestion forms.
type planView struct {
	Plan        dues.Plan
	Anchor      string
	Per         string // "per month" or "per year"
	Range       string
	IncomeRate  string // "" when the plan makes no income-based suggestion
	Income      field  // the suggestion form's income box
	Suggested   string
	SuggestedOf string
	Amount      field // the pay form's amount box
	Error       string
}

// planDefaults holds what a plan's forms show: a suggestion asked for, or
// a refused payment's amount and error.
type planDefaults struct {
	plan      uuid.UUID
	income    string // as typed
	incomeOf  string // as understood, formatted
	incomeErr string
	amount    string
	amountErr string
	err       string
	suggested int64
}

// myDues is GET /me/dues: the member's standing, history, waivers and
// subscriptions, the plans with income-based suggestions (?plan=&income=),
// and the pay and manage buttons when payments are configured.
func (s *Site) myDues(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	q := rq.r.URL.Query()
	def := planDefaults{income: strings.TrimSpace(q.Get("income"))}
	status := http.StatusOK
	if id, perr := uuid.Parse(q.Get("plan")); perr == nil && def.income != "" {
		def.plan = id
		income, perr := dues.ParseAmount(strings.ReplaceAll(def.income, ",", ""))
		if perr != nil || income < 0 {
			def.incomeErr = "Enter your yearly income as an amount, for example 42000 or 42000.00."
			status = http.StatusUnprocessableEntity
		} else {
			plan, amount, err := d.Suggestion(rq.r.Context(), rq.p, id, income)
			if err != nil {
				return err
			}
			def.suggested, def.amount = amount, dues.FormatAmount(amount)
			def.incomeOf = formatMoney(income, plan.Currency)
		}
	}
	return s.renderDues(rq, status, def)
}

func (s *Site) renderDues(rq *request, status int, def planDefaults) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	ctx := rq.r.Context()
	me, err := d.Me(ctx, rq.p)
	if err != nil {
		return err
	}
	plans, err := d.Plans(ctx, rq.p, false)
	if err != nil {
		return err
	}
	page := duesPage{Configured: me.Configured, S: newStandingView(me.Standing, d.Policy().GraceDays),
		CSRF: rq.p.CSRFToken(), Returned: rq.r.URL.Query().Get("checkout")}
	for _, sub := range me.Subscriptions {
		row := subscriptionRow{Status: subscriptionStatus(sub.Status), Interval: perInterval(sub.BillingInterval),
			Amount: formatMoney(sub.Amount, sub.Currency), CancelAtPeriodEnd: sub.CancelAtPeriodEnd}
		if sub.CurrentPeriodEnd.Valid {
			t := sub.CurrentPeriodEnd.Time
			row.PeriodEnd = &t
		}
		page.Subscriptions = append(page.Subscriptions, row)
	}
	// Anyone who has paid online has a Stripe customer, and so a portal.
	if me.Configured && (len(me.Subscriptions) > 0 || me.Standing.PaidThrough != nil) {
		page.Portal = &form{Action: "/me/dues/portal", Submit: "Manage or cancel", CSRF: rq.p.CSRFToken()}
	}
	for _, p := range plans {
		pv := planView{Plan: p, Anchor: "plan-" + p.ID.String(), Per: perInterval(p.BillingInterval)}
		pv.Range = formatMoney(p.MinAmount, p.Currency)
		if p.MaxAmount != p.MinAmount {
			pv.Range += " to " + formatMoney(p.MaxAmount, p.Currency)
		}
		pv.Range += " " + pv.Per
		if p.IncomeBp > 0 {
			pv.IncomeRate = formatBp(int64(p.IncomeBp)) + " of your yearly income"
		}
		id := p.ID.String()
		pv.Income = field{ID: "income-" + id, Name: "income", Label: "Your yearly income", Type: "text",
			Autocomplete: "off", Hint: "Before tax, in " + strings.ToUpper(p.Currency) + ". It is used for this suggestion only and is not stored."}
		pv.Amount = field{ID: "amount-" + id, Name: "amount", Label: "Amount " + pv.Per + " (" + strings.ToUpper(p.Currency) + ")",
			Type: "text", Required: true, Autocomplete: "off", Value: dues.FormatAmount(p.MinAmount),
			Hint: "Between " + formatMoney(p.MinAmount, p.Currency) + " and " + formatMoney(p.MaxAmount, p.Currency) + "."}
		if p.ID == def.plan {
			pv.Income.Error, pv.Income.Value = def.incomeErr, def.income
			if def.incomeOf != "" {
				pv.Suggested, pv.SuggestedOf = formatMoney(def.suggested, p.Currency), def.incomeOf
			}
			if def.amount != "" {
				pv.Amount.Value = def.amount
			}
			pv.Amount.Error, pv.Error = def.amountErr, def.err
		}
		page.Plans = append(page.Plans, pv)
	}
	return s.render(rq, status, "dues", "Dues", page)
}

// duesCheckout is POST /me/dues/checkout: it starts a Stripe Checkout for
// the chosen plan and amount and sends the member to it (303).
func (s *Site) duesCheckout(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	r := rq.r
	planID, err := uuid.Parse(r.PostFormValue("plan_id"))
	if err != nil {
		return errs.NotFoundf("no such plan")
	}
	raw := strings.TrimSpace(r.PostFormValue("amount"))
	def := planDefaults{plan: planID, amount: raw}
	amount, perr := dues.ParseAmount(strings.ReplaceAll(raw, ",", ""))
	if perr != nil {
		def.amountErr = "Enter an amount such as 12 or 12.50."
		return s.renderDues(rq, http.StatusUnprocessableEntity, def)
	}
	base := s.baseURL(r)
	_, target, err := d.Checkout(r.Context(), rq.p, dues.CheckoutInput{PlanID: planID, Amount: amount,
		SuccessURL: base + "/me/dues?checkout=done", CancelURL: base + "/me/dues?checkout=canceled"})
	if err == nil {
		http.Redirect(rq.w, r, target, http.StatusSeeOther)
		return nil
	}
	e := errs.As(err)
	if e == nil || (e.Kind != errs.Invalid && e.Kind != errs.Conflict) {
		return err
	}
	status := http.StatusUnprocessableEntity
	if e.Kind == errs.Conflict {
		status = http.StatusConflict
	}
	if strings.TrimPrefix(e.Field, "/") == "amount" {
		def.amountErr = sentence(e.Msg)
	} else {
		def.err = sentence(e.Msg)
	}
	return s.renderDues(rq, status, def)
}

// duesPortal is POST /me/dues/portal: it sends the member to Stripe's
// customer portal to change or cancel their subscription (303).
func (s *Site) duesPortal(rq *request) error {
	d, err := s.duesService()
	if err != nil {
		return err
	}
	target, err := d.Portal(rq.r.Context(), rq.p, s.baseURL(rq.r)+"/me/dues")
	if err != nil {
		return err
	}
	http.Redirect(rq.w, rq.r, target, http.StatusSeeOther)
	return nil
}

// perInterval says a billing interval: "per month", "per year".
func perInterval(interval string) string {
	switch interval {
	case "month", "year":
		return "per " + interval
	case "":
		return ""
	default:
		return "every " + interval
	}
}

// subscriptionStatus says a Stripe subscription status in words.
func subscriptionStatus(st string) string {
	switch st {
	case "active":
		return "Active"
	case "past_due":
		return "Payment overdue"
	case "canceled":
		return "Canceled"
	case "incomplete", "incomplete_expired":
		return "Not completed"
	case "trialing":
		return "Trial"
	case "unpaid":
		return "Unpaid"
	case "paused":
		return "Paused"
	default:
		return st
	}
}

// queryWith returns path with the query values, dropping empty ones.
func queryWith(path string, q url.Values) string {
	keep := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if v != "" {
				keep.Add(k, v)
			}
		}
	}
	if len(keep) == 0 {
		return path
	}
	return path + "?" + keep.Encode()
}
