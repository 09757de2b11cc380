package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/dues/duestest"
	"github.com/chapterhouse/chapterhouse/internal/web"
)

// ledger is a small dues ledger made through the dues service's webhook
// path, in the two calendar months before this one (months[0], months[1]):
//
//   - Mae (the demo member, Riverside) pays 20.00 in each month;
//   - Riverside members R1, R2, R3 pay 15.00, 30.00 (month 0) and 10.00
//     (month 1); R2's payment is refunded in full early in month 1;
//   - Northfield members N1, N2 pay 25.00 (month 0, disputed and lost
//     late in month 0) and 40.00 (month 1);
//   - payout ok pays out month 0's charges and adds up; payout short pays
//     out month 1's charges and the refund and is 12.34 short.
type ledger struct {
	months      [2]time.Time
	mae         uuid.UUID
	riverside   []uuid.UUID
	northfield  []uuid.UUID
	okPayout    string
	shortPayout string
	okArrival   time.Time
	okAmount    int64
}

// newDataService is a dues service with the fake Stripe and the webhook
// secret, to build a ledger with.
func newDataService(t *testing.T, pool *pgxpool.Pool, fake *duestest.Stripe) *dues.Service {
	t.Helper()
	s, err := dues.NewService(pool, time.Now, dues.Config{Policy: dues.DefaultPolicy(), Stripe: fake, WebhookSecret: duestest.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// chapterMembers returns n active generated members of a chapter.
func chapterMembers(t *testing.T, pool *pgxpool.Pool, slug string, n int) []uuid.UUID {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT m.id FROM members m JOIN chapters c ON c.id = m.chapter_id
		WHERE c.slug = $1 AND m.status = 'active' AND m.email LIKE '%@example.org' ORDER BY m.email LIMIT $2`, slug, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if rows.Err() != nil || len(out) != n {
		t.Fatalf("%d members of %s: %v", len(out), slug, rows.Err())
	}
	return out
}

// buildLedger makes the ledger described at ledger.
func buildLedger(t *testing.T, pool *pgxpool.Pool, mae uuid.UUID) ledger {
	t.Helper()
	fake := duestest.New()
	svc := newDataService(t, pool, fake)
	y, m, _ := time.Now().UTC().Date()
	this := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	l := ledger{months: [2]time.Time{this.AddDate(0, -2, 0), this.AddDate(0, -1, 0)}, mae: mae,
		riverside: chapterMembers(t, pool, "riverside", 3), northfield: chapterMembers(t, pool, "northfield", 2)}
	duestest.AddCustomers(t, pool, append(append([]uuid.UUID{mae}, l.riverside...), l.northfield...)...)
	day := func(month, d int) time.Time { return l.months[month].AddDate(0, 0, d-1).Add(10 * time.Hour) }

	_, mae0 := fake.Pay(mae, 2000, day(0, 2))
	_, r1 := fake.Pay(l.riverside[0], 1500, day(0, 3))
	r2ch, r2 := fake.Pay(l.riverside[1], 3000, day(0, 4))
	n1ch, n1 := fake.Pay(l.northfield[0], 2500, day(0, 6))
	dispute := fake.Dispute(l.northfield[0], n1ch, 2500, day(0, 12), false)
	first := []dues.BalanceTxn{mae0, r1, r2, n1}
	for _, bt := range first {
		l.okAmount += bt.Net
	}
	l.okPayout = fake.Payout(first, day(0, 20), 0)
	l.okArrival = time.Date(day(0, 22).Year(), day(0, 22).Month(), day(0, 22).Day(), 0, 0, 0, 0, time.UTC)

	refund := fake.Refund(l.riverside[1], r2ch, 3000, day(1, 1))
	_, mae1 := fake.Pay(mae, 2000, day(1, 2))
	_, r3 := fake.Pay(l.riverside[2], 1000, day(1, 5))
	_, n2 := fake.Pay(l.northfield[1], 4000, day(1, 6))
	l.shortPayout = fake.Payout(append([]dues.BalanceTxn{mae1, r3, n2, refund}, dispute...), day(1, 20), -1234)

	duestest.Deliver(t, svc, fake.Events())
	return l
}

// duesFixture is the site on the demo organization with a dues service
// (with or without Stripe) and the ledger; principal "rtreasurer" is
// Riverside's chapter treasurer.
type duesFixture struct {
	*fixture
	fake *duestest.Stripe
	svc  *dues.Service // the site's service
	l    ledger
}

func newDuesFixture(t *testing.T, configured bool) *duesFixture {
	t.Helper()
	df := &duesFixture{fake: duestest.New()}
	df.fixture = newFixtureWith(t, func(f *fixture, d *web.Deps) {
		cfg := dues.Config{Policy: dues.DefaultPolicy()}
		if configured {
			cfg.Stripe, cfg.WebhookSecret = df.fake, duestest.Secret
		}
		s, err := dues.NewService(f.pool, time.Now, cfg)
		if err != nil {
			t.Fatal(err)
		}
		df.svc, d.Dues = s, s
	})
	df.l = buildLedger(t, df.pool, df.accounts["member"])
	riverside := df.chapters["riverside"]
	df.principals["rtreasurer"] = &auth.Principal{MemberID: df.l.riverside[0], ChapterID: riverside,
		DisplayName: "Rita Riverside", Grants: []auth.Grant{{Role: auth.RoleTreasurer, ChapterID: riverside}}}
	return df
}

// principalOf is a plain member's principal, with no office.
func (df *duesFixture) principalOf(t *testing.T, id uuid.UUID) *auth.Principal {
	t.Helper()
	var chapter uuid.UUID
	if err := df.pool.QueryRow(context.Background(), `SELECT chapter_id FROM members WHERE id = $1`, id).Scan(&chapter); err != nil {
		t.Fatal(err)
	}
	return &auth.Principal{MemberID: id, ChapterID: chapter, DisplayName: "A Member"}
}

// lapsedMember returns an active generated member of a chapter who is
// lapsed today and has no waiver.
func (df *duesFixture) lapsedMember(t *testing.T, slug string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := df.pool.QueryRow(context.Background(), `SELECT m.id FROM members m JOIN chapters c ON c.id = m.chapter_id
		WHERE c.slug = $1 AND m.status = 'active' AND m.email LIKE '%@example.org'
		AND member_standing_on(m.id, $2::date) = 'lapsed' AND NOT EXISTS (SELECT 1 FROM dues_waivers w WHERE w.member_id = m.id)
		ORDER BY m.email LIMIT 1`, slug, time.Now().UTC().Format(time.DateOnly)).Scan(&id); err != nil {
		t.Fatalf("a lapsed member of %s: %v", slug, err)
	}
	return id
}
