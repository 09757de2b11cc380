// Package duestest builds dues ledgers for tests outside the dues package
// (the web pages, the API): a fake Stripe account that stays consistent
// across calls, builders for the events Stripe would send about it, and a
// helper that delivers them through the dues service's own webhook and
// processing path, so the ledger, standing history and reports in a test
// are made exactly as production makes them.
//
// It is test support: import it only from _test.go files.
package duestest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chapterhouse/chapterhouse/internal/dues"
)

// Secret is the webhook signing secret Deliver signs events with; give it
// to the service as dues.Config.WebhookSecret.
const Secret = "whsec_duestest"

// CheckoutURL and PortalURL are the URLs the fake answers checkout and
// portal requests with.
const (
	CheckoutURL = "https://checkout.stripe.test/c/pay/cs_test"
	PortalURL   = "https://billing.stripe.test/p/session"
)

// Stripe is a fake Stripe account implementing dues.Stripe. Charges,
// refunds and payouts made by its builders are answered consistently by
// the read calls; the events the builders emit are kept in Events, in the
// order Stripe would create them. It is safe for concurrent use.
type Stripe struct {
	mu      sync.Mutex
	charges map[string]dues.BalanceTxn
	refunds map[string][]dues.BalanceTxn
	payouts map[string][]dues.BalanceTxn
	hidden  map[string]bool
	events  [][]byte
	seq     int
	// checkouts and portals record the sessions asked for.
	checkouts []dues.CheckoutParams
	portals   []string
}

// New returns an empty fake account.
func New() *Stripe {
	return &Stripe{charges: map[string]dues.BalanceTxn{}, refunds: map[string][]dues.BalanceTxn{},
		payouts: map[string][]dues.BalanceTxn{}, hidden: map[string]bool{}}
}

// CustomerID is the Stripe customer id the fake gives a member.
func CustomerID(member uuid.UUID) string { return "cus_" + hex.EncodeToString(member[:]) }

// CreateCustomer implements dues.Stripe.
func (w *Stripe) CreateCustomer(_ context.Context, m uuid.UUID, _, _ string) (string, error) {
	return CustomerID(m), nil
}

// CreateCheckoutSession implements dues.Stripe; it answers CheckoutURL.
func (w *Stripe) CreateCheckoutSession(_ context.Context, p dues.CheckoutParams) (string, string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.checkouts = append(w.checkouts, p)
	return "cs_test", CheckoutURL, nil
}

// CreatePortalSession implements dues.Stripe; it answers PortalURL.
func (w *Stripe) CreatePortalSession(_ context.Context, customer, _ string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.portals = append(w.portals, customer)
	return PortalURL, nil
}

// Checkouts returns the checkout sessions asked for so far.
func (w *Stripe) Checkouts() []dues.CheckoutParams {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]dues.CheckoutParams(nil), w.checkouts...)
}

// Portals returns the customers a portal session was asked for.
func (w *Stripe) Portals() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.portals...)
}

// ChargeBalanceTransaction implements dues.Stripe for charges made by Pay
// or Charge; an unknown or hidden charge is an error.
func (w *Stripe) ChargeBalanceTransaction(_ context.Context, id string) (dues.BalanceTxn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	bt, ok := w.charges[id]
	if !ok || w.hidden[id] {
		return bt, fmt.Errorf("duestest: no such charge %s", id)
	}
	return bt, nil
}

// ChargeRefunds implements dues.Stripe.
func (w *Stripe) ChargeRefunds(_ context.Context, id string) ([]dues.BalanceTxn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]dues.BalanceTxn(nil), w.refunds[id]...), nil
}

// BalanceTransaction implements dues.Stripe; the service does not use it
// for the events this package makes, and it always fails.
func (w *Stripe) BalanceTransaction(context.Context, string) (dues.BalanceTxn, error) {
	return dues.BalanceTxn{}, fmt.Errorf("duestest: BalanceTransaction is not faked")
}

// PayoutBalanceTransactions implements dues.Stripe for payouts made by
// Payout.
func (w *Stripe) PayoutBalanceTransactions(_ context.Context, id string) ([]dues.BalanceTxn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]dues.BalanceTxn(nil), w.payouts[id]...), nil
}

// Events returns the events emitted so far, oldest first.
func (w *Stripe) Events() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.events...)
}

// next returns a fresh id with prefix; the caller holds mu.
func (w *Stripe) next(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s_%06d", prefix, w.seq)
}

// emit records an event and returns its id; the caller holds mu.
func (w *Stripe) emit(typ string, at time.Time, obj map[string]any) string {
	id := w.next("evt")
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16",
		"created": at.Unix(), "type": typ, "livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": obj}})
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	w.events = append(w.events, b)
	return id
}

// Emit records an event of type typ created at time at about obj (its
// data.object, as Stripe sends it at API version 2023-10-16) and returns
// the event's id: for events the other builders do not make, such as a
// type the service ignores or an object it cannot attribute.
func (w *Stripe) Emit(typ string, at time.Time, obj map[string]any) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.emit(typ, at, obj)
}

// charge records charge ch of amount at time at with its balance
// transaction (fee 2.9 % + 30) and returns it; the caller holds mu.
func (w *Stripe) charge(ch string, amount int64, at time.Time) dues.BalanceTxn {
	fee := amount*29/1000 + 30
	bt := dues.BalanceTxn{ID: w.next("txn"), Type: "charge", Category: "charge", Source: ch, Amount: amount, Fee: fee,
		Net: amount - fee, Currency: "usd", Created: at}
	w.charges[ch] = bt
	return bt
}

// Charge makes a charge of amount (minor units, usd) at time at, with its
// balance transaction as Pay makes them, but no invoice and no event: a
// charge Stripe knows that no event names. It returns the charge id and
// its balance transaction.
func (w *Stripe) Charge(amount int64, at time.Time) (string, dues.BalanceTxn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.next("ch")
	return ch, w.charge(ch, amount, at)
}

// Hide makes ChargeBalanceTransaction fail for charge as for a charge
// Stripe does not know (yet), so that events paying it fail to process,
// until the returned show is called.
func (w *Stripe) Hide(charge string) (show func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hidden[charge] = true
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.hidden, charge)
	}
}

// Pay makes a paid monthly invoice of amount (minor units, usd) for the
// member's customer at time at, with its charge and balance transaction
// (fee 2.9 % + 30), and emits invoice.paid. It returns the charge id and
// its balance transaction.
func (w *Stripe) Pay(member uuid.UUID, amount int64, at time.Time) (string, dues.BalanceTxn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	customer := CustomerID(member)
	ch, in, sub := w.next("ch"), w.next("in"), "sub_"+customer[4:]
	bt := w.charge(ch, amount, at)
	end := at.AddDate(0, 1, 0)
	w.emit("invoice.paid", at, map[string]any{"id": in, "object": "invoice", "customer": customer, "charge": ch,
		"subscription": sub, "amount_paid": amount, "currency": "usd", "period_start": at.Unix(), "period_end": end.Unix(),
		"status": "paid", "status_transitions": map[string]any{"paid_at": at.Unix()},
		"lines": map[string]any{"object": "list", "data": []any{map[string]any{"id": w.next("il"), "object": "line_item",
			"period": map[string]any{"start": at.Unix(), "end": end.Unix()}}}}})
	return ch, bt
}

// Subscription emits an event of type typ (customer.subscription.created,
// .updated or .deleted) created at time at about the member's subscription
// (the one Pay's invoices name) in status, at amount (minor units, usd) a
// month, its current period ending a month after at.
func (w *Stripe) Subscription(typ string, member uuid.UUID, status string, at time.Time, amount int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	customer := CustomerID(member)
	w.emit(typ, at, map[string]any{"id": "sub_" + customer[4:], "object": "subscription", "customer": customer,
		"status": status, "current_period_end": at.AddDate(0, 1, 0).Unix(), "cancel_at_period_end": false, "currency": "usd",
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_" + customer[4:],
			"object": "subscription_item", "quantity": 1, "price": map[string]any{"id": "price_x", "object": "price",
				"unit_amount": amount, "recurring": map[string]any{"interval": "month"}}}}}})
}

// Refund refunds amount of a charge made by Pay at time at and emits
// charge.refunded; it returns the refund's balance transaction.
func (w *Stripe) Refund(member uuid.UUID, charge string, amount int64, at time.Time) dues.BalanceTxn {
	w.mu.Lock()
	defer w.mu.Unlock()
	re := w.next("re")
	bt := dues.BalanceTxn{ID: w.next("txn"), Type: "refund", Category: "refund", Source: re, Amount: -amount,
		Net: -amount, Currency: "usd", Created: at}
	w.refunds[charge] = append(w.refunds[charge], bt)
	var total int64
	for _, r := range w.refunds[charge] {
		total -= r.Amount
	}
	w.emit("charge.refunded", at, map[string]any{"id": charge, "object": "charge", "customer": CustomerID(member),
		"amount": w.charges[charge].Amount, "amount_refunded": total, "currency": "usd", "refunded": true})
	return bt
}

// Dispute opens a dispute of amount on a charge at time at (the amount and
// a 15.00 fee are withdrawn) and closes it a week later, won (amount and
// fee reinstated) or lost. It returns the dispute's balance transactions.
func (w *Stripe) Dispute(member uuid.UUID, charge string, amount int64, at time.Time, won bool) []dues.BalanceTxn {
	w.mu.Lock()
	defer w.mu.Unlock()
	dp := w.next("dp")
	open := dues.BalanceTxn{ID: w.next("txn"), Type: "adjustment", Category: "dispute", Source: dp, Amount: -amount,
		Fee: 1500, Net: -amount - 1500, Currency: "usd", Created: at}
	obj := func(status string, bts []dues.BalanceTxn) map[string]any {
		js := make([]any, 0, len(bts))
		for _, b := range bts {
			js = append(js, map[string]any{"id": b.ID, "object": "balance_transaction", "amount": b.Amount, "fee": b.Fee,
				"net": b.Net, "currency": b.Currency, "created": b.Created.Unix(), "type": b.Type,
				"reporting_category": b.Category, "source": b.Source})
		}
		return map[string]any{"id": dp, "object": "dispute", "amount": amount, "currency": "usd", "status": status,
			"created": at.Unix(), "charge": map[string]any{"id": charge, "object": "charge", "customer": CustomerID(member)},
			"balance_transactions": js}
	}
	w.emit("charge.dispute.created", at, obj("needs_response", []dues.BalanceTxn{open}))
	if !won {
		w.emit("charge.dispute.closed", at.AddDate(0, 0, 7), obj("lost", []dues.BalanceTxn{open}))
		return []dues.BalanceTxn{open}
	}
	back := dues.BalanceTxn{ID: w.next("txn"), Type: "adjustment", Category: "dispute_reversal", Source: dp, Amount: amount,
		Fee: -1500, Net: amount + 1500, Currency: "usd", Created: at.AddDate(0, 0, 7)}
	w.emit("charge.dispute.closed", at.AddDate(0, 0, 7), obj("won", []dues.BalanceTxn{open, back}))
	return []dues.BalanceTxn{open, back}
}

// Payout pays out items, created at time at and arriving two days later;
// skew is added to the payout's amount, so a non-zero skew makes a payout
// that differs from its transactions by exactly skew. It emits payout.paid
// and payout.reconciliation_completed and returns the payout id.
func (w *Stripe) Payout(items []dues.BalanceTxn, at time.Time, skew int64) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	po := w.next("po")
	var sum int64
	for _, it := range items {
		sum += it.Net
	}
	amount := sum + skew
	w.payouts[po] = append(append([]dues.BalanceTxn(nil), items...), dues.BalanceTxn{ID: w.next("txn"), Type: "payout",
		Category: "payout", Source: po, Amount: -amount, Net: -amount, Currency: "usd", Created: at})
	obj := map[string]any{"id": po, "object": "payout", "amount": amount, "currency": "usd",
		"arrival_date": at.AddDate(0, 0, 2).Unix(), "created": at.Unix(), "status": "paid", "reconciliation_status": "completed"}
	w.emit("payout.paid", at.AddDate(0, 0, 2), obj)
	w.emit("payout.reconciliation_completed", at.AddDate(0, 0, 2), obj)
	return po
}

// AddCustomers records the fake's customer for each member in
// dues_customers, as a first checkout would.
func AddCustomers(t testing.TB, pool *pgxpool.Pool, members ...uuid.UUID) {
	t.Helper()
	for _, m := range members {
		if _, err := pool.Exec(context.Background(),
			`INSERT INTO dues_customers (customer_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			CustomerID(m), m); err != nil {
			t.Fatalf("duestest: add customer of %s: %v", m, err)
		}
	}
}

// Deliver sends each event to s's webhook receiver, signed with Secret, and
// processes it at once (as the River worker would), then runs the daily
// standing sweep. s must be configured with Secret and a Stripe that knows
// the events' charges and payouts (the fake that emitted them).
func Deliver(t testing.TB, s *dues.Service, events [][]byte) {
	t.Helper()
	ctx := context.Background()
	for _, e := range events {
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: e, Secret: Secret, Timestamp: time.Now()})
		if _, err := s.ReceiveWebhook(ctx, e, sig.Header); err != nil {
			t.Fatalf("duestest: receive: %v", err)
		}
		var ev struct{ ID string }
		if err := json.Unmarshal(e, &ev); err != nil {
			t.Fatal(err)
		}
		if err := s.ProcessEvent(ctx, ev.ID); err != nil {
			t.Fatalf("duestest: process %s: %v", ev.ID, err)
		}
	}
	if _, err := s.SweepStanding(ctx); err != nil {
		t.Fatalf("duestest: sweep: %v", err)
	}
}
