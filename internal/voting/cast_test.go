package voting

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

func wantKind(t *testing.T, err error, kind errs.Kind) {
	t.Helper()
	if errs.KindOf(err) != kind || err == nil {
		t.Fatalf("error %v, want kind %s", err, kind)
	}
}

// TestConcurrentCastStoresOneBallot: 200 simultaneous casts by one voter
// in one contest store exactly one who-voted row and one ballot; every
// other call is a Conflict.
func TestConcurrentCastStoresOneBallot(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	voter := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	e := f.election(f.chA, false, off)
	f.contest(off, e, ContestInput{Title: "Chair", Method: "irv"}, 3)
	e = f.open(off, e)
	c := e.Contests[0]
	ids := candidateIDs(c)
	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, results[i] = f.svc.Cast(f.ctx, voter, e.ID, c.ID, []uuid.UUID{ids[i%3], ids[(i+1)%3]})
		}()
	}
	close(start)
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errs.KindOf(err) == errs.Conflict:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("%d successes and %d conflicts, want 1 and %d", ok, conflicts, n-1)
	}
	if got := f.count(`SELECT count(*) FROM voting_voters WHERE contest_id = $1`, c.ID); got != 1 {
		t.Fatalf("%d who-voted rows, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM voting_sealed_ballots WHERE contest_id = $1`, c.ID); got != 1 {
		t.Fatalf("%d ballots, want 1", got)
	}
}

// TestEligibility: the roll is frozen at the record date.
func TestEligibility(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	lapsed := f.member(f.chA, f.today.AddDate(-2, 0, 0), "inactive", f.today.AddDate(0, 0, -10))
	joinedLate := f.member(f.chA, f.today.AddDate(0, 0, -5))
	lapsedBefore := f.member(f.chA, f.today.AddDate(-2, 0, 0), "inactive", f.today.AddDate(0, 0, -60))
	otherChapter := f.member(f.chB, f.today.AddDate(-2, 0, 0))
	// Dues: the record date is 30 days ago and grace is 30 days. Paid
	// through 59 days ago: good until the day after the record date, so
	// the member votes although their dues lapsed since. Paid through 61
	// days ago: lapsed on the record date itself, so they do not.
	duesLapsedAfter := f.memberPaidThrough(f.chA, f.today.AddDate(-2, 0, 0), f.today.AddDate(0, 0, -59))
	duesLapsedOn := f.memberPaidThrough(f.chA, f.today.AddDate(-2, 0, 0), f.today.AddDate(0, 0, -61))
	neverPaid := f.memberPaidThrough(f.chA, f.today.AddDate(-2, 0, 0), f.today.AddDate(-3, 0, 0))
	if st, _ := f.dues.StandingOn(f.ctx, duesLapsedAfter.MemberID, f.today); st != dues.Lapsed {
		t.Fatalf("member whose dues lapsed after the record date is %s today, want lapsed", st)
	}
	e := f.election(f.chA, false, off)
	f.contest(off, e, ContestInput{Title: "Chair", Method: "plurality"}, 2)
	e = f.open(off, e)
	c := e.Contests[0]
	ids := candidateIDs(c)
	if e.RollSize != 3 { // off, lapsed, lapsedBefore? no: off and lapsed only, plus admin is national
		t.Logf("roll size %d", e.RollSize)
	}
	if _, err := f.svc.Cast(f.ctx, lapsed, e.ID, c.ID, ids[:1]); err != nil {
		t.Fatalf("member who lapsed after the record date: %v", err)
	}
	_, err := f.svc.Cast(f.ctx, joinedLate, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Forbidden)
	_, err = f.svc.Cast(f.ctx, lapsedBefore, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Forbidden)
	if _, err := f.svc.Cast(f.ctx, duesLapsedAfter, e.ID, c.ID, ids[:1]); err != nil {
		t.Fatalf("member whose dues lapsed after the record date: %v", err)
	}
	_, err = f.svc.Cast(f.ctx, duesLapsedOn, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Forbidden)
	_, err = f.svc.Cast(f.ctx, neverPaid, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Forbidden)
	_, err = f.svc.Cast(f.ctx, otherChapter, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.NotFound)
	_, err = f.svc.GetElection(f.ctx, otherChapter, e.ID)
	wantKind(t, err, errs.NotFound)
	if e.RollSize != 3 {
		t.Fatalf("roll size %d, want 3 (the official, the member inactive since and the member whose dues lapsed since)", e.RollSize)
	}

	// National election with per-chapter contests: each chapter sees its own.
	a1 := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	b1 := f.member(f.chB, f.today.AddDate(-2, 0, 0))
	ne := f.election(f.national, false, off)
	f.contest(off, ne, ContestInput{Title: "National chair", Method: "irv"}, 2)
	f.contest(off, ne, ContestInput{Title: "A delegate", Method: "plurality", ChapterID: &f.chA}, 2)
	f.contest(off, ne, ContestInput{Title: "B delegate", Method: "plurality", ChapterID: &f.chB}, 2)
	ne = f.open(off, ne)
	seen := func(p any) []string {
		t.Helper()
		got, err := f.svc.GetElection(f.ctx, a1, ne.ID)
		if p != nil {
			got, err = f.svc.GetElection(f.ctx, b1, ne.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, c := range got.Contests {
			titles = append(titles, c.Title)
		}
		return titles
	}
	if got := seen(nil); len(got) != 2 || got[1] != "A delegate" {
		t.Fatalf("member of A sees %v", got)
	}
	if got := seen(1); len(got) != 2 || got[1] != "B delegate" {
		t.Fatalf("member of B sees %v", got)
	}
	bContest := ne.Contests[2]
	_, err = f.svc.Cast(f.ctx, a1, ne.ID, bContest.ID, candidateIDs(bContest)[:1])
	wantKind(t, err, errs.NotFound)
	if _, err := f.svc.Cast(f.ctx, b1, ne.ID, bContest.ID, candidateIDs(bContest)[:1]); err != nil {
		t.Fatal(err)
	}
	// Again now that a cast has loaded the contest's ballot (the service
	// keeps it): the same refusals, in the same order, and a bad ballot
	// from someone who may not see the contest is NotFound, not Invalid.
	_, err = f.svc.Cast(f.ctx, a1, ne.ID, bContest.ID, candidateIDs(bContest)[:1])
	wantKind(t, err, errs.NotFound)
	_, err = f.svc.Cast(f.ctx, a1, ne.ID, bContest.ID, []uuid.UUID{uuid.New()})
	wantKind(t, err, errs.NotFound)
	_, err = f.svc.Cast(f.ctx, joinedLate, e.ID, c.ID, []uuid.UUID{uuid.New()})
	wantKind(t, err, errs.Forbidden)
	_, err = f.svc.Cast(f.ctx, off, e.ID, c.ID, []uuid.UUID{uuid.New()})
	wantKind(t, err, errs.Invalid)
	_, err = f.svc.Cast(f.ctx, lapsed, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Conflict)
	_, err = f.svc.Cast(f.ctx, nil, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Unauthenticated)
	// After close, every cast is refused, the cached ballot notwithstanding.
	if _, err := f.svc.Close(f.ctx, off, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Cast(f.ctx, off, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Conflict)
	_, err = f.svc.Cast(f.ctx, otherChapter, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.NotFound)
	if got := f.count(`SELECT count(*) FROM voting_voters WHERE contest_id = $1`, c.ID); got != 2 {
		t.Fatalf("%d who-voted rows, want 2", got)
	}
}

// TestLifecycle covers locks, the official-candidate rule, replacement,
// certification and result visibility.
func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	cand := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	voter := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	officer := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	officer.Grants = nil
	e := f.election(f.chA, true, off)
	c, err := f.svc.AddContest(f.ctx, off, e.ID, ContestInput{Title: "Secretary", Method: "irv"})
	if err != nil {
		t.Fatal(err)
	}
	// Only officials define contests.
	_, err = f.svc.AddContest(f.ctx, voter, e.ID, ContestInput{Title: "X", Method: "irv"})
	wantKind(t, err, errs.NotFound) // a draft is invisible to members
	// Official cannot stand; candidate cannot become official.
	_, err = f.svc.AddCandidate(f.ctx, off, e.ID, c.ID, CandidateInput{MemberID: &off.MemberID})
	wantKind(t, err, errs.Conflict)
	if _, err := f.svc.AddCandidate(f.ctx, off, e.ID, c.ID, CandidateInput{MemberID: &cand.MemberID, Statement: "Vote for me"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddCandidate(f.ctx, off, e.ID, c.ID, CandidateInput{Name: "Re-open nominations"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SetOfficials(f.ctx, f.admin, e.ID, []uuid.UUID{off.MemberID, cand.MemberID})
	wantKind(t, err, errs.Conflict)
	// Nominations: a nominee who is an official is refused.
	if _, err := f.svc.StartNominations(f.ctx, off, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Nominate(f.ctx, voter, e.ID, c.ID, off.MemberID)
	wantKind(t, err, errs.Conflict)
	nom, err := f.svc.Nominate(f.ctx, voter, e.ID, c.ID, voter.MemberID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AcceptCandidacy(f.ctx, cand, e.ID, c.ID, nom.ID, "not mine")
	wantKind(t, err, errs.Forbidden)
	// Roll inspection: candidates and officials only.
	if _, err := f.svc.FreezeRoll(f.ctx, off, e.ID); err != nil {
		t.Fatal(err)
	}
	if roll, err := f.svc.Roll(f.ctx, cand, e.ID); err != nil || len(roll) == 0 {
		t.Fatalf("candidate inspects roll: %d entries, %v", len(roll), err)
	}
	_, err = f.svc.Roll(f.ctx, officer, e.ID)
	wantKind(t, err, errs.Forbidden)
	// Open: the unaccepted nominee does not stand.
	e = f.open(off, e)
	standing := 0
	for _, k := range e.Contests[0].Candidates {
		if k.BallotIndex >= 0 {
			standing++
		}
	}
	if got := standing; got != 2 {
		t.Fatalf("%d candidates stand, want 2", got)
	}
	_, err = f.svc.UpdateContest(f.ctx, off, e.ID, c.ID, ContestInput{Title: "Changed"})
	wantKind(t, err, errs.Conflict)
	_, err = f.svc.AddContest(f.ctx, off, e.ID, ContestInput{Title: "Late", Method: "irv"})
	wantKind(t, err, errs.Conflict)
	_, err = f.svc.Results(f.ctx, voter, e.ID, c.ID)
	wantKind(t, err, errs.Conflict)

	ids := candidateIDs(Contest{Candidates: e.Contests[0].Candidates[:2]})
	r, err := f.svc.Cast(f.ctx, voter, e.ID, c.ID, []uuid.UUID{ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	chk, err := f.svc.CheckReceipt(f.ctx, voter, e.ID, c.ID, r.Receipt)
	if err != nil || chk.Status != "stored" || len(chk.Choices) != 0 {
		t.Fatalf("receipt check while open: %+v, %v", chk, err)
	}
	_, err = f.svc.Replace(f.ctx, voter, e.ID, c.ID, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AA", []uuid.UUID{ids[1]})
	wantKind(t, err, errs.NotFound)
	if _, err := f.svc.Replace(f.ctx, voter, e.ID, c.ID, r.Receipt, []uuid.UUID{ids[1], ids[0]}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Close(f.ctx, voter, e.ID)
	wantKind(t, err, errs.Forbidden)
	if _, err := f.svc.Close(f.ctx, off, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Replace(f.ctx, voter, e.ID, c.ID, r.Receipt, []uuid.UUID{ids[0]})
	wantKind(t, err, errs.Conflict)
	chk, err = f.svc.CheckReceipt(f.ctx, voter, e.ID, c.ID, r.Receipt)
	if err != nil || chk.Status != "counted" || len(chk.Choices) != 2 || chk.Choices[0] != "Re-open nominations" {
		t.Fatalf("receipt check after close: %+v, %v", chk, err)
	}
	res, err := f.svc.Results(f.ctx, voter, e.ID, c.ID)
	if err != nil || res.Ballots != 1 || len(res.Winners) != 1 || res.Certified {
		t.Fatalf("results: %+v, %v", res, err)
	}
	if f.count(`SELECT count(*) FROM voting_elections WHERE id = $1 AND wrapped_key IS NULL`, e.ID) != 1 {
		t.Fatal("the data key survived close")
	}
	_, err = f.svc.Certify(f.ctx, voter, e.ID)
	wantKind(t, err, errs.Forbidden)
	if e, err = f.svc.Certify(f.ctx, off, e.ID); err != nil || e.State != StateCertified || e.CertifiedBy == nil {
		t.Fatalf("certify: %+v, %v", e, err)
	}
}

// TestReplacementNotAllowed: without the election's permission a ballot
// cannot be replaced.
func TestReplacementNotAllowed(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	voter := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	e := f.election(f.chA, false, off)
	f.contest(off, e, ContestInput{Title: "Motion", Method: MethodYesNo, Threshold: "two-thirds-of-cast"}, 0)
	e = f.open(off, e)
	c := e.Contests[0]
	ids := candidateIDs(c)
	r, err := f.svc.Cast(f.ctx, voter, e.ID, c.ID, ids[:1])
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Replace(f.ctx, voter, e.ID, c.ID, r.Receipt, ids[1:2])
	wantKind(t, err, errs.Conflict)
	if _, err := f.svc.Close(f.ctx, off, e.ID); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Results(f.ctx, off, e.ID, c.ID)
	if err != nil || res.Passed == nil || !*res.Passed || res.TurnoutPercent != "50.00" {
		t.Fatalf("yes/no result %+v, %v", res, err)
	}
}

// TestFreezeWaitsForPendingStanding: a roll is never frozen from standing
// that is still being recomputed. Without a settle hook the freeze refuses;
// with one (as the app wires it) it settles first and succeeds.
func TestFreezeWaitsForPendingStanding(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	voter := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	e := f.election(f.chA, false, off)
	// A payment or import queued the voter's recompute and it has not run.
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO dues_standing_queue (member_id) VALUES ($1)`, voter.MemberID); err != nil {
		t.Fatal(err)
	}
	unsettled, err := NewService(f.pool, time.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = unsettled.FreezeRoll(f.ctx, off, e.ID)
	if errs.KindOf(err) != errs.Conflict || !strings.Contains(err.Error(), "being brought up to date") {
		t.Fatalf("freeze with a pending recompute: %v, want a Conflict", err)
	}
	e, err = f.svc.FreezeRoll(f.ctx, off, e.ID)
	if err != nil {
		t.Fatalf("freeze through the settling service: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM dues_standing_queue`); n != 0 {
		t.Fatalf("queue still holds %d members after settling", n)
	}
	if n := f.count(`SELECT count(*) FROM voting_roll WHERE election_id = $1 AND member_id = $2`, e.ID, voter.MemberID); n != 1 {
		t.Fatal("the settled voter is not on the roll")
	}
}
