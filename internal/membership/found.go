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

// Founding is what Found needs to start an organization: the national
// body's name and slug, and the first national admin, who signs in with an
// OpenID account whose verified email is AdminEmail.
type Founding struct {
	Name, Slug                      string
	AdminEmail                      string
	AdminGivenName, AdminFamilyName string
}

// Found creates the national body, its first member and that member's
// national admin role, in one transaction with one audit entry: how an
// organization starts on an empty, migrated database. The admin then
// charters chapters, imports rosters and grants roles through the API or
// the web. It is an operator's act (whoever holds the database URL), so it
// takes no principal. A database that already has a national body is a
// Conflict, and nothing is written; bad input is Invalid naming the field.
func (s *Service) Found(ctx context.Context, in Founding) (Chapter, Member, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return Chapter{}, Member{}, errs.Field("name", "must not be blank")
	}
	email, err := normEmail("admin-email", in.AdminEmail)
	if err != nil {
		return Chapter{}, Member{}, err
	}
	given, err := normText("admin-given-name", in.AdminGivenName, 100, true)
	if err != nil {
		return Chapter{}, Member{}, err
	}
	family, err := normText("admin-family-name", in.AdminFamilyName, 100, false)
	if err != nil {
		return Chapter{}, Member{}, err
	}
	today := s.Today()
	var c Chapter
	var m Member
	err = s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		// The unique index chapters_one_national settles a race between two
		// foundings; this check gives the usual case its clear message.
		switch existing, err := q.GetNationalChapter(ctx); {
		case err == nil:
			return errs.Conflictf("this database already has a national body (%s, slug %s)", existing.Name, existing.Slug)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if c, err = q.CreateChapter(ctx, postgres.CreateChapterParams{Kind: "national", Slug: in.Slug, Name: in.Name,
			CharteredOn: today}); err != nil {
			return foundingField(classify(err))
		}
		if m, err = q.CreateMember(ctx, postgres.CreateMemberParams{ChapterID: c.ID, GivenName: given, FamilyName: family,
			Email: email, JoinedOn: today}); err != nil {
			return foundingField(classify(err))
		}
		if _, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: m.ID, ChapterID: c.ID,
			Role: string(auth.RoleAdmin), StartsOn: today}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: uuid.Nil, Action: "organization.found", Entity: "chapter",
			EntityID: c.ID.String(), ChapterID: c.ID,
			Data: map[string]string{"name": c.Name, "slug": c.Slug, "admin_member_id": m.ID.String(),
				"founded_on": today.Format(time.DateOnly)}})
	})
	if err != nil {
		return Chapter{}, Member{}, err
	}
	return c, m, nil
}

// foundingField renames the API's field names in an error to the command's
// flags.
func foundingField(err error) error {
	if e := errs.As(err); e != nil {
		if flag, ok := map[string]string{"/slug": "slug", "/email": "admin-email"}[e.Field]; ok {
			e.Field = flag
		}
	}
	return err
}
