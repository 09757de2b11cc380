package membership

import (
	"context"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// ExportRoster writes a chapter's roster as CSV in the import format (so an
// export re-imports to no change), optionally only members with the given
// status. It needs the roster export permission in the chapter. The export
// is recorded in the audit log, with who exported how many rows, before any
// data is written to w.
func (s *Service) ExportRoster(ctx context.Context, p *auth.Principal, chapterID uuid.UUID, status string, w io.Writer) error {
	if !p.Can(auth.RosterExport, chapterID) {
		return errs.Forbiddenf("you may not export this chapter's roster")
	}
	var st *string
	switch status {
	case "":
	case StatusActive, StatusInactive:
		st = &status
	default:
		return errs.Field("status", "must be active or inactive")
	}
	var rows []postgres.ExportMembersRow
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		if _, err := q.GetChapter(ctx, chapterID); err != nil {
			return notFound(err, "chapter")
		}
		var err error
		if rows, err = q.ExportMembers(ctx, postgres.ExportMembersParams{ChapterID: chapterID, Status: st}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{
			ActorID: p.MemberID, Action: "roster.export", Entity: "chapter", EntityID: chapterID.String(), ChapterID: chapterID,
			Data: map[string]any{"rows": len(rows), "status": status},
		})
	})
	if err != nil {
		return err
	}
	return writeRosterCSV(w, rows)
}
