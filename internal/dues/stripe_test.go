package dues

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/dues/stripetest"
)

// TestStripeClientAgainstStripeMock makes every call Chapterhouse makes to
// Stripe against stripe-mock, which checks each request against Stripe's
// OpenAPI description for API version 2023-10-16.
func TestStripeClientAgainstStripeMock(t *testing.T) {
	base := stripetest.Start(t)
	c := NewStripeClient("sk_test_123", base, nil)
	ctx := context.Background()
	member := uuid.New()

	cus, err := c.CreateCustomer(ctx, member, "ada@example.org", "Ada Lovelace")
	if err != nil || !strings.HasPrefix(cus, "cus_") {
		t.Fatalf("CreateCustomer = %q, %v", cus, err)
	}
	id, url, err := c.CreateCheckoutSession(ctx, CheckoutParams{CustomerID: cus, MemberID: member, PlanName: "Monthly",
		Interval: "month", Amount: 1500, Currency: "usd", SuccessURL: "https://example.org/ok",
		CancelURL: "https://example.org/cancel", Idempotency: "k1"})
	if err != nil || !strings.HasPrefix(id, "cs_") || url == "" {
		t.Fatalf("CreateCheckoutSession = %q, %q, %v", id, url, err)
	}
	purl, err := c.CreatePortalSession(ctx, cus, "https://example.org/me")
	if err != nil || purl == "" {
		t.Fatalf("CreatePortalSession = %q, %v", purl, err)
	}
	bt, err := c.ChargeBalanceTransaction(ctx, "ch_123")
	if err != nil || !strings.HasPrefix(bt.ID, "txn_") || bt.Net != bt.Amount-bt.Fee {
		t.Fatalf("ChargeBalanceTransaction = %+v, %v", bt, err)
	}
	bt2, err := c.BalanceTransaction(ctx, "txn_123")
	if err != nil || bt2.ID == "" || bt2.Currency == "" {
		t.Fatalf("BalanceTransaction = %+v, %v", bt2, err)
	}
	if _, err := c.ChargeRefunds(ctx, "ch_123"); err != nil {
		t.Fatalf("ChargeRefunds: %v", err)
	}
	items, err := c.PayoutBalanceTransactions(ctx, "po_123")
	if err != nil || len(items) == 0 {
		t.Fatalf("PayoutBalanceTransactions = %d items, %v", len(items), err)
	}
	// A request stripe-mock rejects comes back as an error, not a zero value.
	if _, _, err := c.CreateCheckoutSession(ctx, CheckoutParams{CustomerID: cus, MemberID: member, PlanName: "x",
		Interval: "fortnight", Amount: 1500, Currency: "usd", SuccessURL: "https://e/ok", CancelURL: "https://e/no"}); err == nil {
		t.Fatal("an invalid recurring interval was accepted")
	}
}
