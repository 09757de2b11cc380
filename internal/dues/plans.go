package dues

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Plan is a dues plan.
type Plan = postgres.DuesPlan

// PlanInput defines a plan. Amounts are minor units of the organization's
// currency.
type PlanInput struct {
	Name      string
	Interval  string // month or year
	MinAmount int64
	MaxAmount int64
	IncomeBp  int
	LowIncome bool
}

// Plans lists the active plans (any signed-in member); includeInactive
// adds retired ones.
func (s *Service) Plans(ctx context.Context, p *auth.Principal, includeInactive bool) ([]Plan, error) {
	if p == nil {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	return postgres.New(s.pool).DuesListPlans(ctx, includeInactive)
}

// CreatePlan adds a plan in the organization's currency. National admins
// only (Forbidden); Invalid naming the field for a bad interval or range;
// Conflict for a name in use. Audited.
func (s *Service) CreatePlan(ctx context.Context, p *auth.Principal, in PlanInput) (Plan, error) {
	if !p.IsNationalAdmin() {
		return Plan{}, errs.Forbiddenf("only national admins set dues plans")
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "" || len(in.Name) > 100:
		return Plan{}, errs.Field("/name", "must be 1 to 100 characters")
	case in.Interval != "month" && in.Interval != "year":
		return Plan{}, errs.Field("/interval", "must be month or year")
	case in.MinAmount <= 0:
		return Plan{}, errs.Field("/min_amount", "must be positive")
	case in.MaxAmount < in.MinAmount:
		return Plan{}, errs.Field("/max_amount", "must not be below min_amount")
	case in.IncomeBp < 0 || in.IncomeBp > 10000:
		return Plan{}, errs.Field("/income_bp", "must be 0 to 10000")
	}
	var out Plan
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		var err error
		out, err = q.DuesInsertPlan(ctx, postgres.DuesInsertPlanParams{Name: in.Name, BillingInterval: in.Interval,
			Currency: s.cfg.Policy.Currency, MinAmount: in.MinAmount, MaxAmount: in.MaxAmount,
			IncomeBp: int32(in.IncomeBp), LowIncome: in.LowIncome})
		if isUnique(err) {
			return &errs.Error{Kind: errs.Conflict, Field: "/name", Msg: "another plan has this name", Err: err}
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEntry(p, "dues.plan.create", "dues_plan", out.ID.String(), uuid.Nil,
			map[string]any{"name": in.Name, "interval": in.Interval, "min": in.MinAmount, "max": in.MaxAmount}))
	})
	return out, err
}

// Suggestion returns a plan's income-based suggested amount for an annual
// income (minor units); NotFound for an unknown plan.
func (s *Service) Suggestion(ctx context.Context, p *auth.Principal, planID uuid.UUID, annualIncome int64) (Plan, int64, error) {
	if p == nil {
		return Plan{}, 0, errs.E(errs.Unauthenticated, "sign in first")
	}
	plan, err := postgres.New(s.pool).DuesGetPlan(ctx, planID)
	if err != nil {
		return Plan{}, 0, notFound(err, "plan")
	}
	return plan, Suggest(plan, annualIncome), nil
}

// CheckoutInput is a member's choice of plan and amount.
type CheckoutInput struct {
	PlanID     uuid.UUID
	Amount     int64
	SuccessURL string
	CancelURL  string
}

// Checkout starts a Stripe Checkout for the signed-in member (new or
// lapsed): it makes their Stripe customer on first use, then a subscription
// session for the plan at the chosen amount, which must lie within the
// plan's range. It returns the session id and URL. Errors: Conflict
// ErrNotConfigured without Stripe; NotFound or Conflict (inactive) for the
// plan; Invalid naming /amount when outside the range.
func (s *Service) Checkout(ctx context.Context, p *auth.Principal, in CheckoutInput) (string, string, error) {
	if p == nil {
		return "", "", errs.E(errs.Unauthenticated, "sign in first")
	}
	if s.cfg.Stripe == nil {
		return "", "", ErrNotConfigured
	}
	q := postgres.New(s.pool)
	plan, err := q.DuesGetPlan(ctx, in.PlanID)
	if err != nil {
		return "", "", notFound(err, "plan")
	}
	if !plan.Active {
		return "", "", errs.Conflictf("plan %q is no longer offered", plan.Name)
	}
	if in.Amount < plan.MinAmount || in.Amount > plan.MaxAmount {
		return "", "", errs.Field("/amount", "must be between %s and %s", FormatAmount(plan.MinAmount), FormatAmount(plan.MaxAmount))
	}
	customer, err := s.customerFor(ctx, p)
	if err != nil {
		return "", "", err
	}
	return s.cfg.Stripe.CreateCheckoutSession(ctx, CheckoutParams{CustomerID: customer, MemberID: p.MemberID,
		PlanName: plan.Name, Interval: plan.BillingInterval, Amount: in.Amount, Currency: plan.Currency,
		SuccessURL: in.SuccessURL, CancelURL: in.CancelURL,
		Idempotency: "checkout-" + p.MemberID.String() + "-" + s.now().UTC().Format("20060102T1504")})
}

// customerFor returns the member's Stripe customer, making it on first use.
func (s *Service) customerFor(ctx context.Context, p *auth.Principal) (string, error) {
	q := postgres.New(s.pool)
	c, err := q.DuesGetCustomerByMember(ctx, p.MemberID)
	if err == nil {
		return c.CustomerID, nil
	}
	if err != pgx.ErrNoRows {
		return "", err
	}
	m, err := q.GetMember(ctx, p.MemberID)
	if err != nil {
		return "", notFound(err, "member")
	}
	id, err := s.cfg.Stripe.CreateCustomer(ctx, p.MemberID, m.Email, strings.TrimSpace(m.GivenName+" "+m.FamilyName))
	if err != nil {
		return "", err
	}
	if err := q.DuesInsertCustomer(ctx, postgres.DuesInsertCustomerParams{CustomerID: id, MemberID: p.MemberID}); err != nil {
		return "", err
	}
	// A concurrent first checkout may have won: use the stored one.
	c, err = q.DuesGetCustomerByMember(ctx, p.MemberID)
	return c.CustomerID, err
}

// Portal returns a Stripe customer portal URL where the signed-in member
// changes or cancels their subscription. Conflict ErrNotConfigured without
// Stripe; Conflict when the member has never checked out.
func (s *Service) Portal(ctx context.Context, p *auth.Principal, returnURL string) (string, error) {
	if p == nil {
		return "", errs.E(errs.Unauthenticated, "sign in first")
	}
	if s.cfg.Stripe == nil {
		return "", ErrNotConfigured
	}
	c, err := postgres.New(s.pool).DuesGetCustomerByMember(ctx, p.MemberID)
	if err != nil {
		return "", notFoundOr(err, errs.Conflictf("you have no dues subscription yet: check out first"))
	}
	return s.cfg.Stripe.CreatePortalSession(ctx, c.CustomerID, returnURL)
}

// MyDues is the signed-in member's dues page.
type MyDues struct {
	Configured    bool
	Standing      MemberStanding
	Subscriptions []postgres.DuesSubscription
}

// Me returns the signed-in member's standing today, history, waivers and
// subscriptions, and whether payments are configured.
func (s *Service) Me(ctx context.Context, p *auth.Principal) (MyDues, error) {
	if p == nil {
		return MyDues{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	st, err := s.Standing(ctx, p, p.MemberID, nil)
	if err != nil {
		return MyDues{}, err
	}
	subs, err := postgres.New(s.pool).DuesListMemberSubscriptions(ctx, nullUUID(p.MemberID))
	return MyDues{Configured: s.Configured(), Standing: st, Subscriptions: subs}, err
}
