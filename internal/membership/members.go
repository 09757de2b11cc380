package membership

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Member is a member's record, contact details included. Callers show it
// only to those allowed to read it (see GetMember).
type Member = postgres.Member

// Dues standing values, as the dues domain derives them.
const (
	StandingGood   = "good"
	StandingLapsed = "lapsed"
)

// MemberWithStanding is a member's record with their dues standing today
// (StandingGood or StandingLapsed).
type MemberWithStanding struct {
	Member
	Standing string
}

// StatusChange is one entry of a member's status history.
type StatusChange = postgres.MemberStatusHistory

// MemberInput is a new member's record.
type MemberInput struct {
	GivenName     string
	FamilyName    string
	Email         string
	Phone         string
	PostalAddress string
	JoinedOn      time.Time
	ExternalID    *string
}

// MemberPatch changes a member's record; nil fields stay as they are.
// Setting ChapterID moves the member to another chapter.
type MemberPatch struct {
	ChapterID     *uuid.UUID
	GivenName     *string
	FamilyName    *string
	Email         *string
	Phone         *string
	PostalAddress *string
	JoinedOn      *time.Time
	ExternalID    *string
}

// normalize trims and checks every field, returning an Invalid error naming
// the first bad one as a JSON pointer.
func (in *MemberInput) normalize(today time.Time) (err error) {
	if in.GivenName, err = normText("/given_name", in.GivenName, 100, true); err != nil {
		return err
	}
	if in.FamilyName, err = normText("/family_name", in.FamilyName, 100, false); err != nil {
		return err
	}
	if in.Email, err = normEmail("/email", in.Email); err != nil {
		return err
	}
	if in.Phone, err = normText("/phone", in.Phone, 40, false); err != nil {
		return err
	}
	if in.PostalAddress, err = normText("/postal_address", in.PostalAddress, 500, false); err != nil {
		return err
	}
	if in.ExternalID != nil {
		id, err := normText("/external_id", *in.ExternalID, 100, true)
		if err != nil {
			return err
		}
		in.ExternalID = &id
	}
	return checkJoined("/joined_on", in.JoinedOn, today)
}

// Me returns the principal's own record.
func (s *Service) Me(ctx context.Context, p *auth.Principal) (Member, error) {
	if p == nil {
		return Member{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	m, err := postgres.New(s.pool).GetMember(ctx, p.MemberID)
	return m, notFound(err, "member")
}

// MeWithStanding is Me with the principal's dues standing today.
func (s *Service) MeWithStanding(ctx context.Context, p *auth.Principal) (MemberWithStanding, error) {
	if p == nil {
		return MemberWithStanding{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	r, err := postgres.New(s.pool).GetMemberWithStanding(ctx, postgres.GetMemberWithStandingParams{ID: p.MemberID, OnDate: s.Today()})
	if err != nil {
		return MemberWithStanding{}, notFound(err, "member")
	}
	return MemberWithStanding{Member: r.Member, Standing: r.Standing}, nil
}

// GetMemberWithStanding is GetMember with the member's dues standing
// today, under the same rule and with the same errors.
func (s *Service) GetMemberWithStanding(ctx context.Context, p *auth.Principal, id uuid.UUID) (MemberWithStanding, error) {
	r, err := postgres.New(s.pool).GetMemberWithStanding(ctx, postgres.GetMemberWithStandingParams{ID: id, OnDate: s.Today()})
	if err != nil {
		return MemberWithStanding{}, notFound(err, "member")
	}
	if p == nil || (p.MemberID != id && !p.Can(auth.RosterRead, r.Member.ChapterID)) {
		return MemberWithStanding{}, errs.Forbiddenf("you may not see this member's record")
	}
	return MemberWithStanding{Member: r.Member, Standing: r.Standing}, nil
}

// GetMember returns a member's record to the member themself, to holders of
// the roster read permission in the member's chapter, and to national
// admins; anyone else gets Forbidden.
func (s *Service) GetMember(ctx context.Context, p *auth.Principal, id uuid.UUID) (Member, error) {
	m, err := postgres.New(s.pool).GetMember(ctx, id)
	if err != nil {
		return Member{}, notFound(err, "member")
	}
	if p == nil || (p.MemberID != id && !p.Can(auth.RosterRead, m.ChapterID)) {
		return Member{}, errs.Forbiddenf("you may not see this member's record")
	}
	return m, nil
}

// History returns a member's status history, oldest first, under the same
// rule as GetMember.
//
// The first entry is the member joining (active from joined_on). It is not
// stored: joining is members.joined_on, and the stored history holds only
// the changes after it.
func (s *Service) History(ctx context.Context, p *auth.Principal, id uuid.UUID) ([]StatusChange, error) {
	m, err := s.GetMember(ctx, p, id)
	if err != nil {
		return nil, err
	}
	changes, err := postgres.New(s.pool).ListStatusHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	joined := StatusChange{MemberID: id, Status: StatusActive, EffectiveOn: m.JoinedOn, Reason: "joined", RecordedAt: m.CreatedAt}
	return append([]StatusChange{joined}, changes...), nil
}

// CreateMember adds an active member to a chapter. It needs the roster write
// permission in that chapter, which must exist and not be dissolved. An
// email or external id already in use gives a Conflict naming the field.
func (s *Service) CreateMember(ctx context.Context, p *auth.Principal, chapterID uuid.UUID, in MemberInput) (Member, error) {
	if !p.Can(auth.RosterWrite, chapterID) {
		return Member{}, errs.Forbiddenf("you may not add members to this chapter")
	}
	if err := in.normalize(s.Today()); err != nil {
		return Member{}, err
	}
	var out Member
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		if _, err := openChapter(ctx, q, chapterID); err != nil {
			return err
		}
		var err error
		out, err = q.CreateMember(ctx, postgres.CreateMemberParams{
			ChapterID: chapterID, GivenName: in.GivenName, FamilyName: in.FamilyName, Email: in.Email,
			Phone: in.Phone, PostalAddress: in.PostalAddress, JoinedOn: in.JoinedOn, ExternalID: in.ExternalID,
		})
		if err != nil {
			return classify(err)
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "member.create", Entity: "member", EntityID: out.ID.String(), ChapterID: chapterID,
			Data: map[string]any{"joined_on": in.JoinedOn.Format(time.DateOnly)},
		})
	})
	return out, err
}

// openChapter returns a chapter, checking that it exists and is not
// dissolved.
func openChapter(ctx context.Context, q *postgres.Queries, id uuid.UUID) (Chapter, error) {
	c, err := q.GetChapter(ctx, id)
	if err != nil {
		return Chapter{}, notFound(err, "chapter")
	}
	if c.DissolvedOn != nil {
		return Chapter{}, errs.Conflictf("chapter %s is dissolved", c.Slug)
	}
	return c, nil
}

// UpdateMember changes a member's record. It needs the roster write
// permission in the member's chapter and, to move them, in the destination
// chapter too. The audit entry names the fields that changed, not their
// values (contact details stay out of the log).
func (s *Service) UpdateMember(ctx context.Context, p *auth.Principal, id uuid.UUID, patch MemberPatch) (Member, error) {
	var out Member
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		m, err := q.GetMemberForUpdate(ctx, id)
		if err != nil {
			return notFound(err, "member")
		}
		if !p.Can(auth.RosterWrite, m.ChapterID) {
			return errs.Forbiddenf("you may not change this member's record")
		}
		in := MemberInput{GivenName: m.GivenName, FamilyName: m.FamilyName, Email: m.Email, Phone: m.Phone,
			PostalAddress: m.PostalAddress, JoinedOn: m.JoinedOn, ExternalID: m.ExternalID}
		chapter := m.ChapterID
		var changed []string
		set := func(name string, dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst = *v
				changed = append(changed, name)
			}
		}
		set("given_name", &in.GivenName, patch.GivenName)
		set("family_name", &in.FamilyName, patch.FamilyName)
		set("email", &in.Email, patch.Email)
		set("phone", &in.Phone, patch.Phone)
		set("postal_address", &in.PostalAddress, patch.PostalAddress)
		if patch.ExternalID != nil && (m.ExternalID == nil || *m.ExternalID != *patch.ExternalID) {
			in.ExternalID = patch.ExternalID
			changed = append(changed, "external_id")
		}
		if patch.JoinedOn != nil && !patch.JoinedOn.Equal(m.JoinedOn) {
			in.JoinedOn = *patch.JoinedOn
			changed = append(changed, "joined_on")
		}
		if patch.ChapterID != nil && *patch.ChapterID != m.ChapterID {
			if !p.Can(auth.RosterWrite, *patch.ChapterID) {
				return &errs.Error{Kind: errs.Forbidden, Field: "/chapter_id", Msg: "you may not move members into that chapter"}
			}
			if _, err := openChapter(ctx, q, *patch.ChapterID); err != nil {
				return err
			}
			chapter = *patch.ChapterID
			changed = append(changed, "chapter_id")
		}
		if err := in.normalize(s.Today()); err != nil {
			return err
		}
		if len(changed) == 0 {
			out = m
			return nil
		}
		out, err = q.UpdateMember(ctx, postgres.UpdateMemberParams{
			ID: id, ChapterID: chapter, GivenName: in.GivenName, FamilyName: in.FamilyName, Email: in.Email,
			Phone: in.Phone, PostalAddress: in.PostalAddress, JoinedOn: in.JoinedOn, ExternalID: in.ExternalID,
		})
		if err != nil {
			return classify(err)
		}
		if !in.JoinedOn.Equal(m.JoinedOn) {
			// Standing starts at joining: the dues workers recompute it.
			if err := q.QueueStandingRecompute(ctx, []uuid.UUID{id}); err != nil {
				return err
			}
		}
		data := map[string]any{"changed": changed}
		if chapter != m.ChapterID {
			data["from_chapter"], data["to_chapter"] = m.ChapterID.String(), chapter.String()
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "member.update", Entity: "member", EntityID: id.String(), ChapterID: chapter, Data: data,
		})
	})
	return out, err
}

// DeactivateMember sets a member's status to inactive from the given date
// (nil: today), keeping the reason in the status history. It needs the
// roster write permission in the member's chapter; an inactive member gives
// a Conflict.
func (s *Service) DeactivateMember(ctx context.Context, p *auth.Principal, id uuid.UUID, reason string, on *time.Time) (Member, error) {
	reason, err := normText("/reason", reason, 500, true)
	if err != nil {
		return Member{}, err
	}
	date := s.Today()
	if on != nil {
		date = *on
	}
	var out Member
	err = s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		m, err := q.GetMemberForUpdate(ctx, id)
		if err != nil {
			return notFound(err, "member")
		}
		if !p.Can(auth.RosterWrite, m.ChapterID) {
			return errs.Forbiddenf("you may not change this member's record")
		}
		if m.Status == StatusInactive {
			return errs.Conflictf("member is already inactive")
		}
		if date.Before(m.JoinedOn) {
			return errs.Field("/effective_on", "is before the member joined")
		}
		// An inactive member cannot sign in: deactivating a national admin
		// must leave someone able to grant roles.
		if err := s.keepNationalAdminWithout(ctx, q, []uuid.UUID{id}, date); err != nil {
			return err
		}
		if out, err = q.SetMemberStatus(ctx, postgres.SetMemberStatusParams{ID: id, Status: StatusInactive}); err != nil {
			return err
		}
		if err := q.InsertStatusChange(ctx, postgres.InsertStatusChangeParams{
			MemberID: id, Status: StatusInactive, EffectiveOn: date, Reason: reason,
			RecordedBy: uuid.NullUUID{UUID: p.MemberID, Valid: true},
		}); err != nil {
			return err
		}
		// An inactive member is not in good standing: the dues workers
		// recompute it.
		if err := q.QueueStandingRecompute(ctx, []uuid.UUID{id}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "member.deactivate", Entity: "member", EntityID: id.String(), ChapterID: m.ChapterID,
			Data: map[string]any{"effective_on": date.Format(time.DateOnly), "reason": reason},
		})
	})
	return out, err
}
