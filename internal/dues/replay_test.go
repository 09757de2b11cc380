package dues_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/dues/duestest"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestMain serves the internal tests (package dues) too: they share the
// test binary.
func TestMain(m *testing.M) { pgtest.Main(m) }

const testSecret = duestest.Secret

var (
	nationalID = uuid.MustParse("00000000-0000-4000-8000-000000000001")
	chapterA   = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	chapterB   = uuid.MustParse("00000000-0000-4000-8000-00000000000b")
)

func memberID(i int) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("00000000-0000-4000-9000-%012d", i))
}

// seedOrg makes the national body, chapters A and B, n members (even ones
// in A, odd in B, joined 2026-01-01) and their Stripe customers.
func seedOrg(t testing.TB, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO chapters (id, parent_id, kind, slug, name, chartered_on) VALUES
		($1, NULL, 'national', 'national', 'National', '2000-01-01'),
		($2, $1, 'chapter', 'chapter-a', 'Chapter A', '2000-01-01'),
		($3, $1, 'chapter', 'chapter-b', 'Chapter B', '2000-01-01')`, nationalID, chapterA, chapterB)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO members (id, chapter_id, given_name, family_name, email, joined_on)
		SELECT ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid,
			CASE WHEN i % 2 = 0 THEN $1::uuid ELSE $2::uuid END, 'M', 'Member ' || i, 'm' || i || '@example.org', '2026-01-01'
		FROM generate_series(0, $3::int - 1) i`, chapterA, chapterB, n)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		duestest.AddCustomers(t, pool, memberID(i))
	}
}

func nationalTreasurer() *auth.Principal {
	return &auth.Principal{MemberID: memberID(0), ChapterID: chapterA,
		Grants: []auth.Grant{{Role: auth.RoleTreasurer, ChapterID: nationalID, National: true}}}
}

func fixedClock(day string) func() time.Time {
	t := d(day).Add(12 * time.Hour)
	return func() time.Time { return t }
}

func newTestService(t testing.TB, pool *pgxpool.Pool, w dues.Stripe, today string) *dues.Service {
	t.Helper()
	s, err := dues.NewService(pool, fixedClock(today), dues.Config{Policy: dues.DefaultPolicy(), Stripe: w,
		WebhookSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sign(payload []byte, secret string) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
}

// scenario is a month (January 2026) of dues for 40 members: monthly
// payments of 5.00 to 60.00, renewals for some, a full refund of the only
// payment of one member, a partial refund, a lost and a won dispute,
// subscription events, an unknown event type, and two payouts, the second
// 12.34 short of its transactions.
func scenario() (*duestest.Stripe, map[string]string) {
	w := duestest.New()
	jan := func(day, hour int) time.Time { return time.Date(2026, 1, day, hour, 0, 0, 0, time.UTC) }
	var first, second []dues.BalanceTxn
	charges := map[int]string{}
	for i := 0; i < 40; i++ {
		amount := int64(500 + (i%12)*500)
		at := jan(1+i%20, 9)
		w.Subscription("customer.subscription.created", memberID(i), "incomplete", at, amount)
		w.Subscription("customer.subscription.updated", memberID(i), "active", at, amount)
		ch, bt := w.Pay(memberID(i), amount, at)
		charges[i] = ch
		if i%2 == 0 {
			first = append(first, bt)
		} else {
			second = append(second, bt)
		}
	}
	// Member 3: a refund that reverses the payment that kept them in good standing.
	second = append(second, w.Refund(memberID(3), charges[3], 2000, jan(25, 10)))
	// Member 5: a partial refund (standing unchanged).
	second = append(second, w.Refund(memberID(5), charges[5], 100, jan(26, 10)))
	// Member 7: a lost dispute; member 9: a won one.
	second = append(second, w.Dispute(memberID(7), charges[7], 4000, jan(21, 8), false)...)
	second = append(second, w.Dispute(memberID(9), charges[9], 5000, jan(20, 8), true)...)
	// Member 11: payment failed after the period, then the subscription ends.
	w.Emit("invoice.payment_failed", jan(30, 9), map[string]any{"id": "in_failed", "object": "invoice",
		"customer": duestest.CustomerID(memberID(11)), "amount_paid": 0, "currency": "usd"})
	w.Subscription("customer.subscription.updated", memberID(11), "past_due", jan(30, 9), 3000)
	w.Subscription("customer.subscription.deleted", memberID(11), "canceled", jan(31, 9), 3000)
	w.Emit("customer.created", jan(2, 0), map[string]any{"id": "cus_other", "object": "customer"})
	payouts := map[string]string{}
	payouts["ok"] = w.Payout(first, jan(28, 0), 0)
	payouts["short"] = w.Payout(second, jan(31, 0), -1234)
	return w, payouts
}

// snapshot renders everything replays must agree on.
func snapshot(t testing.TB, s *dues.Service, pool *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	q := postgres.New(pool)
	ledger, err := q.DuesLedgerAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ledger {
		fmt.Fprintf(&b, "L %s %s %s %v %v %v %d %d %d %s %s\n", l.BalanceTransactionID, l.Kind, l.SourceID, dues.Deref(l.ChargeID),
			dues.Deref(l.InvoiceID), dues.NullStr(l.ChapterID), l.Amount, l.Fee, l.Net, l.Currency, l.OccurredAt.UTC().Format(time.RFC3339))
	}
	rows, err := pool.Query(ctx, `SELECT member_id, standing, effective_on, reason FROM member_standing_history
		WHERE superseded_at IS NULL ORDER BY member_id, effective_on`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m uuid.UUID
		var st, reason string
		var on time.Time
		if err := rows.Scan(&m, &st, &on, &reason); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "S %s %s %s %s\n", m, st, on.Format(time.DateOnly), reason)
	}
	rows, err = pool.Query(ctx, `SELECT subscription_id, status FROM dues_subscriptions ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, st string
		rows.Scan(&id, &st)
		fmt.Fprintf(&b, "U %s %s\n", id, st)
	}
	rep, err := s.Share(ctx, nationalTreasurer(), nil, 2026, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Chapters {
		fmt.Fprintf(&b, "Q %s gross=%d refunds=%d disputes=%d base=%d members=%d tiers=%v share=%d\n", c.Slug, c.Gross,
			c.Refunds, c.Disputes, c.Base, c.Members, c.Tiers, c.Share)
	}
	pos, err := s.Payouts(ctx, nationalTreasurer(), d("2026-01-01"), d("2026-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pos {
		fmt.Fprintf(&b, "P %s %d reconciled=%v diff=%d items=%d\n", p.PayoutID, p.Amount, p.Reconciled, p.Difference, len(p.Items))
	}
	return b.String()
}

func TestReplayInAnyOrderConverges(t *testing.T) {
	w, payouts := scenario()
	var first string
	for i, seed := range []uint64{0, 1, 2, 3} {
		events := w.Events() // seed 0: Stripe's own order, no duplicates
		if seed != 0 {
			events = shuffled(w.Events(), seed)
		}
		pool := pgtest.New(t)
		seedOrg(t, pool, 40)
		s := newTestService(t, pool, w, "2026-03-15")
		duestest.Deliver(t, s, events)
		got := snapshot(t, s, pool)
		if i == 0 {
			first = got
			checkScenario(t, s, pool, got, payouts)
			continue
		}
		if got != first {
			t.Fatalf("order %d gives a different ledger, standing or share:\n%s", seed, diffLines(first, got))
		}
	}
}

// checkScenario checks the facts of the scenario itself on one replay.
func checkScenario(t *testing.T, s *dues.Service, pool *pgxpool.Pool, snap string, payouts map[string]string) {
	ctx := context.Background()
	standing := func(i int, day string) string {
		st, err := s.StandingOn(ctx, memberID(i), d(day))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// Member 0 paid on Jan 1 for a period to Feb 1: good through Mar 3, the last day of grace.
	if standing(0, "2026-01-01") != dues.Good || standing(0, "2026-03-03") != dues.Good {
		t.Error("member 0 should be in good standing through the last day of grace")
	}
	// Member 3's refund on Jan 25 ends their standing from that day, not before.
	if standing(3, "2026-01-24") != dues.Good || standing(3, "2026-01-25") != dues.Lapsed {
		t.Errorf("member 3: refund should lapse them from 2026-01-25: %s / %s", standing(3, "2026-01-24"), standing(3, "2026-01-25"))
	}
	if standing(5, "2026-02-01") != dues.Good {
		t.Error("member 5: a partial refund must not end standing")
	}
	if standing(7, "2026-01-21") != dues.Lapsed || standing(9, "2026-01-28") != dues.Good || standing(9, "2026-01-22") != dues.Lapsed {
		t.Error("disputes: lost should lapse member 7, won should restore member 9 from the day it closed")
	}
	// Member 11's past_due and canceled subscription do not end standing by themselves.
	if standing(11, "2026-02-01") != dues.Good {
		t.Error("member 11: past_due must not end standing")
	}
	var ev struct{ state string }
	if err := pool.QueryRow(ctx, `SELECT state FROM dues_events WHERE type = 'customer.created'`).Scan(&ev.state); err != nil || ev.state != "ignored" {
		t.Errorf("unknown event type: state %q, %v; want stored and ignored", ev.state, err)
	}
	short, err := s.GetPayout(ctx, nationalTreasurer(), payouts["short"])
	if err != nil {
		t.Fatal(err)
	}
	if !short.Reconciled || short.Difference != -1234 || len(short.Items) == 0 {
		t.Errorf("short payout: reconciled=%v difference=%d items=%d; want the difference -12.34 with its transactions",
			short.Reconciled, short.Difference, len(short.Items))
	}
	ok, _ := s.GetPayout(ctx, nationalTreasurer(), payouts["ok"])
	if ok.Difference != 0 || !ok.Reconciled {
		t.Errorf("payout that adds up: difference %d", ok.Difference)
	}
	if !strings.Contains(snap, "U sub_") || !strings.Contains(snap, "canceled") {
		t.Error("subscriptions missing from the snapshot")
	}
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
		if len(out) > 20 {
			break
		}
	}
	return strings.Join(out, "\n")
}

func TestWebhookRefusesBadSignature(t *testing.T) {
	pool := pgtest.New(t)
	w := duestest.New()
	s := newTestService(t, pool, w, "2026-03-15")
	w.Emit("invoice.paid", time.Now(), map[string]any{"id": "in_1", "object": "invoice"})
	ev := w.Events()[0]
	for name, header := range map[string]string{
		"wrong secret": sign(ev, "whsec_other"),
		"no signature": "",
		"tampered":     sign(append([]byte(nil), ev...), testSecret) + "0",
	} {
		if _, err := s.ReceiveWebhook(context.Background(), ev, header); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: err = %v, want Invalid", name, err)
		}
	}
	// A body changed after signing.
	h := sign(ev, testSecret)
	if _, err := s.ReceiveWebhook(context.Background(), []byte(strings.Replace(string(ev), "in_1", "in_2", 1)), h); errs.KindOf(err) != errs.Invalid {
		t.Errorf("altered body: err = %v", err)
	}
	var n int
	pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM dues_events) + (SELECT count(*) FROM river_job)`).Scan(&n)
	if n != 0 {
		t.Errorf("refused webhooks stored %d rows", n)
	}
	// Without a secret, payments are not configured.
	s2, _ := dues.NewService(pool, time.Now, dues.Config{Policy: dues.DefaultPolicy()})
	if _, err := s2.ReceiveWebhook(context.Background(), ev, h); errs.KindOf(err) != errs.Conflict {
		t.Errorf("unconfigured: %v", err)
	}
	if _, _, err := s2.Checkout(context.Background(), nationalTreasurer(), dues.CheckoutInput{}); errs.KindOf(err) != errs.Conflict {
		t.Errorf("unconfigured checkout: %v", err)
	}
}

// TestChapterMoveMidQuarter: a payment counts for the chapter the member
// belonged to when it was recorded; the refund of the first payment, after
// the move, still reduces the first chapter's base.
func TestChapterMoveMidQuarter(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	seedOrg(t, pool, 2) // member 0 in A
	w := duestest.New()
	s := newTestService(t, pool, w, "2026-03-31")
	ch1, _ := w.Pay(memberID(0), 3000, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	duestest.Deliver(t, s, w.Events())
	if _, err := pool.Exec(ctx, `UPDATE members SET chapter_id = $1 WHERE id = $2`, chapterB, memberID(0)); err != nil {
		t.Fatal(err)
	}
	delivered := len(w.Events())
	w.Pay(memberID(0), 3000, time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC))
	w.Refund(memberID(0), ch1, 3000, time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
	duestest.Deliver(t, s, w.Events()[delivered:])
	rep, err := s.Share(ctx, nationalTreasurer(), nil, 2026, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]dues.ChapterShare{}
	for _, c := range rep.Chapters {
		got[c.Slug] = c
	}
	a, b := got["chapter-a"], got["chapter-b"]
	if a.Gross != 3000 || a.Refunds != -3000 || a.Base != 0 || a.Members != 0 || a.Share != 0 {
		t.Errorf("chapter A: %+v; want the January payment and its refund", a)
	}
	if b.Gross != 3000 || b.Base != 3000 || b.Members != 1 || b.Share != 900 {
		t.Errorf("chapter B: %+v; want the February payment, 30 %% share", b)
	}
	// A chapter treasurer of A sees only A.
	ta := &auth.Principal{MemberID: memberID(1), Grants: []auth.Grant{{Role: auth.RoleTreasurer, ChapterID: chapterA}}}
	if rep, err := s.Share(ctx, ta, nil, 2026, 1); err != nil || len(rep.Chapters) != 1 || rep.Chapters[0].Slug != "chapter-a" {
		t.Errorf("chapter treasurer's report: %+v, %v", rep.Chapters, err)
	}
	if _, err := s.Share(ctx, ta, &chapterB, 2026, 1); errs.KindOf(err) != errs.Forbidden {
		t.Errorf("chapter treasurer asking for another chapter: %v", err)
	}
	if _, err := s.Payouts(ctx, ta, d("2026-01-01"), d("2027-01-01")); errs.KindOf(err) != errs.Forbidden {
		t.Errorf("chapter treasurer reading payouts: %v", err)
	}
}

// TestWaiverExpiresInDailySweep: a waiver counts as paid until it expires;
// the daily sweep records the lapse on the day after.
func TestWaiverExpiresInDailySweep(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	seedOrg(t, pool, 2)
	officer := &auth.Principal{MemberID: memberID(1), Grants: []auth.Grant{{Role: auth.RoleSecretary, ChapterID: chapterA}}}
	s := newTestService(t, pool, nil, "2026-01-10")
	if _, err := s.GrantWaiver(ctx, officer, memberID(0), dues.WaiverInput{Reason: "hardship",
		StartsOn: d("2026-01-10"), ExpiresOn: d("2026-02-01")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GrantWaiver(ctx, officer, memberID(0), dues.WaiverInput{}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("waiver without a reason: %v", err)
	}
	later := newTestService(t, pool, nil, "2026-02-01")
	if _, err := later.SweepStanding(ctx); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]string{"2026-01-05": dues.Lapsed, "2026-01-10": dues.Good, "2026-01-31": dues.Good,
		"2026-02-01": dues.Lapsed} {
		if got, _ := s.StandingOn(ctx, memberID(0), d(day)); got != want {
			t.Errorf("standing on %s = %s, want %s", day, got, want)
		}
	}
	// Default period: one year.
	w, err := s.GrantWaiver(ctx, officer, memberID(0), dues.WaiverInput{Reason: "again"})
	if err != nil || !w.ExpiresOn.Equal(d("2026-01-10").AddDate(0, 0, 365)) {
		t.Errorf("default waiver = %v..%v, %v", w.StartsOn, w.ExpiresOn, err)
	}
}
