package dues

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stripe/stripe-go/v76"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

func pgtypeTime(unix int64) pgtype.Timestamptz {
	if unix == 0 {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: time.Unix(unix, 0).UTC(), Valid: true}
}

// payoutEvent records a payout; when reconcile is set (the payout's
// reconciliation is complete) it also lists the payout's balance
// transactions from Stripe and reconciles them to its amount.
func (s *Service) payoutEvent(ctx context.Context, raw json.RawMessage, reconcile bool) (func(pgx.Tx, *postgres.Queries) error, error) {
	var po stripe.Payout
	if err := json.Unmarshal(raw, &po); err != nil {
		return nil, fmt.Errorf("decode payout: %w", err)
	}
	var items []BalanceTxn
	if reconcile {
		if s.cfg.Stripe == nil {
			return nil, ErrNotConfigured
		}
		var err error
		if items, err = s.cfg.Stripe.PayoutBalanceTransactions(ctx, po.ID); err != nil {
			return nil, err
		}
	}
	return func(tx pgx.Tx, q *postgres.Queries) error {
		if err := q.DuesUpsertPayout(ctx, postgres.DuesUpsertPayoutParams{
			PayoutID: po.ID, Amount: po.Amount, Currency: string(po.Currency), Status: string(po.Status),
			ArrivalDate: dateOf(time.Unix(po.ArrivalDate, 0)), Created: time.Unix(po.Created, 0).UTC(),
		}); err != nil {
			return err
		}
		if !reconcile {
			return nil
		}
		return reconcilePayout(ctx, q, po.ID, po.Amount, items)
	}, nil
}

// reconcilePayout stores a payout's balance transactions and the
// difference between the payout's amount and the sum of their net amounts
// (the payout's own transaction excluded). Zero means it reconciles.
func reconcilePayout(ctx context.Context, q *postgres.Queries, payoutID string, amount int64, items []BalanceTxn) error {
	if err := q.DuesDeletePayoutItems(ctx, payoutID); err != nil {
		return err
	}
	var sum int64
	for _, it := range items {
		if err := q.DuesInsertPayoutItem(ctx, postgres.DuesInsertPayoutItemParams{
			PayoutID: payoutID, BalanceTransactionID: it.ID, Type: it.Type, SourceID: it.Source,
			Amount: it.Amount, Fee: it.Fee, Net: it.Net, Currency: it.Currency, Created: it.Created,
		}); err != nil {
			return err
		}
		if it.Type != "payout" {
			sum += it.Net
		}
	}
	return q.DuesSetPayoutReconciled(ctx, postgres.DuesSetPayoutReconciledParams{
		PayoutID: payoutID, ItemsNet: pgtype.Int8{Int64: sum, Valid: true}, Difference: pgtype.Int8{Int64: amount - sum, Valid: true}})
}

// Payout is a payout with its reconciliation and matched deposit.
type Payout struct {
	postgres.DuesPayout
	// Reconciled reports whether the payout's transactions have been
	// summed; Difference is then amount - sum(net) and zero when it
	// reconciles.
	Reconciled bool
	Difference int64
	ItemsNet   int64
	DepositID  string
	DepositOn  *time.Time
	// Items are the payout's balance transactions (filled for one payout,
	// and in the report for payouts that do not reconcile).
	Items []postgres.DuesPayoutItem
}

// requireNational checks that p may see the organization's payouts and
// deposits: the national treasurer (ledger read on the national body) or a
// national admin.
func requireNational(p *auth.Principal) error {
	if all, _ := p.Scope(auth.LedgerRead); !all {
		return errs.Forbiddenf("only the national treasurer and national admins see payouts and deposits")
	}
	return nil
}

// Payouts lists the payouts arriving in [from, to) with their
// reconciliation; a payout that does not reconcile carries its balance
// transactions so the difference can be traced. National ledger readers
// only (Forbidden otherwise).
func (s *Service) Payouts(ctx context.Context, p *auth.Principal, from, to time.Time) ([]Payout, error) {
	if err := requireNational(p); err != nil {
		return nil, err
	}
	q := postgres.New(s.pool)
	rows, err := q.DuesListPayouts(ctx, postgres.DuesListPayoutsParams{FromDate: from, ToDate: to})
	if err != nil {
		return nil, err
	}
	out := make([]Payout, 0, len(rows))
	for _, r := range rows {
		po := Payout{DuesPayout: postgres.DuesPayout{PayoutID: r.PayoutID, Amount: r.Amount, Currency: r.Currency,
			Status: r.Status, ArrivalDate: r.ArrivalDate, Created: r.Created, ReconciledAt: r.ReconciledAt,
			ItemsNet: r.ItemsNet, Difference: r.Difference},
			Reconciled: r.ReconciledAt.Valid, Difference: r.Difference.Int64, ItemsNet: r.ItemsNet.Int64, DepositOn: r.DepositedOn}
		if r.DepositID.Valid {
			po.DepositID = r.DepositID.UUID.String()
		}
		if po.Reconciled && po.Difference != 0 {
			if po.Items, err = q.DuesListPayoutItems(ctx, r.PayoutID); err != nil {
				return nil, err
			}
		}
		out = append(out, po)
	}
	return out, nil
}

// GetPayout returns one payout with all its balance transactions, under the
// same rule as Payouts; NotFound when unknown.
func (s *Service) GetPayout(ctx context.Context, p *auth.Principal, id string) (Payout, error) {
	if err := requireNational(p); err != nil {
		return Payout{}, err
	}
	q := postgres.New(s.pool)
	po, err := q.DuesGetPayout(ctx, id)
	if err != nil {
		return Payout{}, notFound(err, "payout")
	}
	out := Payout{DuesPayout: po, Reconciled: po.ReconciledAt.Valid, Difference: po.Difference.Int64, ItemsNet: po.ItemsNet.Int64}
	out.Items, err = q.DuesListPayoutItems(ctx, id)
	return out, err
}

// Deposit is a bank deposit as the treasurer entered it.
type Deposit = postgres.DuesDeposit

// DepositInput is one bank deposit.
type DepositInput struct {
	DepositedOn time.Time
	Amount      int64
	Reference   string
}

// AddDeposits records bank deposits in the organization's currency (the
// same deposit entered twice is recorded once) and matches every unmatched
// deposit to a paid payout: same amount and currency, arrival date within 5
// days, the closest date first (ties: earlier payout id). National ledger
// readers only. Invalid for a non-positive amount or a reference over 200
// characters; the audit log records the entry.
func (s *Service) AddDeposits(ctx context.Context, p *auth.Principal, in []DepositInput) ([]Deposit, error) {
	if err := requireNational(p); err != nil {
		return nil, err
	}
	for i, d := range in {
		if d.Amount <= 0 {
			return nil, errs.Field(fmt.Sprintf("/%d/amount", i), "must be positive")
		}
		if len(d.Reference) > 200 {
			return nil, errs.Field(fmt.Sprintf("/%d/reference", i), "is longer than 200 characters")
		}
	}
	var out []Deposit
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		for _, d := range in {
			dep, err := q.DuesInsertDeposit(ctx, postgres.DuesInsertDepositParams{DepositedOn: dateOf(d.DepositedOn),
				Amount: d.Amount, Currency: s.cfg.Policy.Currency, Reference: strings.TrimSpace(d.Reference), EnteredBy: p.MemberID})
			if err != nil {
				return err
			}
			out = append(out, dep)
		}
		matched, err := matchDeposits(ctx, q)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "dues.deposits.add", Entity: "deposit",
			EntityID: fmt.Sprint(len(in)), Data: map[string]any{"deposits": len(in), "matched": matched}})
	})
	if err != nil {
		return nil, err
	}
	return postgres.New(s.pool).DuesListDeposits(ctx)
}

// matchDeposits pairs unmatched deposits with unmatched paid payouts.
func matchDeposits(ctx context.Context, q *postgres.Queries) (int, error) {
	deps, err := q.DuesUnmatchedDeposits(ctx)
	if err != nil {
		return 0, err
	}
	pos, err := q.DuesUnmatchedPayouts(ctx)
	if err != nil {
		return 0, err
	}
	used := map[string]bool{}
	n := 0
	for _, d := range deps {
		best, bestGap := "", time.Duration(-1)
		for _, po := range pos {
			if used[po.PayoutID] || po.Amount != d.Amount || po.Currency != d.Currency {
				continue
			}
			gap := d.DepositedOn.Sub(po.ArrivalDate).Abs()
			if gap > 5*24*time.Hour {
				continue
			}
			if bestGap < 0 || gap < bestGap {
				best, bestGap = po.PayoutID, gap
			}
		}
		if best != "" {
			used[best] = true
			if err := q.DuesMatchDeposit(ctx, postgres.DuesMatchDepositParams{ID: d.ID, PayoutID: &best}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// ParseDepositsCSV reads a bank export with a header row holding the
// columns date (YYYY-MM-DD), amount (decimal, major units, e.g. 1234.50)
// and optionally reference; other columns are ignored. It returns an
// Invalid error naming the row and column of the first bad value.
func ParseDepositsCSV(r io.Reader) ([]DepositInput, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, errs.E(errs.Invalid, "the deposits file has no header row")
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"date", "amount"} {
		if _, ok := col[need]; !ok {
			return nil, errs.Field(need, "the deposits file has no %q column", need)
		}
	}
	var out []DepositInput
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, errs.E(errs.Invalid, "row %d: %v", row, err)
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		on, err := time.Parse(time.DateOnly, get("date"))
		if err != nil {
			return nil, errs.Field("date", "row %d: %q is not a date YYYY-MM-DD", row, get("date"))
		}
		amt, err := ParseAmount(strings.ReplaceAll(get("amount"), ",", ""))
		if err != nil || amt <= 0 {
			return nil, errs.Field("amount", "row %d: %q is not a positive amount", row, get("amount"))
		}
		out = append(out, DepositInput{DepositedOn: on, Amount: amt, Reference: get("reference")})
	}
}
