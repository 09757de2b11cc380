package dues

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// drainBatch is how many members one standing recompute transaction takes
// off the queue: large enough that a burst of webhook events costs a few
// round trips per hundred members, small enough to hold few locks briefly.
const drainBatch = 500

// factsOf decodes one DuesStandingFacts row (parallel arrays per kind of
// fact, in order) into the policy's Facts and the standing history in
// force. Refunds and disputes are matched to payments by charge.
func factsOf(r postgres.DuesStandingFactsRow) (Facts, []Transition, error) {
	f := Facts{JoinedOn: r.JoinedOn}
	if len(r.StatusOn) != len(r.StatusActive) || len(r.PayAt) != len(r.PayInvoice) || len(r.PayAmount) != len(r.PayInvoice) ||
		len(r.PayEnd) != len(r.PayInvoice) || len(r.PayCharge) != len(r.PayInvoice) ||
		len(r.RefundAmount) != len(r.RefundCharge) || len(r.RefundAt) != len(r.RefundCharge) ||
		len(r.DisputeAt) != len(r.DisputeCharge) || len(r.DisputeStatus) != len(r.DisputeCharge) ||
		len(r.DisputeClosed) != len(r.DisputeCharge) || len(r.WaiverEnd) != len(r.WaiverStart) ||
		len(r.WaiverRevoked) != len(r.WaiverStart) || len(r.HaveOn) != len(r.HaveStanding) || len(r.HaveReason) != len(r.HaveStanding) {
		return f, nil, fmt.Errorf("dues: standing facts of %s have arrays of unequal length", r.ID)
	}
	for i, on := range r.StatusOn {
		f.Statuses = append(f.Statuses, StatusFact{Active: r.StatusActive[i], EffectiveOn: dateOf(on)})
	}
	if len(r.StatusOn) == 0 && r.Status != "active" {
		f.Statuses = append(f.Statuses, StatusFact{Active: false, EffectiveOn: r.JoinedOn})
	}
	for i, inv := range r.PayInvoice {
		pf := PaymentFact{InvoiceID: inv, Amount: r.PayAmount[i], PaidOn: r.PayAt[i].UTC(), PeriodEnd: dateOf(r.PayEnd[i])}
		if charge := r.PayCharge[i]; charge != "" {
			var sum int64
			for j, c := range r.RefundCharge { // ordered by time, then refund id
				if c != charge {
					continue
				}
				sum += r.RefundAmount[j]
				if sum >= pf.Amount && pf.FullyRefundedOn.IsZero() {
					pf.FullyRefundedOn = r.RefundAt[j].UTC()
				}
			}
			for j, c := range r.DisputeCharge { // ordered by creation, then id
				if c != charge {
					continue
				}
				df := DisputeFact{OpenedOn: r.DisputeAt[j].UTC()}
				if closed := r.DisputeClosed[j]; r.DisputeStatus[j] == "won" && closed.Year() > 1 {
					df.WonOn = closed.UTC()
				}
				pf.Disputes = append(pf.Disputes, df)
			}
		}
		f.Payments = append(f.Payments, pf)
	}
	for i, start := range r.WaiverStart {
		wf := WaiverFact{StartsOn: dateOf(start), EndsOn: dateOf(r.WaiverEnd[i])}
		if rev := dateOf(r.WaiverRevoked[i]); rev.Year() > 1 && rev.Before(wf.EndsOn) {
			wf.EndsOn, wf.Revoked = rev, true
		}
		f.Waivers = append(f.Waivers, wf)
	}
	if r.LegacyPaidThrough.Year() > 1 {
		f.LegacyPaidThrough = r.LegacyPaidThrough
	}
	in := make([]Transition, 0, len(r.HaveStanding))
	for i, st := range r.HaveStanding {
		in = append(in, Transition{Standing: st, EffectiveOn: dateOf(r.HaveOn[i]), Reason: r.HaveReason[i]})
	}
	return f, in, nil
}

// standingWrites collects the supersessions and inserts of a batch.
type standingWrites struct {
	sup postgres.DuesSupersedeStandingManyParams
	ins postgres.DuesInsertStandingManyParams
}

// diff adds what makes member's history in force (have) equal to want:
// rows from the first difference on are superseded and the new ones
// inserted.
func (w *standingWrites) diff(member uuid.UUID, have, want []Transition) {
	i := 0
	for i < len(want) && i < len(have) && want[i].Standing == have[i].Standing &&
		want[i].EffectiveOn.Equal(have[i].EffectiveOn) && want[i].Reason == have[i].Reason {
		i++
	}
	if i == len(want) && i == len(have) {
		return
	}
	var from time.Time
	switch {
	case i < len(have) && i < len(want):
		from = minTime(have[i].EffectiveOn, want[i].EffectiveOn)
	case i < len(have):
		from = have[i].EffectiveOn
	default:
		from = want[i].EffectiveOn
	}
	w.sup.MemberIds = append(w.sup.MemberIds, member)
	w.sup.Froms = append(w.sup.Froms, from)
	for _, t := range want {
		if t.EffectiveOn.Before(from) {
			continue
		}
		w.ins.MemberIds = append(w.ins.MemberIds, member)
		w.ins.Standings = append(w.ins.Standings, t.Standing)
		w.ins.EffectiveOns = append(w.ins.EffectiveOns, t.EffectiveOn)
		w.ins.Reasons = append(w.ins.Reasons, t.Reason)
	}
}

// recomputeMany applies the policy to the members' facts as of today and
// makes each one's standing history in force equal to the result, in the
// caller's transaction, with a constant number of round trips for the whole
// set. Members locked by another transaction are skipped and returned (the
// caller queues them again); unknown ids are ignored.
func (s *Service) recomputeMany(ctx context.Context, q *postgres.Queries, members []uuid.UUID) (skipped []uuid.UUID, err error) {
	if len(members) == 0 {
		return nil, nil
	}
	rows, err := q.DuesStandingFacts(ctx, members)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var w standingWrites
	got := make(map[uuid.UUID]bool, len(rows))
	for _, r := range rows {
		got[r.ID] = true
		f, have, err := factsOf(r)
		if err != nil {
			return nil, err
		}
		w.diff(r.ID, have, Timeline(f, s.cfg.Policy.GraceDays, today))
	}
	if len(w.sup.MemberIds) > 0 {
		if err := q.DuesSupersedeStandingMany(ctx, w.sup); err != nil {
			return nil, err
		}
	}
	if len(w.ins.MemberIds) > 0 {
		if err := q.DuesInsertStandingMany(ctx, w.ins); err != nil {
			return nil, err
		}
	}
	if len(rows) < len(members) {
		exists, err := q.DuesExistingMembers(ctx, members)
		if err != nil {
			return nil, err
		}
		for _, id := range exists {
			if !got[id] {
				skipped = append(skipped, id)
			}
		}
	}
	return skipped, nil
}

// drainOnce takes up to limit members off the standing queue and
// recomputes them in one transaction; members another transaction holds
// go back on the queue. It returns how many it took off (recomputed or
// put back).
func (s *Service) drainOnce(ctx context.Context, limit int) (taken, recomputed int, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		// The facts come from tables that grow fast.
		if err := postgres.CustomPlansInTx(ctx, tx); err != nil {
			return err
		}
		ids, err := q.DuesClaimStandingQueue(ctx, int32(limit))
		if err != nil || len(ids) == 0 {
			return err
		}
		taken = len(ids)
		skipped, err := s.recomputeMany(ctx, q, ids)
		if err != nil {
			return err
		}
		recomputed = taken - len(skipped)
		if len(skipped) > 0 {
			return q.DuesQueueStanding(ctx, skipped)
		}
		return nil
	})
	return taken, recomputed, err
}

// DrainStanding recomputes the standing of every member on the standing
// queue (members whose payments, refunds, disputes, legacy paid-through
// dates, status or join date changed), in batches, until the queue is
// empty or only holds members other transactions have locked. Webhook
// processing and roster imports queue members in the transactions that
// change their facts; the service's workers drain the queue as it fills,
// and tests and tools may call this directly. It returns how many members
// it recomputed.
func (s *Service) DrainStanding(ctx context.Context) (int, error) {
	total := 0
	for {
		taken, done, err := s.drainOnce(ctx, drainBatch)
		total += done
		if err != nil {
			return total, wrapf(err, "dues: recompute queued standing")
		}
		if taken == 0 || done == 0 {
			return total, nil
		}
	}
}
