package dues

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// scope resolves which chapters a report covers: the one asked for, which
// p must hold ledger read in, or else every chapter p holds it in (all of
// them for a national treasurer or admin). Forbidden when p reads no
// ledger.
func scope(p *auth.Principal, chapter *uuid.UUID) (bool, []uuid.UUID, error) {
	if chapter != nil {
		if !p.Can(auth.LedgerRead, *chapter) {
			return false, nil, errs.Forbiddenf("you may not see this chapter's ledger")
		}
		return false, []uuid.UUID{*chapter}, nil
	}
	all, ids := p.Scope(auth.LedgerRead)
	if !all && len(ids) == 0 {
		return false, nil, errs.Forbiddenf("you may not see any chapter's ledger")
	}
	return all, ids, nil
}

// checkCurrency refuses to sum money in another currency than the
// organization's.
func (s *Service) checkCurrency(cur string) error {
	if cur != s.cfg.Policy.Currency {
		return fmt.Errorf("dues: ledger holds an amount in %q, not the organization's %q: refusing to add mixed currencies",
			cur, s.cfg.Policy.Currency)
	}
	return nil
}

// IncomeRow is one chapter's dues income in one month.
type IncomeRow = postgres.DuesIncomeByMonthRow

// Income reports dues income by chapter and calendar month (UTC) for the
// ledger rows in [from, to): gross payments, refunds and disputes (negative),
// Stripe fees, net, and paying members. Scope as for every report: a
// chapter treasurer sees their chapter, the national treasurer and national
// admins all. An amount in a foreign currency is an error.
func (s *Service) Income(ctx context.Context, p *auth.Principal, chapter *uuid.UUID, from, to time.Time) ([]IncomeRow, error) {
	all, ids, err := scope(p, chapter)
	if err != nil {
		return nil, err
	}
	rows, err := postgres.New(s.pool).DuesIncomeByMonth(ctx, postgres.DuesIncomeByMonthParams{
		FromTime: from, ToTime: to, AllChapters: all, ChapterIds: ids})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := s.checkCurrency(r.Currency); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// WriteIncomeCSV writes Income's rows as CSV (amounts in major units).
func WriteIncomeCSV(w io.Writer, rows []IncomeRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"chapter_id", "month", "currency", "gross", "refunds", "disputes", "fees", "net", "paying_members"})
	for _, r := range rows {
		cw.Write([]string{r.ChapterID.UUID.String(), r.Month.Format("2006-01"), r.Currency, FormatAmount(r.Gross),
			FormatAmount(r.Refunds), FormatAmount(r.Disputes), FormatAmount(r.Fees), FormatAmount(r.Net),
			strconv.FormatInt(r.Payers, 10)})
	}
	cw.Flush()
	return cw.Error()
}

// LapseRow is a member who has lapsed or is about to.
type LapseRow = postgres.DuesLapseReportRow

// Lapses lists, in the chapters in scope, active members who are lapsed
// today (with the date they lapsed) and members in good standing whose
// coverage (latest paid-through plus grace, or waiver) ends within
// withinDays days.
func (s *Service) Lapses(ctx context.Context, p *auth.Principal, chapter *uuid.UUID, withinDays int) ([]LapseRow, error) {
	all, ids, err := scope(p, chapter)
	if err != nil {
		return nil, err
	}
	if withinDays < 0 || withinDays > 366 {
		return nil, errs.Field("within_days", "must be 0 to 366")
	}
	today := s.today()
	return postgres.New(s.pool).DuesLapseReport(ctx, postgres.DuesLapseReportParams{
		Horizon: today.AddDate(0, 0, withinDays+1), Today: today, GraceDays: int32(s.cfg.Policy.GraceDays),
		AllChapters: all, ChapterIds: ids})
}

// WriteLapsesCSV writes Lapses' rows as CSV.
func WriteLapsesCSV(w io.Writer, rows []LapseRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"member_id", "chapter_id", "given_name", "family_name", "standing", "since", "covered_through"})
	for _, r := range rows {
		cw.Write([]string{r.ID.String(), r.ChapterID.String(), r.GivenName, r.FamilyName, r.Standing,
			r.Since.Format(time.DateOnly), r.CoveredThrough.Format(time.DateOnly)})
	}
	cw.Flush()
	return cw.Error()
}

// RefundRow is one refund, dispute or dispute reversal in the ledger.
type RefundRow = postgres.DuesRefundsDisputesRow

// RefundsAndDisputes lists the refunds, disputes (with their fees) and
// dispute reversals in [from, to) in the chapters in scope.
func (s *Service) RefundsAndDisputes(ctx context.Context, p *auth.Principal, chapter *uuid.UUID, from, to time.Time) ([]RefundRow, error) {
	all, ids, err := scope(p, chapter)
	if err != nil {
		return nil, err
	}
	return postgres.New(s.pool).DuesRefundsDisputes(ctx, postgres.DuesRefundsDisputesParams{
		FromTime: from, ToTime: to, AllChapters: all, ChapterIds: ids})
}

// WriteRefundsCSV writes RefundsAndDisputes' rows as CSV.
func WriteRefundsCSV(w io.Writer, rows []RefundRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"balance_transaction_id", "kind", "source_id", "charge_id", "member_id", "chapter_id",
		"currency", "amount", "fee", "net", "occurred_at"})
	for _, r := range rows {
		cw.Write([]string{r.BalanceTransactionID, r.Kind, r.SourceID, deref(r.ChargeID), nullStr(r.MemberID),
			nullStr(r.ChapterID), r.Currency, FormatAmount(r.Amount), FormatAmount(r.Fee), FormatAmount(r.Net),
			r.OccurredAt.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}

// WritePayoutsCSV writes payouts with their reconciliation; the balance
// transactions of payouts that do not reconcile follow as item rows.
func WritePayoutsCSV(w io.Writer, rows []Payout) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"row", "payout_id", "arrival_date", "status", "currency", "amount", "items_net", "difference",
		"deposit_id", "balance_transaction_id", "type", "net"})
	for _, r := range rows {
		diff, net := "", ""
		if r.Reconciled {
			diff, net = FormatAmount(r.Difference), FormatAmount(r.ItemsNet)
		}
		cw.Write([]string{"payout", r.PayoutID, r.ArrivalDate.Format(time.DateOnly), r.Status, r.Currency,
			FormatAmount(r.Amount), net, diff, r.DepositID, "", "", ""})
		for _, it := range r.Items {
			cw.Write([]string{"item", r.PayoutID, "", "", it.Currency, "", "", "", "", it.BalanceTransactionID, it.Type,
				FormatAmount(it.Net)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullStr(id uuid.NullUUID) string {
	if !id.Valid {
		return ""
	}
	return id.UUID.String()
}
