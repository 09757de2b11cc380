package membership

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Chapter is a chapter or the national body (Kind "national", no parent).
type Chapter = postgres.Chapter

// ChapterInput is what a national admin gives to charter a chapter.
type ChapterInput struct {
	Slug        string
	Name        string
	CharteredOn *time.Time // nil: today
}

// ChapterPatch changes a chapter; nil fields stay as they are.
type ChapterPatch struct {
	Slug *string
	Name *string
}

// ListChapters returns the national body first, then the chapters by name.
// Any signed-in member may list them. Dissolved chapters are included only
// when includeDissolved is set.
func (s *Service) ListChapters(ctx context.Context, p *auth.Principal, includeDissolved bool) ([]Chapter, error) {
	if p == nil {
		return nil, errs.E(errs.Unauthenticated, "sign in to see chapters")
	}
	return postgres.New(s.pool).ListChapters(ctx, includeDissolved)
}

// GetChapter returns one chapter; any signed-in member may read it. It
// returns a NotFound error for an unknown id.
func (s *Service) GetChapter(ctx context.Context, p *auth.Principal, id uuid.UUID) (Chapter, error) {
	if p == nil {
		return Chapter{}, errs.E(errs.Unauthenticated, "sign in to see chapters")
	}
	c, err := postgres.New(s.pool).GetChapter(ctx, id)
	return c, notFound(err, "chapter")
}

// CreateChapter charters a chapter under the national body. Only a national
// admin may; a slug in use gives a Conflict naming /slug.
func (s *Service) CreateChapter(ctx context.Context, p *auth.Principal, in ChapterInput) (Chapter, error) {
	if !p.Can(auth.ChaptersManage, uuid.Nil) {
		return Chapter{}, errs.Forbiddenf("only a national admin may charter chapters")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return Chapter{}, errs.Field("/name", "must not be blank")
	}
	chartered := s.Today()
	if in.CharteredOn != nil {
		chartered = *in.CharteredOn
	}
	var out Chapter
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		national, err := q.GetNationalChapter(ctx)
		if err != nil {
			return notFound(err, "national body")
		}
		out, err = q.CreateChapter(ctx, postgres.CreateChapterParams{
			ParentID:    uuid.NullUUID{UUID: national.ID, Valid: true},
			Kind:        "chapter",
			Slug:        in.Slug,
			Name:        in.Name,
			CharteredOn: chartered,
		})
		if err != nil {
			return classify(err)
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "chapter.charter", Entity: "chapter", EntityID: out.ID.String(), ChapterID: out.ID,
			Data: map[string]any{"slug": out.Slug, "name": out.Name, "chartered_on": out.CharteredOn.Format(time.DateOnly)},
		})
	})
	return out, err
}

// UpdateChapter renames a chapter or changes its slug; only a national admin
// may. A dissolved chapter cannot be changed (Conflict).
func (s *Service) UpdateChapter(ctx context.Context, p *auth.Principal, id uuid.UUID, patch ChapterPatch) (Chapter, error) {
	if !p.Can(auth.ChaptersManage, id) {
		return Chapter{}, errs.Forbiddenf("only a national admin may change chapters")
	}
	if patch.Name != nil {
		n := strings.TrimSpace(*patch.Name)
		if n == "" {
			return Chapter{}, errs.Field("/name", "must not be blank")
		}
		patch.Name = &n
	}
	var out Chapter
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		before, err := q.GetChapter(ctx, id)
		if err != nil {
			return notFound(err, "chapter")
		}
		if before.DissolvedOn != nil {
			return errs.Conflictf("chapter %s is dissolved", before.Slug)
		}
		out, err = q.UpdateChapter(ctx, postgres.UpdateChapterParams{ID: id, Slug: patch.Slug, Name: patch.Name})
		if err != nil {
			return classify(err)
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "chapter.update", Entity: "chapter", EntityID: id.String(), ChapterID: id,
			Data: map[string]any{"before": map[string]string{"slug": before.Slug, "name": before.Name},
				"after": map[string]string{"slug": out.Slug, "name": out.Name}},
		})
	})
	return out, err
}

// DissolveChapter dissolves a chapter on the given date (nil: today). Only a
// national admin may; the national body cannot be dissolved, and a chapter
// that still has active members cannot either (Conflict: move or deactivate
// them first). The chapter's role terms running on that date end on it, and
// those that would begin on it or later are removed.
func (s *Service) DissolveChapter(ctx context.Context, p *auth.Principal, id uuid.UUID, on *time.Time) (Chapter, error) {
	if !p.Can(auth.ChaptersManage, id) {
		return Chapter{}, errs.Forbiddenf("only a national admin may dissolve chapters")
	}
	date := s.Today()
	if on != nil {
		date = *on
	}
	var out Chapter
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		c, err := q.GetChapter(ctx, id)
		if err != nil {
			return notFound(err, "chapter")
		}
		switch {
		case c.Kind == "national":
			return errs.Conflictf("the national body cannot be dissolved")
		case c.DissolvedOn != nil:
			return errs.Conflictf("chapter %s is already dissolved", c.Slug)
		}
		n, err := q.CountActiveMembers(ctx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.Conflictf("chapter %s still has %d active members: move or deactivate them first", c.Slug, n)
		}
		out, err = q.DissolveChapter(ctx, postgres.DissolveChapterParams{ID: id, DissolvedOn: &date})
		if err != nil {
			return classify(err)
		}
		// A dissolved chapter has no officers: running terms end on the day,
		// and terms that would begin later never will.
		ended, err := q.EndChapterRoles(ctx, postgres.EndChapterRolesParams{ChapterID: id, Day: date})
		if err != nil {
			return err
		}
		removed, err := q.DeleteChapterRolesFrom(ctx, postgres.DeleteChapterRolesFromParams{ChapterID: id, Day: date})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "chapter.dissolve", Entity: "chapter", EntityID: id.String(), ChapterID: id,
			Data: map[string]any{"dissolved_on": date.Format(time.DateOnly), "roles_ended": ended, "roles_removed": removed},
		})
	})
	return out, err
}
