package membership

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// RoleAssignment is a role held by a member in a chapter (or the national
// body) from StartsOn until EndsOn, exclusive; a nil EndsOn means until it
// is ended. It grants its permissions on the days in that range (see
// auth.Role.Grants).
type RoleAssignment struct {
	ID         uuid.UUID
	MemberID   uuid.UUID
	ChapterID  uuid.UUID
	MemberName string // "Given Family"; empty where not looked up
	// HolderActive is false when the holder's membership is inactive: they
	// cannot sign in, so the term grants nothing until they are active.
	HolderActive bool
	Role         auth.Role
	StartsOn     time.Time
	EndsOn       *time.Time
	CreatedAt    time.Time
}

// InForce reports whether the assignment grants its role on day.
func (a RoleAssignment) InForce(day time.Time) bool {
	return !a.StartsOn.After(day) && (a.EndsOn == nil || a.EndsOn.After(day))
}

// RoleGrant is what GrantRole needs: the member, by MemberID or by Email
// (exactly one), the role, and the term. A nil StartsOn means today; a nil
// EndsOn an open term, held until it is ended.
type RoleGrant struct {
	MemberID uuid.UUID
	Email    string
	Role     auth.Role
	StartsOn *time.Time
	EndsOn   *time.Time
}

// ListRoles returns a chapter's role assignments, holders' names included:
// the current and scheduled ones first, by role and start; with
// includeEnded also the ended ones, latest ended first. Any signed-in
// member may see who holds office; NotFound for an unknown chapter.
func (s *Service) ListRoles(ctx context.Context, p *auth.Principal, chapterID uuid.UUID, includeEnded bool) ([]RoleAssignment, error) {
	if p == nil {
		return nil, errs.E(errs.Unauthenticated, "sign in to see a chapter's officers")
	}
	q := postgres.New(s.pool)
	if _, err := q.GetChapter(ctx, chapterID); err != nil {
		return nil, notFound(err, "chapter")
	}
	rows, err := q.ListChapterRoles(ctx, postgres.ListChapterRolesParams{ChapterID: chapterID, IncludeEnded: includeEnded, Today: s.Today()})
	if err != nil {
		return nil, err
	}
	out := make([]RoleAssignment, len(rows))
	for i, r := range rows {
		out[i] = RoleAssignment{ID: r.ID, MemberID: r.MemberID, ChapterID: r.ChapterID, Role: auth.Role(r.Role),
			MemberName: fullName(r.GivenName, r.FamilyName), HolderActive: r.MemberStatus == StatusActive,
			StartsOn: r.StartsOn, EndsOn: r.EndsOn,
			CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// GrantRole gives a member a role in a chapter. It needs RolesManage in the
// chapter: a chapter admin for their chapter, a national admin anywhere.
// The term may not start in the past (roles are not granted
// retroactively), and must end after it starts. The member must be active
// and, unless the chapter is the national body, belong to the chapter. A
// term overlapping one in which the member already holds the role there is
// a Conflict naming /starts_on. The grant is audited and takes effect on
// the holder's next request.
func (s *Service) GrantRole(ctx context.Context, p *auth.Principal, chapterID uuid.UUID, in RoleGrant) (RoleAssignment, error) {
	if !p.Can(auth.RolesManage, chapterID) {
		return RoleAssignment{}, errs.Forbiddenf("only an admin of this chapter or a national admin may grant its roles")
	}
	if !in.Role.Valid() {
		return RoleAssignment{}, errs.Field("/role", "must be one of %s", strings.Join(roleNames(), ", "))
	}
	by := "/member_id"
	switch {
	case (in.MemberID == uuid.Nil) == (in.Email == ""):
		return RoleAssignment{}, errs.Field("/member_id", "give either the member's id or their email")
	case in.Email != "":
		by = "/email"
		email, err := normEmail(by, in.Email)
		if err != nil {
			return RoleAssignment{}, err
		}
		in.Email = email
	}
	today := s.Today()
	starts := today
	if in.StartsOn != nil {
		starts = *in.StartsOn
	}
	if starts.Before(today) {
		return RoleAssignment{}, errs.Field("/starts_on", "must not be in the past: roles are not granted retroactively")
	}
	if in.EndsOn != nil && !in.EndsOn.After(starts) {
		return RoleAssignment{}, errs.Field("/ends_on", "must be after the term starts (%s)", starts.Format(time.DateOnly))
	}
	var out RoleAssignment
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		c, err := openChapter(ctx, q, chapterID)
		if err != nil {
			return err
		}
		var m Member
		if by == "/email" {
			m, err = q.GetMemberByEmail(ctx, in.Email)
		} else {
			m, err = q.GetMember(ctx, in.MemberID)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			if by == "/email" {
				return errs.Field(by, "no member has this email address")
			}
			return errs.Field(by, "no member has this id")
		}
		if err != nil {
			return err
		}
		if m.Status != StatusActive {
			return errs.Field(by, "is an inactive member: only active members hold roles")
		}
		if c.Kind != "national" && m.ChapterID != chapterID {
			return errs.Field(by, "is a member of another chapter: a chapter's roles go to its own members")
		}
		a, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: m.ID, ChapterID: chapterID,
			Role: string(in.Role), StartsOn: starts, EndsOn: in.EndsOn})
		if err != nil {
			return classify(err)
		}
		out = roleAssignment(a)
		out.MemberName, out.HolderActive = fullName(m.GivenName, m.FamilyName), true
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "role.grant", Entity: "role_assignment", EntityID: a.ID.String(), ChapterID: chapterID,
			Data: roleAuditData(out),
		})
	})
	return out, err
}

// EndRole sets the day an assignment ends (nil: today), so the role is not
// held from that day on; the record stays, as the history of who held
// office. It needs RolesManage in the assignment's chapter. The day may not
// be in the past and must come after the term's start (an assignment that
// has not begun is removed instead, see RemoveRole); it may move an end
// already set, within the rule that terms of one role do not overlap. An
// assignment that has already ended is a Conflict, and so is bringing a
// national admin's term forward when the other national admins' terms do
// not cover every day after it: the organization would come to a day with
// no one left to grant roles. NotFound for an unknown assignment.
func (s *Service) EndRole(ctx context.Context, p *auth.Principal, id uuid.UUID, on *time.Time) (RoleAssignment, error) {
	today := s.Today()
	end := today
	if on != nil {
		end = *on
	}
	if end.Before(today) {
		return RoleAssignment{}, errs.Field("/ends_on", "must not be in the past")
	}
	var out RoleAssignment
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, national, err := s.lockAssignment(ctx, q, p, id)
		if err != nil {
			return err
		}
		switch {
		case a.EndsOn != nil && !a.EndsOn.After(today):
			return errs.Conflictf("this term ended on %s", a.EndsOn.Format(time.DateOnly))
		case !end.After(a.StartsOn):
			return errs.Field("/ends_on", "must be after the term's start (%s); an assignment that has not begun can be removed instead",
				a.StartsOn.Format(time.DateOnly))
		}
		if national && a.Role == auth.RoleAdmin && (a.EndsOn == nil || end.Before(*a.EndsOn)) {
			if err := keepNationalAdmin(ctx, q, a.ID, nil, end); err != nil {
				return err
			}
		}
		before := a.EndsOn
		ended, err := q.EndRoleAssignment(ctx, postgres.EndRoleAssignmentParams{ID: id, EndsOn: &end})
		if err != nil {
			return classify(err)
		}
		out = roleAssignment(ended)
		m, err := q.GetMember(ctx, a.MemberID)
		if err != nil {
			return err
		}
		out.MemberName, out.HolderActive = fullName(m.GivenName, m.FamilyName), m.Status == StatusActive
		data := roleAuditData(out)
		if before != nil {
			data["previous_ends_on"] = before.Format(time.DateOnly)
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "role.end", Entity: "role_assignment", EntityID: id.String(), ChapterID: a.ChapterID,
			Data: data,
		})
	})
	return out, err
}

// RemoveRole deletes an assignment whose term starts today or later: a
// grant made in error, or a scheduled one withdrawn. An assignment whose
// term began before today is a Conflict: it is ended instead (EndRole), so
// the record of who held the role stays. It needs RolesManage in the
// assignment's chapter, may not remove a national admin's term unless the
// other national admins' terms cover every day from its start on (as
// EndRole), and is audited. NotFound for an unknown assignment.
func (s *Service) RemoveRole(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	today := s.Today()
	return s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, national, err := s.lockAssignment(ctx, q, p, id)
		if err != nil {
			return err
		}
		if a.StartsOn.Before(today) {
			return errs.Conflictf("this term began on %s: end it instead, so the record of who held the role stays",
				a.StartsOn.Format(time.DateOnly))
		}
		if national && a.Role == auth.RoleAdmin {
			if err := keepNationalAdmin(ctx, q, a.ID, nil, a.StartsOn); err != nil {
				return err
			}
		}
		if err := q.DeleteRoleAssignment(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "role.remove", Entity: "role_assignment", EntityID: id.String(), ChapterID: a.ChapterID,
			Data: roleAuditData(a),
		})
	})
}

// lockAssignment reads and locks an assignment for a change, checks that p
// may manage roles in its chapter, and reports whether that chapter is the
// national body. Changes to national admins are serialized with each
// other, so two of them cannot both pass keepNationalAdmin.
func (s *Service) lockAssignment(ctx context.Context, q *postgres.Queries, p *auth.Principal, id uuid.UUID) (RoleAssignment, bool, error) {
	row, err := q.GetRoleAssignmentForUpdate(ctx, id)
	if err != nil {
		return RoleAssignment{}, false, notFound(err, "role assignment")
	}
	a := roleAssignment(row)
	if !p.Can(auth.RolesManage, a.ChapterID) {
		return RoleAssignment{}, false, errs.Forbiddenf("only an admin of this chapter or a national admin may change its roles")
	}
	c, err := q.GetChapter(ctx, a.ChapterID)
	if err != nil {
		return RoleAssignment{}, false, err
	}
	national := c.Kind == "national"
	if national && a.Role == auth.RoleAdmin {
		if err := q.LockNationalAdmins(ctx); err != nil {
			return RoleAssignment{}, false, err
		}
	}
	return a, national, nil
}

// keepNationalAdmin returns a Conflict unless national admin terms held by
// active members, leaving out the term exceptTerm (uuid.Nil: none) and the
// members exceptMembers, cover every day from day on: the
// organization must never reach a day on which no one may grant roles.
// The caller holds LockNationalAdmins.
func keepNationalAdmin(ctx context.Context, q *postgres.Queries, exceptTerm uuid.UUID, exceptMembers []uuid.UUID, day time.Time) error {
	if exceptMembers == nil {
		exceptMembers = []uuid.UUID{}
	}
	gap, err := q.FirstDayWithoutNationalAdmin(ctx, postgres.FirstDayWithoutNationalAdminParams{
		ExceptID: exceptTerm, ExceptMembers: exceptMembers, Day: day})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return errs.Conflictf("from %s no other active member would hold office as national admin, and no one could grant roles: "+
		"grant the national admin role to someone else for that time first", gap.Format(time.DateOnly))
}

// keepNationalAdminWithout is keepNationalAdmin for members about to become
// inactive from day (or today, if later): it takes LockNationalAdmins and
// asks only when one of them holds a national admin term then or later.
func (s *Service) keepNationalAdminWithout(ctx context.Context, q *postgres.Queries, members []uuid.UUID, day time.Time) error {
	if len(members) == 0 {
		return nil
	}
	day = latest(day, s.Today())
	if err := q.LockNationalAdmins(ctx); err != nil {
		return err
	}
	holds, err := q.HoldsNationalAdminFrom(ctx, postgres.HoldsNationalAdminFromParams{MemberIds: members, Day: day})
	if err != nil || !holds {
		return err
	}
	return keepNationalAdmin(ctx, q, uuid.Nil, members, day)
}

func roleAssignment(r postgres.RoleAssignment) RoleAssignment {
	return RoleAssignment{ID: r.ID, MemberID: r.MemberID, ChapterID: r.ChapterID, Role: auth.Role(r.Role),
		StartsOn: r.StartsOn, EndsOn: r.EndsOn, CreatedAt: r.CreatedAt}
}

// roleAuditData is what the audit log keeps of an assignment: who, which
// role, which term; no contact details.
func roleAuditData(a RoleAssignment) map[string]any {
	d := map[string]any{"member_id": a.MemberID.String(), "role": string(a.Role), "starts_on": a.StartsOn.Format(time.DateOnly)}
	if a.EndsOn != nil {
		d["ends_on"] = a.EndsOn.Format(time.DateOnly)
	}
	return d
}

// latest returns the later of two dates.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fullName is a member's name as lists show it.
func fullName(given, family string) string { return strings.TrimSpace(given + " " + family) }

func roleNames() []string {
	var names []string
	for _, r := range auth.Roles() {
		names = append(names, string(r))
	}
	return names
}
