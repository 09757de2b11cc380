package dues

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
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
// (and marks the event failed, with its next attempt) when Stripe or the
// database fails. It returns a NotFound error for an unknown event.
func (s *Service) ProcessEvent(ctx context.Context, eventID string) error {
	row, err := postgres.New(s.pool).DuesGetEvent(ctx, eventID)
	if err != nil {
		return notFound(err, "event "+eventID)
	}
	return s.processRows(ctx, []postgres.DuesGetEventsRow{{EventID: row.EventID, Type: row.Type, Payload: row.Payload}})
}

// ProcessEvents applies stored events together, as ProcessEvent applies
// one, with one read of the events and, when all goes well, one database
// transaction for all of them (paid invoices in one statement). When that
// transaction fails, each event is applied in its own, so one event that
// cannot be applied holds back no other. It returns the errors of the
// events that failed (each marked failed with its next attempt; events
// applied again converge to the same state), and a NotFound error for ids
// not stored. It ignores leases: processing jobs use ProcessDueEvents.
func (s *Service) ProcessEvents(ctx context.Context, eventIDs []string) error {
	rows, err := postgres.New(s.pool).DuesGetEvents(ctx, eventIDs)
	if err != nil {
		return fmt.Errorf("dues: read events: %w", err)
	}
	var errList []error
	if len(rows) < len(eventIDs) {
		got := make(map[string]bool, len(rows))
		for _, r := range rows {
			got[r.EventID] = true
		}
		for _, id := range eventIDs {
			if !got[id] {
				errList = append(errList, notFound(pgx.ErrNoRows, "event "+id))
			}
		}
	}
	return errors.Join(append(errList, s.processRows(ctx, rows))...)
}

const (
	// eventsBatch is how many due events one job leases and applies.
	eventsBatch = 256
	// eventLease is how long a job holds the events it leased; a job that
	// dies leaves them to another after this.
	eventLease = 5 * time.Minute
	// MaxEventAttempts is how many automatic attempts a failing event gets
	// before it is left failed for a person to retry (RetryEvent).
	MaxEventAttempts = 20
	// stripeCalls is how many Stripe reads event processing makes at once
	// in one process: at Stripe's usual latency, a few dozen a second,
	// within its API rate limit (100 reads a second in live mode) for a few
	// replicas. stripe-go retries a request Stripe refuses for the rate, and
	// an event that still fails is tried again later.
	stripeCalls = 8
)

// ProcessDueEvents leases up to eventsBatch of the stored events that are
// due (pending ones, and failed ones whose next attempt has come), oldest
// first, and applies them as ProcessEvents does. Events another worker,
// in any process, holds a lease on are skipped. It returns how many it
// leased, and an error only when it could not lease: events that fail are
// recorded as failed with their next attempt, and logged.
func (s *Service) ProcessDueEvents(ctx context.Context) (int, error) {
	rows, err := postgres.New(s.pool).DuesLeaseEvents(ctx, postgres.DuesLeaseEventsParams{
		Lim: eventsBatch, LeaseSeconds: int32(eventLease / time.Second)})
	if err != nil {
		return 0, wrapf(err, "dues: lease events")
	}
	if len(rows) == 0 {
		return 0, nil
	}
	evs := make([]postgres.DuesGetEventsRow, len(rows))
	for i, r := range rows {
		evs[i] = postgres.DuesGetEventsRow(r)
	}
	if err := s.processRows(ctx, evs); err != nil {
		s.logger.Warn("dues: events failed; each is tried again later", "err", err)
	}
	return len(rows), nil
}

// preparedEvent is an event decoded, with what Stripe had to say fetched,
// ready to apply: a paid invoice as a row of the batch statement
// DuesApplyInvoicesPaid, any other handled type as a function run in a
// transaction before it.
type preparedEvent struct {
	id      string
	ignored bool
	invoice *paidInvoice
	apply   func(tx pgx.Tx, q *postgres.Queries) error
}

// paidInvoice is one paid invoice and its charge's balance transaction (a
// zero one when the invoice has no charge or paid nothing).
type paidInvoice struct {
	customerID, invoiceID, chargeID, subscriptionID string
	amount                                          int64
	currency                                        string
	paidAt, periodStart, periodEnd                  time.Time
	bt                                              BalanceTxn
}

// processRows applies rows as ProcessEvents does: each event that fails
// is recorded as failed, with its next attempt, and its error returned.
func (s *Service) processRows(ctx context.Context, rows []postgres.DuesGetEventsRow) error {
	var errList []error
	failed := func(id string, err error) { errList = append(errList, s.fail(ctx, id, err)) }
	// Stripe reads, the slow part when Stripe is, run concurrently, at most
	// stripeCalls at once in this process.
	all := make([]preparedEvent, len(rows))
	prepErrs := make([]error, len(rows))
	var wg sync.WaitGroup
	for i, r := range rows {
		s.stripeSlots <- struct{}{}
		wg.Go(func() {
			defer func() { <-s.stripeSlots }()
			all[i], prepErrs[i] = s.prepare(ctx, r)
		})
	}
	wg.Wait()
	preps := make([]preparedEvent, 0, len(rows))
	for i, r := range rows {
		if prepErrs[i] != nil {
			failed(r.EventID, prepErrs[i])
			continue
		}
		preps = append(preps, all[i])
	}
	bad, err := s.applyPrepared(ctx, preps)
	if err != nil && len(preps) > 1 {
		// One event the database refuses must not hold back the others:
		// apply each alone.
		bad, err = map[string]error{}, nil
		for _, p := range preps {
			b, err := s.applyPrepared(ctx, []preparedEvent{p})
			if err != nil {
				failed(p.id, err)
			}
			maps.Copy(bad, b)
		}
	}
	if err != nil {
		failed(preps[0].id, err)
	}
	for id, err := range bad {
		failed(id, err)
	}
	return errors.Join(errList...)
}

// eventBody is what processing reads of a stored event: its time and its
// object, decoded by type.
type eventBody struct {
	Created int64 `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// prepare decodes one stored event and makes the Stripe calls it needs.
func (s *Service) prepare(ctx context.Context, row postgres.DuesGetEventsRow) (preparedEvent, error) {
	p := preparedEvent{id: row.EventID}
	if !handled[row.Type] {
		p.ignored = true
		return p, nil
	}
	var ev eventBody
	if err := json.Unmarshal(row.Payload, &ev); err != nil || len(ev.Data.Object) == 0 {
		return p, fmt.Errorf("event %s cannot be decoded: %v", row.EventID, err)
	}
	created := time.Unix(ev.Created, 0).UTC()
	var err error
	switch row.Type {
	case "invoice.paid", "invoice.payment_succeeded":
		p.invoice, err = s.invoicePaid(ctx, ev.Data.Object, created)
	case "invoice.payment_failed":
		// A failed payment changes nothing by itself: standing ends only
		// when the paid-through date plus grace has passed.
		p.apply = func(pgx.Tx, *postgres.Queries) error { return nil }
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		p.apply, err = s.subscriptionEvent(ev.Data.Object, created)
	case "charge.refunded":
		p.apply, err = s.chargeRefunded(ctx, ev.Data.Object)
	case "payout.reconciliation_completed":
		p.apply, err = s.payoutEvent(ctx, ev.Data.Object, true)
	default:
		if len(row.Type) > 14 && row.Type[:14] == "charge.dispute" {
			p.apply, err = s.disputeEvent(ev.Data.Object, created)
		} else {
			p.apply, err = s.payoutEvent(ctx, ev.Data.Object, false)
		}
	}
	return p, err
}

// applyPrepared applies events and marks them processed (or ignored) in
// one transaction: other events' functions first, then paid invoices and
// the marks in one statement. It returns the
// events that could not be applied (left unmarked) with their errors, or
// the error that applied none.
func (s *Service) applyPrepared(ctx context.Context, preps []preparedEvent) (map[string]error, error) {
	if len(preps) == 0 {
		return nil, nil
	}
	var p postgres.DuesApplyInvoicesPaidParams
	for _, pe := range preps {
		switch {
		case pe.ignored:
			p.IgnoredIds = append(p.IgnoredIds, pe.id)
			continue
		case pe.invoice != nil:
			inv := pe.invoice
			p.EventIds = append(p.EventIds, pe.id)
			p.CustomerIds = append(p.CustomerIds, inv.customerID)
			p.InvoiceIds = append(p.InvoiceIds, inv.invoiceID)
			p.ChargeIds = append(p.ChargeIds, inv.chargeID)
			p.SubscriptionIds = append(p.SubscriptionIds, inv.subscriptionID)
			p.Amounts = append(p.Amounts, inv.amount)
			p.Currencies = append(p.Currencies, inv.currency)
			p.PaidAts = append(p.PaidAts, inv.paidAt)
			p.PeriodStarts = append(p.PeriodStarts, inv.periodStart)
			p.PeriodEnds = append(p.PeriodEnds, inv.periodEnd)
			p.BtIds = append(p.BtIds, inv.bt.ID)
			p.BtAmounts = append(p.BtAmounts, inv.bt.Amount)
			p.BtFees = append(p.BtFees, inv.bt.Fee)
			p.BtNets = append(p.BtNets, inv.bt.Net)
			p.BtCurrencies = append(p.BtCurrencies, inv.bt.Currency)
			p.BtCreateds = append(p.BtCreateds, inv.bt.Created)
		}
		p.ProcessedIds = append(p.ProcessedIds, pe.id)
	}
	var rows []postgres.DuesApplyInvoicesPaidRow
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		// The batch statement joins its input to the ledger, payments and
		// events, which grow fast.
		if err := postgres.CustomPlansInTx(ctx, tx); err != nil {
			return err
		}
		for _, pe := range preps {
			if pe.apply != nil {
				if err := pe.apply(tx, q); err != nil {
					return fmt.Errorf("event %s: %w", pe.id, err)
				}
			}
		}
		var err error
		rows, err = q.DuesApplyInvoicesPaid(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	bad := make(map[string]error, len(rows))
	for _, r := range rows {
		bad[r.EventID] = fmt.Errorf("invoice %s is stored but no payment of its charge %s is", r.InvoiceID, r.ChargeID)
	}
	return bad, nil
}

// fail records a failed attempt at the event and schedules the next.
func (s *Service) fail(ctx context.Context, eventID string, err error) error {
	_ = postgres.New(s.pool).DuesFailEvent(context.WithoutCancel(ctx), postgres.DuesFailEventParams{
		EventID: eventID, Error: err.Error(), MaxAttempts: MaxEventAttempts})
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

// invoicePaid decodes a paid invoice and reads its charge's balance
// transaction from Stripe; the result is applied by DuesApplyInvoicesPaid.
func (s *Service) invoicePaid(ctx context.Context, raw json.RawMessage, created time.Time) (*paidInvoice, error) {
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
	// A customer that is not one of our members matches no row: nothing
	// is attributed or stored.
	return &paidInvoice{customerID: customerID, invoiceID: inv.ID, chargeID: chargeID, subscriptionID: subID,
		amount: inv.AmountPaid, currency: string(inv.Currency), paidAt: paidAt, periodStart: dateOf(start),
		periodEnd: dateOf(end), bt: bt}, nil
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
