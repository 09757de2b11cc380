package dues

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Handled lists the event types the service acts on; others are stored and
// marked ignored.
var handled = map[string]bool{
	"invoice.paid": true, "invoice.payment_succeeded": true, "invoice.payment_failed": true,
	"customer.subscription.created": true, "customer.subscription.updated": true, "customer.subscription.deleted": true,
	"charge.refunded": true, "charge.dispute.created": true, "charge.dispute.updated": true,
	"charge.dispute.closed": true, "charge.dispute.funds_withdrawn": true, "charge.dispute.funds_reinstated": true,
	"payout.created": true, "payout.updated": true, "payout.paid": true, "payout.failed": true,
	"payout.canceled": true, "payout.reconciliation_completed": true,
}

// ProcessEvent applies one stored event. It is idempotent: processing an
// event again, or events in any order, leaves the same state. Stripe is
// called (for balance transactions) before the database transaction that
// applies the event, so a slow Stripe holds no locks. It returns an error
// (and marks the event failed) when Stripe or the database fails; the River
// job then retries.
func (s *Service) ProcessEvent(ctx context.Context, eventID string) error {
	q := postgres.New(s.pool)
	row, err := q.DuesGetEvent(ctx, eventID)
	if err != nil {
		return notFound(err, "event "+eventID)
	}
	if !handled[row.Type] {
		return q.DuesMarkEvent(ctx, postgres.DuesMarkEventParams{EventID: eventID, State: "ignored"})
	}
	var ev stripe.Event
	if err := json.Unmarshal(row.Payload, &ev); err != nil || ev.Data == nil {
		return s.fail(ctx, eventID, fmt.Errorf("event %s cannot be decoded: %v", eventID, err))
	}
	created := time.Unix(ev.Created, 0).UTC()
	var apply func(tx pgx.Tx, q *postgres.Queries) error
	switch row.Type {
	case "invoice.paid", "invoice.payment_succeeded":
		apply, err = s.invoicePaid(ctx, ev.Data.Raw, created)
	case "invoice.payment_failed":
		// A failed payment changes nothing by itself: standing ends only
		// when the paid-through date plus grace has passed.
		apply = func(pgx.Tx, *postgres.Queries) error { return nil }
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		apply, err = s.subscriptionEvent(ev.Data.Raw, created)
	case "charge.refunded":
		apply, err = s.chargeRefunded(ctx, ev.Data.Raw)
	case "payout.reconciliation_completed":
		apply, err = s.payoutEvent(ctx, ev.Data.Raw, true)
	default:
		if len(row.Type) > 14 && row.Type[:14] == "charge.dispute" {
			apply, err = s.disputeEvent(ev.Data.Raw, created)
		} else {
			apply, err = s.payoutEvent(ctx, ev.Data.Raw, false)
		}
	}
	if err != nil {
		return s.fail(ctx, eventID, err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		if err := apply(tx, q); err != nil {
			return err
		}
		return q.DuesMarkEvent(ctx, postgres.DuesMarkEventParams{EventID: eventID, State: "processed"})
	})
	if err != nil {
		return s.fail(ctx, eventID, err)
	}
	return nil
}

func (s *Service) fail(ctx context.Context, eventID string, err error) error {
	_ = postgres.New(s.pool).DuesMarkEvent(context.WithoutCancel(ctx), postgres.DuesMarkEventParams{
		EventID: eventID, State: "failed", Error: err.Error()})
	return fmt.Errorf("dues: process event %s: %w", eventID, err)
}

// memberOfCustomer returns the member a Stripe customer belongs to, or
// uuid.Nil when the customer is not one of ours.
func memberOfCustomer(ctx context.Context, q *postgres.Queries, customerID string) (uuid.UUID, error) {
	if customerID == "" {
		return uuid.Nil, nil
	}
	c, err := q.DuesGetCustomer(ctx, customerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, nil
	}
	return c.MemberID, err
}

func idOf[T interface{ comparable }](v T, id func(T) string) string {
	var zero T
	if v == zero {
		return ""
	}
	return id(v)
}

func (s *Service) invoicePaid(ctx context.Context, raw json.RawMessage, created time.Time) (func(pgx.Tx, *postgres.Queries) error, error) {
	var inv stripe.Invoice
	if err := json.Unmarshal(raw, &inv); err != nil {
		return nil, fmt.Errorf("decode invoice: %w", err)
	}
	chargeID := idOf(inv.Charge, func(c *stripe.Charge) string { return c.ID })
	var bt BalanceTxn
	if chargeID != "" && inv.AmountPaid > 0 {
		if s.cfg.Stripe == nil {
			return nil, ErrNotConfigured
		}
		var err error
		if bt, err = s.cfg.Stripe.ChargeBalanceTransaction(ctx, chargeID); err != nil {
			return nil, err
		}
	}
	customerID := idOf(inv.Customer, func(c *stripe.Customer) string { return c.ID })
	subID := idOf(inv.Subscription, func(c *stripe.Subscription) string { return c.ID })
	paidAt := created
	if inv.StatusTransitions != nil && inv.StatusTransitions.PaidAt > 0 {
		paidAt = time.Unix(inv.StatusTransitions.PaidAt, 0).UTC()
	}
	start, end := time.Unix(inv.PeriodStart, 0).UTC(), time.Unix(inv.PeriodEnd, 0).UTC()
	if inv.Lines != nil && len(inv.Lines.Data) > 0 && inv.Lines.Data[0].Period != nil {
		start, end = time.Unix(inv.Lines.Data[0].Period.Start, 0).UTC(), time.Unix(inv.Lines.Data[0].Period.End, 0).UTC()
	}
	return func(tx pgx.Tx, q *postgres.Queries) error {
		if customerID == "" {
			return nil
		}
		cm, err := q.DuesCustomerMember(ctx, customerID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // not one of our members: nothing to attribute
		}
		if err != nil {
			return err
		}
		member := cm.MemberID
		n, err := q.DuesInsertPayment(ctx, postgres.DuesInsertPaymentParams{
			InvoiceID: inv.ID, MemberID: member, ChapterID: cm.ChapterID, ChargeID: strPtr(chargeID),
			SubscriptionID: strPtr(subID), Amount: inv.AmountPaid, Currency: string(inv.Currency), PaidAt: paidAt,
			PeriodStart: dateOf(start), PeriodEnd: dateOf(end),
		})
		if err != nil {
			return err
		}
		// The payment row, new or old, carries the attribution: a new one
		// is the one just written, an old one is read back.
		pay := postgres.DuesPayment{MemberID: member, ChapterID: cm.ChapterID}
		if n == 0 && chargeID != "" {
			if pay, err = q.DuesPaymentByCharge(ctx, strPtr(chargeID)); err != nil {
				return err
			}
		}
		if bt.ID != "" {
			if _, err := q.DuesInsertLedger(ctx, postgres.DuesInsertLedgerParams{
				BalanceTransactionID: bt.ID, Kind: "payment", SourceID: chargeID, ChargeID: strPtr(chargeID),
				InvoiceID: strPtr(inv.ID), MemberID: nullUUID(member), ChapterID: nullUUID(pay.ChapterID),
				Amount: bt.Amount, Fee: bt.Fee, Net: bt.Net, Currency: bt.Currency, OccurredAt: bt.Created,
			}); err != nil {
				return err
			}
			if err := q.DuesAttributeChargeLedger(ctx, postgres.DuesAttributeChargeLedgerParams{
				MemberID: nullUUID(member), ChapterID: nullUUID(pay.ChapterID), InvoiceID: strPtr(inv.ID), ChargeID: strPtr(chargeID),
			}); err != nil {
				return err
			}
		}
		return q.DuesQueueStanding(ctx, []uuid.UUID{member})
	}, nil
}

func (s *Service) subscriptionEvent(raw json.RawMessage, created time.Time) (func(pgx.Tx, *postgres.Queries) error, error) {
	var sub stripe.Subscription
	if err := json.Unmarshal(raw, &sub); err != nil {
		return nil, fmt.Errorf("decode subscription: %w", err)
	}
	customerID := idOf(sub.Customer, func(c *stripe.Customer) string { return c.ID })
	var interval string
	var amount int64
	if sub.Items != nil && len(sub.Items.Data) > 0 && sub.Items.Data[0].Price != nil {
		pr := sub.Items.Data[0].Price
		amount = pr.UnitAmount * max(1, sub.Items.Data[0].Quantity)
		if pr.Recurring != nil {
			interval = string(pr.Recurring.Interval)
		}
	}
	return func(tx pgx.Tx, q *postgres.Queries) error {
		member, err := memberOfCustomer(context.Background(), q, customerID)
		if err != nil {
			return err
		}
		var end = pgtypeTime(sub.CurrentPeriodEnd)
		return q.DuesUpsertSubscription(context.Background(), postgres.DuesUpsertSubscriptionParams{
			SubscriptionID: sub.ID, CustomerID: customerID, MemberID: nullUUID(member), Status: string(sub.Status),
			BillingInterval: interval, Amount: amount, Currency: string(sub.Currency), CurrentPeriodEnd: end,
			CancelAtPeriodEnd: sub.CancelAtPeriodEnd, EventCreated: created,
		})
	}, nil
}

func (s *Service) chargeRefunded(ctx context.Context, raw json.RawMessage) (func(pgx.Tx, *postgres.Queries) error, error) {
	var ch stripe.Charge
	if err := json.Unmarshal(raw, &ch); err != nil {
		return nil, fmt.Errorf("decode charge: %w", err)
	}
	if s.cfg.Stripe == nil {
		return nil, ErrNotConfigured
	}
	// The event's charge may predate later refunds and, since API version
	// 2022-11-15, does not list them: read them all from Stripe.
	refunds, err := s.cfg.Stripe.ChargeRefunds(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	customerID := idOf(ch.Customer, func(c *stripe.Customer) string { return c.ID })
	return func(tx pgx.Tx, q *postgres.Queries) error {
		member, chapter, invoice, err := s.chargeAttribution(ctx, q, ch.ID, customerID)
		if err != nil {
			return err
		}
		for _, r := range refunds {
			if _, err := q.DuesInsertLedger(ctx, postgres.DuesInsertLedgerParams{
				BalanceTransactionID: r.ID, Kind: "refund", SourceID: r.Source, ChargeID: strPtr(ch.ID),
				InvoiceID: invoice, MemberID: nullUUID(member), ChapterID: nullUUID(chapter),
				Amount: r.Amount, Fee: r.Fee, Net: r.Net, Currency: r.Currency, OccurredAt: r.Created,
			}); err != nil {
				return err
			}
		}
		if member == uuid.Nil {
			return nil
		}
		return q.DuesQueueStanding(ctx, []uuid.UUID{member})
	}, nil
}

// chargeAttribution is the member, chapter and invoice a charge's refunds
// and disputes belong to: those of its payment when known, else the
// customer's member in their current chapter.
func (s *Service) chargeAttribution(ctx context.Context, q *postgres.Queries, chargeID, customerID string) (uuid.UUID, uuid.UUID, *string, error) {
	pay, err := q.DuesPaymentByCharge(ctx, &chargeID)
	if err == nil {
		return pay.MemberID, pay.ChapterID, &pay.InvoiceID, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, uuid.Nil, nil, err
	}
	member, err := memberOfCustomer(ctx, q, customerID)
	if err != nil || member == uuid.Nil {
		return uuid.Nil, uuid.Nil, nil, err
	}
	chapter, err := q.DuesMemberChapter(ctx, member)
	return member, chapter, nil, err
}

func (s *Service) disputeEvent(raw json.RawMessage, created time.Time) (func(pgx.Tx, *postgres.Queries) error, error) {
	var d stripe.Dispute
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode dispute: %w", err)
	}
	chargeID := idOf(d.Charge, func(c *stripe.Charge) string { return c.ID })
	customerID := ""
	if d.Charge != nil && d.Charge.Customer != nil {
		customerID = d.Charge.Customer.ID
	}
	return func(tx pgx.Tx, q *postgres.Queries) error {
		ctx := context.Background()
		var closed = pgtypeTime(0)
		if d.Status == stripe.DisputeStatusWon || d.Status == stripe.DisputeStatusLost {
			closed = pgtypeTime(created.Unix())
		}
		if err := q.DuesUpsertDispute(ctx, postgres.DuesUpsertDisputeParams{
			DisputeID: d.ID, ChargeID: chargeID, Amount: d.Amount, Currency: string(d.Currency), Status: string(d.Status),
			Created: time.Unix(d.Created, 0).UTC(), ClosedAt: closed, EventCreated: created,
		}); err != nil {
			return err
		}
		member, chapter, invoice, err := s.chargeAttribution(ctx, q, chargeID, customerID)
		if err != nil {
			return err
		}
		// The dispute object carries its balance transactions in full: the
		// withdrawal (amount and dispute fee) and, when won, the
		// reinstatement.
		for _, bt := range d.BalanceTransactions {
			b := balanceTxn(bt)
			kind := "dispute"
			if b.Category == "dispute_reversal" || b.Amount > 0 {
				kind = "dispute_reversal"
			}
			if _, err := q.DuesInsertLedger(ctx, postgres.DuesInsertLedgerParams{
				BalanceTransactionID: b.ID, Kind: kind, SourceID: d.ID, ChargeID: strPtr(chargeID), InvoiceID: invoice,
				MemberID: nullUUID(member), ChapterID: nullUUID(chapter),
				Amount: b.Amount, Fee: b.Fee, Net: b.Net, Currency: b.Currency, OccurredAt: b.Created,
			}); err != nil {
				return err
			}
		}
		if member == uuid.Nil {
			return nil
		}
		return q.DuesQueueStanding(ctx, []uuid.UUID{member})
	}, nil
}
