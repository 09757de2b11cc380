package dues

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// StandingChange is one row of the standing history.
type StandingChange = postgres.MemberStandingHistory

// recompute brings one member's standing history up to date in the
// caller's transaction (which has locked the member).
func (s *Service) recompute(ctx context.Context, q *postgres.Queries, member uuid.UUID) error {
	skipped, err := s.recomputeMany(ctx, q, []uuid.UUID{member})
	if err == nil && len(skipped) > 0 {
		err = fmt.Errorf("dues: member %s is locked by another transaction", member)
	}
	return err
}

// Recompute brings one member's standing history up to date with the
// policy as of today. It is what payment events, waivers and the daily
// sweep call; NotFound for an unknown member.
func (s *Service) Recompute(ctx context.Context, member uuid.UUID) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		if _, err := q.DuesLockMember(ctx, member); err != nil {
			return notFound(err, "member")
		}
		return s.recompute(ctx, q, member)
	})
}

// SweepStanding is the daily job: it queues the members whose recorded
// standing today may differ from the policy's (grace periods that ended,
// waivers that expired, members with no standing recorded yet) and drains
// the standing queue (see DrainStanding). It returns how many members it
// recomputed.
func (s *Service) SweepStanding(ctx context.Context) (int, error) {
	q := postgres.New(s.pool)
	ids, err := q.DuesStandingSweepCandidates(ctx, postgres.DuesStandingSweepCandidatesParams{
		Today: s.today(), GraceDays: int32(s.cfg.Policy.GraceDays)})
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		if err := q.DuesQueueStanding(ctx, ids); err != nil {
			return 0, wrapf(err, "dues: queue standing sweep")
		}
	}
	return s.DrainStanding(ctx)
}

// StandingOn returns a member's standing on date d ("good" or "lapsed"): the
// latest history row in force with effective_on <= d, lapsed when none. It
// is the SQL function member_standing_on(member, d), one index probe; use
// that in queries (the sqlc query is DuesStandingOn).
func (s *Service) StandingOn(ctx context.Context, member uuid.UUID, d time.Time) (string, error) {
	return postgres.New(s.pool).DuesStandingOn(ctx, postgres.DuesStandingOnParams{MemberID: member, OnDate: dateOf(d)})
}

// MemberStanding is a member's standing on a date with its history.
type MemberStanding struct {
	MemberID uuid.UUID
	On       time.Time
	Standing string
	// PaidThrough is the latest paid-through date of a payment; nil when
	// the member never paid.
	PaidThrough *time.Time
	// History is every row ever recorded, superseded ones included, in
	// the order recorded.
	History []StandingChange
	// Waivers are the member's dues waivers.
	Waivers []Waiver
}

// canSeeMember allows the member themself, roster readers of their chapter
// and national admins.
func canSeeMember(ctx context.Context, q *postgres.Queries, p *auth.Principal, member uuid.UUID) error {
	chapter, err := q.DuesMemberChapter(ctx, member)
	if err != nil {
		return notFound(err, "member")
	}
	if p == nil || (p.MemberID != member && !p.Can(auth.RosterRead, chapter) && !p.Can(auth.LedgerRead, chapter)) {
		return errs.Forbiddenf("you may not see this member's standing")
	}
	return nil
}

// Standing returns a member's standing on d (nil: today) with its history,
// to the member, to roster or ledger readers of their chapter and to
// national admins; Forbidden otherwise, NotFound for an unknown member.
func (s *Service) Standing(ctx context.Context, p *auth.Principal, member uuid.UUID, d *time.Time) (MemberStanding, error) {
	q := postgres.New(s.pool)
	if err := canSeeMember(ctx, q, p, member); err != nil {
		return MemberStanding{}, err
	}
	on := s.today()
	if d != nil {
		on = dateOf(*d)
	}
	out := MemberStanding{MemberID: member, On: on}
	var err error
	if out.Standing, err = s.StandingOn(ctx, member, on); err != nil {
		return out, err
	}
	if out.History, err = q.DuesStandingHistoryAll(ctx, member); err != nil {
		return out, err
	}
	if out.Waivers, err = q.DuesMemberWaivers(ctx, member); err != nil {
		return out, err
	}
	pays, err := q.DuesMemberPayments(ctx, member)
	if err != nil {
		return out, err
	}
	for _, pm := range pays {
		if out.PaidThrough == nil || pm.PeriodEnd.After(*out.PaidThrough) {
			t := pm.PeriodEnd
			out.PaidThrough = &t
		}
	}
	return out, nil
}

// RosterStanding is one member's standing in a chapter roster.
type RosterStanding = postgres.DuesChapterStandingOnRow

// ChapterStanding lists every member of a chapter with their standing on d
// (nil: today), in name order, to roster or ledger readers of the chapter.
func (s *Service) ChapterStanding(ctx context.Context, p *auth.Principal, chapter uuid.UUID, d *time.Time) ([]RosterStanding, error) {
	if !p.Can(auth.RosterRead, chapter) && !p.Can(auth.LedgerRead, chapter) {
		return nil, errs.Forbiddenf("you may not see this chapter's roster")
	}
	on := s.today()
	if d != nil {
		on = dateOf(*d)
	}
	return postgres.New(s.pool).DuesChapterStandingOn(ctx, postgres.DuesChapterStandingOnParams{ChapterID: chapter, OnDate: on})
}

// Waiver is a dues waiver.
type Waiver = postgres.DuesWaiver

// WaiverInput grants a waiver; zero StartsOn means today, zero ExpiresOn
// means StartsOn plus the policy's waiver period.
type WaiverInput struct {
	Reason    string
	StartsOn  time.Time
	ExpiresOn time.Time
}

// GrantWaiver waives a member's dues. It needs the roster write permission
// in the member's chapter (the officers who manage the roster), a reason,
// and ExpiresOn after StartsOn; the member's standing is recomputed and the
// grant audited in the same transaction. Forbidden, NotFound or Invalid
// (naming the field) otherwise.
func (s *Service) GrantWaiver(ctx context.Context, p *auth.Principal, member uuid.UUID, in WaiverInput) (Waiver, error) {
	reason := trimmed(in.Reason)
	if reason == "" || len(reason) > 500 {
		return Waiver{}, errs.Field("/reason", "must be 1 to 500 characters")
	}
	start := dateOf(in.StartsOn)
	if in.StartsOn.IsZero() {
		start = s.today()
	}
	end := dateOf(in.ExpiresOn)
	if in.ExpiresOn.IsZero() {
		end = start.AddDate(0, 0, s.cfg.Policy.WaiverDays)
	}
	if !end.After(start) {
		return Waiver{}, errs.Field("/expires_on", "must be after starts_on")
	}
	var out Waiver
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		m, err := q.DuesLockMember(ctx, member)
		if err != nil {
			return notFound(err, "member")
		}
		if !p.Can(auth.RosterWrite, m.ChapterID) {
			return errs.Forbiddenf("you may not waive this member's dues")
		}
		if out, err = q.DuesInsertWaiver(ctx, postgres.DuesInsertWaiverParams{MemberID: member, StartsOn: start,
			ExpiresOn: end, Reason: reason, GrantedBy: p.MemberID}); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, auditEntry(p, "dues.waiver.grant", "waiver", out.ID.String(), m.ChapterID,
			map[string]any{"member_id": member.String(), "starts_on": start.Format(time.DateOnly),
				"expires_on": end.Format(time.DateOnly), "reason": reason})); err != nil {
			return err
		}
		return s.recompute(ctx, q, member)
	})
	return out, err
}

// RevokeWaiver ends a waiver from today (or its start, if later), under the
// same rule as GrantWaiver; Conflict when already revoked.
func (s *Service) RevokeWaiver(ctx context.Context, p *auth.Principal, id uuid.UUID) (Waiver, error) {
	var out Waiver
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		w, err := q.DuesGetWaiver(ctx, id)
		if err != nil {
			return notFound(err, "waiver")
		}
		m, err := q.DuesLockMember(ctx, w.MemberID)
		if err != nil {
			return err
		}
		if !p.Can(auth.RosterWrite, m.ChapterID) {
			return errs.Forbiddenf("you may not revoke this waiver")
		}
		on := maxTime(s.today(), w.StartsOn)
		if out, err = q.DuesRevokeWaiver(ctx, postgres.DuesRevokeWaiverParams{ID: id, RevokedOn: &on,
			RevokedBy: nullUUID(p.MemberID)}); err != nil {
			return notFoundOr(err, errs.Conflictf("the waiver is already revoked"))
		}
		if err := s.audit(ctx, tx, auditEntry(p, "dues.waiver.revoke", "waiver", id.String(), m.ChapterID,
			map[string]any{"member_id": w.MemberID.String(), "revoked_on": on.Format(time.DateOnly)})); err != nil {
			return err
		}
		return s.recompute(ctx, q, w.MemberID)
	})
	return out, err
}
