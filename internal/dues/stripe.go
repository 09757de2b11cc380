package dues

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// BalanceTxn is a Stripe balance transaction: the unit of the ledger and of
// payout reconciliation. Amounts are minor units; Net = Amount - Fee.
type BalanceTxn struct {
	ID       string
	Type     string // charge, payment, refund, adjustment, payout, stripe_fee, ...
	Category string // reporting_category: charge, refund, dispute, dispute_reversal, payout, fee, ...
	Source   string // id of the object that caused it (ch_, re_, du_, po_)
	Amount   int64
	Fee      int64
	Net      int64
	Currency string
	Created  time.Time
}

// CheckoutParams is what a Checkout session for dues needs.
type CheckoutParams struct {
	CustomerID  string
	MemberID    uuid.UUID
	PlanName    string
	Interval    string // month or year
	Amount      int64
	Currency    string
	SuccessURL  string
	CancelURL   string
	Idempotency string
}

// Stripe is every call Chapterhouse makes to Stripe. StripeClient
// implements it with stripe-go; tests run it against stripe-mock.
type Stripe interface {
	// CreateCustomer makes a customer for a member and returns its id.
	CreateCustomer(ctx context.Context, memberID uuid.UUID, email, name string) (string, error)
	// CreateCheckoutSession starts a subscription Checkout and returns the
	// session id and the URL to send the member to.
	CreateCheckoutSession(ctx context.Context, p CheckoutParams) (id, url string, err error)
	// CreatePortalSession returns a customer portal URL for a customer.
	CreatePortalSession(ctx context.Context, customerID, returnURL string) (string, error)
	// ChargeBalanceTransaction returns the balance transaction of a charge.
	ChargeBalanceTransaction(ctx context.Context, chargeID string) (BalanceTxn, error)
	// ChargeRefunds returns the balance transactions of a charge's refunds
	// (Source is the refund's id).
	ChargeRefunds(ctx context.Context, chargeID string) ([]BalanceTxn, error)
	// BalanceTransaction returns one balance transaction.
	BalanceTransaction(ctx context.Context, id string) (BalanceTxn, error)
	// PayoutBalanceTransactions lists every balance transaction a payout
	// paid out (including the payout's own).
	PayoutBalanceTransactions(ctx context.Context, payoutID string) ([]BalanceTxn, error)
}

// StripeClient is Stripe through stripe-go v76 (API version 2023-10-16).
type StripeClient struct {
	api *client.API
}

// NewStripeClient returns a client with the secret key. apiBase, when not
// empty, replaces https://api.stripe.com (stripe-mock in tests and dev).
// httpClient may be nil.
func NewStripeClient(secretKey, apiBase string, httpClient *http.Client) *StripeClient {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	cfg := &stripe.BackendConfig{HTTPClient: httpClient, LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if apiBase != "" {
		cfg.URL = stripe.String(apiBase)
	}
	api := &client.API{}
	api.Init(secretKey, &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, cfg),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, cfg),
	})
	return &StripeClient{api: api}
}

// CreateCustomer implements Stripe.
func (c *StripeClient) CreateCustomer(ctx context.Context, memberID uuid.UUID, email, name string) (string, error) {
	p := &stripe.CustomerParams{Email: stripe.String(email), Name: stripe.String(name)}
	p.Context = ctx
	p.AddMetadata("member_id", memberID.String())
	p.SetIdempotencyKey("customer-" + memberID.String())
	cu, err := c.api.Customers.New(p)
	if err != nil {
		return "", fmt.Errorf("stripe: create customer: %w", err)
	}
	return cu.ID, nil
}

// CreateCheckoutSession implements Stripe.
func (c *StripeClient) CreateCheckoutSession(ctx context.Context, in CheckoutParams) (string, string, error) {
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(in.CustomerID),
		ClientReferenceID: stripe.String(in.MemberID.String()),
		SuccessURL:        stripe.String(in.SuccessURL),
		CancelURL:         stripe.String(in.CancelURL),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String(in.Currency),
				UnitAmount:  stripe.Int64(in.Amount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String("Dues: " + in.PlanName)},
				Recurring:   &stripe.CheckoutSessionLineItemPriceDataRecurringParams{Interval: stripe.String(in.Interval)},
			},
		}},
		SubscriptionData: &stripe.CheckoutSessionSubscriptionDataParams{
			Metadata: map[string]string{"member_id": in.MemberID.String()},
		},
	}
	p.Context = ctx
	if in.Idempotency != "" {
		p.SetIdempotencyKey(in.Idempotency)
	}
	s, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return "", "", fmt.Errorf("stripe: create checkout session: %w", err)
	}
	return s.ID, s.URL, nil
}

// CreatePortalSession implements Stripe.
func (c *StripeClient) CreatePortalSession(ctx context.Context, customerID, returnURL string) (string, error) {
	p := &stripe.BillingPortalSessionParams{Customer: stripe.String(customerID), ReturnURL: stripe.String(returnURL)}
	p.Context = ctx
	s, err := c.api.BillingPortalSessions.New(p)
	if err != nil {
		return "", fmt.Errorf("stripe: create portal session: %w", err)
	}
	return s.URL, nil
}

// ChargeBalanceTransaction implements Stripe.
func (c *StripeClient) ChargeBalanceTransaction(ctx context.Context, chargeID string) (BalanceTxn, error) {
	p := &stripe.ChargeParams{}
	p.Context = ctx
	p.AddExpand("balance_transaction")
	ch, err := c.api.Charges.Get(chargeID, p)
	if err != nil {
		return BalanceTxn{}, fmt.Errorf("stripe: get charge %s: %w", chargeID, err)
	}
	if ch.BalanceTransaction == nil {
		return BalanceTxn{}, fmt.Errorf("stripe: charge %s has no balance transaction yet", chargeID)
	}
	if ch.BalanceTransaction.Object == "" { // not expanded
		return c.BalanceTransaction(ctx, ch.BalanceTransaction.ID)
	}
	return balanceTxn(ch.BalanceTransaction), nil
}

// ChargeRefunds implements Stripe.
func (c *StripeClient) ChargeRefunds(ctx context.Context, chargeID string) ([]BalanceTxn, error) {
	p := &stripe.RefundListParams{Charge: stripe.String(chargeID)}
	p.Context = ctx
	p.Limit = stripe.Int64(100)
	p.AddExpand("data.balance_transaction")
	var out []BalanceTxn
	it := c.api.Refunds.List(p)
	for it.Next() {
		r := it.Refund()
		if r.BalanceTransaction == nil {
			continue // not yet on the balance
		}
		bt := balanceTxn(r.BalanceTransaction)
		if r.BalanceTransaction.Object == "" {
			var err error
			if bt, err = c.BalanceTransaction(ctx, r.BalanceTransaction.ID); err != nil {
				return nil, err
			}
		}
		bt.Source = r.ID
		out = append(out, bt)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("stripe: list refunds of charge %s: %w", chargeID, err)
	}
	return out, nil
}

// BalanceTransaction implements Stripe.
func (c *StripeClient) BalanceTransaction(ctx context.Context, id string) (BalanceTxn, error) {
	p := &stripe.BalanceTransactionParams{}
	p.Context = ctx
	bt, err := c.api.BalanceTransactions.Get(id, p)
	if err != nil {
		return BalanceTxn{}, fmt.Errorf("stripe: get balance transaction %s: %w", id, err)
	}
	return balanceTxn(bt), nil
}

// PayoutBalanceTransactions implements Stripe.
func (c *StripeClient) PayoutBalanceTransactions(ctx context.Context, payoutID string) ([]BalanceTxn, error) {
	p := &stripe.BalanceTransactionListParams{Payout: stripe.String(payoutID)}
	p.Context = ctx
	p.Limit = stripe.Int64(100)
	var out []BalanceTxn
	it := c.api.BalanceTransactions.List(p)
	for it.Next() {
		out = append(out, balanceTxn(it.BalanceTransaction()))
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("stripe: list balance transactions of payout %s: %w", payoutID, err)
	}
	return out, nil
}

func balanceTxn(bt *stripe.BalanceTransaction) BalanceTxn {
	out := BalanceTxn{ID: bt.ID, Type: string(bt.Type), Category: string(bt.ReportingCategory), Amount: bt.Amount,
		Fee: bt.Fee, Net: bt.Net, Currency: string(bt.Currency), Created: time.Unix(bt.Created, 0).UTC()}
	if bt.Source != nil {
		out.Source = bt.Source.ID
	}
	return out
}
