package voting

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is an organization with a national body and two chapters, and a
// voting service with a fresh ballot key.
type fixture struct {
	t        testing.TB
	ctx      context.Context
	pool     *pgxpool.Pool
	svc      *Service
	dues     *dues.Service
	today    time.Time
	national uuid.UUID
	chA, chB uuid.UUID
	admin    *auth.Principal
	n        int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), pool: pgtest.New(t)}
	key, err := ParseBallotKey(NewBallotKey())
	if err != nil {
		t.Fatal(err)
	}
	if f.dues, err = dues.NewService(f.pool, time.Now, dues.Config{Policy: dues.DefaultPolicy()}); err != nil {
		t.Fatal(err)
	}
	settle := func(ctx context.Context) error { _, err := f.dues.DrainStanding(ctx); return err }
	f.svc, err = NewService(f.pool, time.Now, key, settle)
	if err != nil {
		t.Fatal(err)
	}
	f.today = f.svc.today()
	q := postgres.New(f.pool)
	nat, err := q.CreateChapter(f.ctx, postgres.CreateChapterParams{Kind: "national", Slug: "national", Name: "National", CharteredOn: f.today.AddDate(-10, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	f.national = nat.ID
	for i, dst := range []*uuid.UUID{&f.chA, &f.chB} {
		c, err := q.CreateChapter(f.ctx, postgres.CreateChapterParams{ParentID: uuid.NullUUID{UUID: nat.ID, Valid: true},
			Kind: "chapter", Slug: fmt.Sprintf("ch%d", i), Name: fmt.Sprintf("Chapter %c", 'A'+i), CharteredOn: f.today.AddDate(-9, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		*dst = c.ID
	}
	f.admin = f.member(f.national, f.today.AddDate(-5, 0, 0))
	f.admin.Grants = []auth.Grant{{Role: auth.RoleAdmin, ChapterID: f.national, National: true}}
	return f
}

// paidThrough gives members a legacy paid-through date (the dues fact a
// roster import stores) and lets the dues service derive their standing:
// eligibility needs good standing on the record date.
func (f *fixture) paidThrough(through time.Time, members ...uuid.UUID) {
	f.t.Helper()
	dates := make([]time.Time, len(members))
	for i := range dates {
		dates[i] = through
	}
	if _, err := postgres.New(f.pool).ImportUpsertLegacyCredits(f.ctx, postgres.ImportUpsertLegacyCreditsParams{
		MemberIds: members, PaidThroughs: dates}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.dues.DrainStanding(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

// member adds an active member who joined on joined, with dues paid a year
// ahead and further status changes given as (status, effective date) pairs.
func (f *fixture) member(chapter uuid.UUID, joined time.Time, changes ...any) *auth.Principal {
	f.t.Helper()
	p := f.memberPaidThrough(chapter, joined, f.today.AddDate(1, 0, 0), changes...)
	return p
}

// memberPaidThrough is member with dues paid through the given date.
func (f *fixture) memberPaidThrough(chapter uuid.UUID, joined, through time.Time, changes ...any) *auth.Principal {
	f.t.Helper()
	f.n++
	q := postgres.New(f.pool)
	m, err := q.CreateMember(f.ctx, postgres.CreateMemberParams{ChapterID: chapter, GivenName: fmt.Sprintf("Given%d", f.n),
		FamilyName: fmt.Sprintf("Family%d", f.n), Email: fmt.Sprintf("m%d-%s@example.org", f.n, uuid.NewString()[:8]), JoinedOn: joined})
	if err != nil {
		f.t.Fatal(err)
	}
	hist := append([]any{"active", joined}, changes...)
	for i := 0; i < len(hist); i += 2 {
		if err := q.InsertStatusChange(f.ctx, postgres.InsertStatusChangeParams{MemberID: m.ID, Status: hist[i].(string),
			EffectiveOn: hist[i+1].(time.Time), Reason: "test"}); err != nil {
			f.t.Fatal(err)
		}
	}
	f.paidThrough(through, m.ID)
	return &auth.Principal{MemberID: m.ID, ChapterID: chapter, DisplayName: m.GivenName}
}

// members adds n active members of chapter quickly (COPY).
func (f *fixture) members(chapter uuid.UUID, n int) []*auth.Principal {
	f.t.Helper()
	joined := f.today.AddDate(-1, 0, 0)
	ms := make([]postgres.CopyMembersParams, n)
	hs := make([]postgres.CopyStatusChangesParams, n)
	out := make([]*auth.Principal, n)
	tag := uuid.NewString()[:8]
	for i := range ms {
		id := uuid.New()
		ms[i] = postgres.CopyMembersParams{ID: id, ChapterID: chapter, GivenName: "Voter", FamilyName: fmt.Sprint(i),
			Email: fmt.Sprintf("v%d-%s@example.org", i, tag), JoinedOn: joined, Status: "active"}
		hs[i] = postgres.CopyStatusChangesParams{MemberID: id, Status: "active", EffectiveOn: joined, Reason: "joined"}
		out[i] = &auth.Principal{MemberID: id, ChapterID: chapter}
	}
	q := postgres.New(f.pool)
	if _, err := q.CopyMembers(f.ctx, ms); err != nil {
		f.t.Fatal(err)
	}
	if _, err := q.CopyStatusChanges(f.ctx, hs); err != nil {
		f.t.Fatal(err)
	}
	ids := make([]uuid.UUID, n)
	for i, m := range ms {
		ids[i] = m.ID
	}
	f.paidThrough(f.today.AddDate(1, 0, 0), ids...)
	return out
}

// election creates an election held by chapter with the given officials
// and record date 30 days ago.
func (f *fixture) election(chapter uuid.UUID, replace bool, officials ...*auth.Principal) Election {
	f.t.Helper()
	var ids []uuid.UUID
	for _, o := range officials {
		ids = append(ids, o.MemberID)
	}
	e, err := f.svc.CreateElection(f.ctx, f.admin, ElectionInput{ChapterID: chapter, Title: "Test election",
		RecordDate: f.today.AddDate(0, 0, -30), AllowReplacement: replace, Officials: ids})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// contest adds a contest with candidates named A, B, C... (options).
func (f *fixture) contest(official *auth.Principal, e Election, in ContestInput, candidates int) Contest {
	f.t.Helper()
	if in.Method != MethodYesNo {
		for i := range candidates {
			in.Options = append(in.Options, string(rune('A'+i)))
		}
	}
	c, err := f.svc.AddContest(f.ctx, official, e.ID, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// open opens the election and returns the contest as it stands on the
// ballot.
func (f *fixture) open(official *auth.Principal, e Election) Election {
	f.t.Helper()
	e, err := f.svc.Open(f.ctx, official, e.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func candidateIDs(c Contest) []uuid.UUID {
	ids := make([]uuid.UUID, len(c.Candidates))
	for _, k := range c.Candidates {
		ids[k.BallotIndex] = k.ID
	}
	return ids
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
