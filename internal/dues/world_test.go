package dues

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// world is a consistent Stripe account for scenario tests: stripe-mock
// answers every call with the same fixture, so replays that need the
// balance transactions of many distinct charges read them from here.
// (Every call's shape is checked against stripe-mock in
// TestStripeClientAgainstStripeMock.)
type world struct {
	mu       sync.Mutex
	charges  map[string]BalanceTxn
	refunds  map[string][]BalanceTxn
	payouts  map[string][]BalanceTxn
	events   [][]byte // event JSON, in the order Stripe created them
	seq      int
	customer map[uuid.UUID]string
}

func newWorld() *world {
	return &world{charges: map[string]BalanceTxn{}, refunds: map[string][]BalanceTxn{}, payouts: map[string][]BalanceTxn{},
		customer: map[uuid.UUID]string{}}
}

func (w *world) CreateCustomer(_ context.Context, m uuid.UUID, _, _ string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := "cus_" + m.String()[:8]
	w.customer[m] = id
	return id, nil
}
func (w *world) CreateCheckoutSession(context.Context, CheckoutParams) (string, string, error) {
	return "cs_test", "https://checkout.stripe.test/cs_test", nil
}
func (w *world) CreatePortalSession(context.Context, string, string) (string, error) {
	return "https://billing.stripe.test/p", nil
}
func (w *world) ChargeBalanceTransaction(_ context.Context, id string) (BalanceTxn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	bt, ok := w.charges[id]
	if !ok {
		return bt, fmt.Errorf("no such charge %s", id)
	}
	return bt, nil
}
func (w *world) ChargeRefunds(_ context.Context, id string) ([]BalanceTxn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]BalanceTxn(nil), w.refunds[id]...), nil
}
func (w *world) BalanceTransaction(context.Context, string) (BalanceTxn, error) {
	return BalanceTxn{}, fmt.Errorf("not used")
}
func (w *world) PayoutBalanceTransactions(_ context.Context, id string) ([]BalanceTxn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]BalanceTxn(nil), w.payouts[id]...), nil
}

func (w *world) next(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s_%06d", prefix, w.seq)
}

func (w *world) emit(typ string, at time.Time, obj map[string]any) string {
	id := w.next("evt")
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16", "created": at.Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": obj}})
	if err != nil {
		panic(err)
	}
	w.events = append(w.events, b)
	return id
}

// pay makes a paid monthly invoice of amount for a customer at time at,
// with its charge and balance transaction (fee 2.9 % + 30), and emits
// invoice.paid. It returns the charge id.
func (w *world) pay(customer string, amount int64, at time.Time) (string, BalanceTxn) {
	ch, in, sub := w.next("ch"), w.next("in"), "sub_"+customer[4:]
	fee := amount*29/1000 + 30
	bt := BalanceTxn{ID: w.next("txn"), Type: "charge", Category: "charge", Source: ch, Amount: amount, Fee: fee,
		Net: amount - fee, Currency: "usd", Created: at}
	w.charges[ch] = bt
	end := at.AddDate(0, 1, 0)
	w.emit("invoice.paid", at, map[string]any{"id": in, "object": "invoice", "customer": customer, "charge": ch,
		"subscription": sub, "amount_paid": amount, "currency": "usd", "period_start": at.Unix(), "period_end": end.Unix(),
		"status": "paid", "status_transitions": map[string]any{"paid_at": at.Unix()},
		"lines": map[string]any{"object": "list", "data": []any{map[string]any{"id": w.next("il"), "object": "line_item",
			"period": map[string]any{"start": at.Unix(), "end": end.Unix()}}}}})
	return ch, bt
}

func (w *world) subscription(typ, customer, status string, at time.Time, amount int64) {
	w.emit(typ, at, map[string]any{"id": "sub_" + customer[4:], "object": "subscription", "customer": customer,
		"status": status, "current_period_end": at.AddDate(0, 1, 0).Unix(), "cancel_at_period_end": false, "currency": "usd",
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_" + customer[4:], "object": "subscription_item",
			"quantity": 1, "price": map[string]any{"id": "price_x", "object": "price", "unit_amount": amount,
				"recurring": map[string]any{"interval": "month"}}}}}})
}

func (w *world) refund(customer, charge string, amount int64, at time.Time) BalanceTxn {
	re := w.next("re")
	bt := BalanceTxn{ID: w.next("txn"), Type: "refund", Category: "refund", Source: re, Amount: -amount, Fee: 0,
		Net: -amount, Currency: "usd", Created: at}
	w.refunds[charge] = append(w.refunds[charge], bt)
	total := int64(0)
	for _, r := range w.refunds[charge] {
		total -= r.Amount
	}
	w.emit("charge.refunded", at, map[string]any{"id": charge, "object": "charge", "customer": customer,
		"amount": w.charges[charge].Amount, "amount_refunded": total, "currency": "usd", "refunded": true})
	return bt
}

func btJSON(b BalanceTxn) map[string]any {
	return map[string]any{"id": b.ID, "object": "balance_transaction", "amount": b.Amount, "fee": b.Fee, "net": b.Net,
		"currency": b.Currency, "created": b.Created.Unix(), "type": b.Type, "reporting_category": b.Category, "source": b.Source}
}

// dispute opens a dispute (amount plus a 15.00 fee withdrawn) and, when
// won is set, closes it won a week later (amount and fee reinstated).
func (w *world) dispute(customer, charge string, amount int64, at time.Time, won bool) []BalanceTxn {
	dp := w.next("dp")
	open := BalanceTxn{ID: w.next("txn"), Type: "adjustment", Category: "dispute", Source: dp, Amount: -amount, Fee: 1500,
		Net: -amount - 1500, Currency: "usd", Created: at}
	obj := func(status string, bts []BalanceTxn) map[string]any {
		var js []any
		for _, b := range bts {
			js = append(js, btJSON(b))
		}
		return map[string]any{"id": dp, "object": "dispute", "amount": amount, "currency": "usd", "status": status,
			"created": at.Unix(), "charge": map[string]any{"id": charge, "object": "charge", "customer": customer},
			"balance_transactions": js}
	}
	w.emit("charge.dispute.created", at, obj("needs_response", []BalanceTxn{open}))
	if !won {
		w.emit("charge.dispute.closed", at.AddDate(0, 0, 7), obj("lost", []BalanceTxn{open}))
		return []BalanceTxn{open}
	}
	back := BalanceTxn{ID: w.next("txn"), Type: "adjustment", Category: "dispute_reversal", Source: dp, Amount: amount,
		Fee: -1500, Net: amount + 1500, Currency: "usd", Created: at.AddDate(0, 0, 7)}
	w.emit("charge.dispute.closed", at.AddDate(0, 0, 7), obj("won", []BalanceTxn{open, back}))
	return []BalanceTxn{open, back}
}

// payout pays out items; skew is added to the payout's amount (a payout
// that does not add up when non-zero).
func (w *world) payout(items []BalanceTxn, at time.Time, skew int64) string {
	po := w.next("po")
	var sum int64
	for _, it := range items {
		sum += it.Net
	}
	amount := sum + skew
	w.payouts[po] = append(append([]BalanceTxn(nil), items...), BalanceTxn{ID: w.next("txn"), Type: "payout",
		Category: "payout", Source: po, Amount: -amount, Net: -amount, Currency: "usd", Created: at})
	obj := map[string]any{"id": po, "object": "payout", "amount": amount, "currency": "usd", "arrival_date": at.AddDate(0, 0, 2).Unix(),
		"created": at.Unix(), "status": "paid", "reconciliation_status": "completed"}
	w.emit("payout.paid", at.AddDate(0, 0, 2), obj)
	w.emit("payout.reconciliation_completed", at.AddDate(0, 0, 2), obj)
	return po
}

// shuffled returns the events in a random order with about a fifth of them
// delivered twice.
func shuffled(events [][]byte, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := append([][]byte(nil), events...)
	for _, e := range events {
		if r.IntN(5) == 0 {
			out = append(out, e)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
