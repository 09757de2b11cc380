package dues

import (
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
)

func trimmed(s string) string { return strings.TrimSpace(s) }

func notFoundOr(err error, instead error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return instead
	}
	return err
}

func auditEntry(p *auth.Principal, action, entity, id string, chapter uuid.UUID, data map[string]any) audit.Entry {
	var actor uuid.UUID
	if p != nil {
		actor = p.MemberID
	}
	return audit.Entry{ActorID: actor, Action: action, Entity: entity, EntityID: id, ChapterID: chapter, Data: data}
}
