package auth

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestMain stops pgtest's private cluster, if it started one.
func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is an organization: the national body, two chapters, and members.
type fixture struct {
	pool     *pgxpool.Pool
	national uuid.UUID
	north    uuid.UUID
	south    uuid.UUID
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	pool := pgtest.New(t)
	f := &fixture{pool: pool}
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(pool.QueryRow(ctx, `INSERT INTO chapters (kind, slug, name) VALUES ('national', 'national', 'National') RETURNING id`).Scan(&f.national))
	must(pool.QueryRow(ctx, `INSERT INTO chapters (parent_id, kind, slug, name) VALUES ($1, 'chapter', 'north', 'North') RETURNING id`, f.national).Scan(&f.north))
	must(pool.QueryRow(ctx, `INSERT INTO chapters (parent_id, kind, slug, name) VALUES ($1, 'chapter', 'south', 'South') RETURNING id`, f.national).Scan(&f.south))
	return f
}

// member inserts an active member of chapter with email and returns its id.
func (f *fixture) member(t testing.TB, chapter uuid.UUID, given, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.pool.QueryRow(context.Background(),
		`INSERT INTO members (chapter_id, given_name, family_name, email, joined_on) VALUES ($1, $2, 'Test', $3, current_date) RETURNING id`,
		chapter, given, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// grant assigns role to member in chapter from startsOn for the given
// number of days (0: open-ended), offsets in days from today.
func (f *fixture) grant(t testing.TB, member, chapter uuid.UUID, role Role, startOffset, endOffset int, open bool) {
	t.Helper()
	var ends *int
	if !open {
		ends = &endOffset
	}
	if _, err := f.pool.Exec(context.Background(),
		`INSERT INTO role_assignments (member_id, chapter_id, role, starts_on, ends_on)
		 VALUES ($1, $2, $3, current_date + $4::int, current_date + $5::int)`,
		member, chapter, string(role), startOffset, ends); err != nil {
		t.Fatal(err)
	}
}
