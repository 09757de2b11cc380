package voting

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// TestCastRacingClose: casts racing a close either land before the close
// and are counted (their receipts are among the published ballots) or are
// refused with a Conflict; no ballot is stored after close and none is
// lost. Repeated so that some casts fall on each side of the close.
func TestCastRacingClose(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	const rounds, n, workers = 3, 200, 8
	for round := range rounds {
		voters := f.members(f.chA, n)
		e := f.election(f.chA, false, off)
		f.contest(off, e, ContestInput{Title: "Chair", Method: "irv"}, 3)
		e = f.open(off, e)
		c := e.Contests[0]
		ids := candidateIDs(c)
		receipts := make([]CastReceipt, n)
		errors := make([]error, n)
		// The close starts once `after` casts have been accepted, while
		// the others are still under way.
		after := []int{1, n / 8, n / 3}[round]
		accepted := make(chan struct{}, n)
		var closeErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		// A few workers cast one voter after another, so that casts keep
		// arriving before, during and after the close.
		var next atomic.Int64
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					receipts[i], errors[i] = f.svc.Cast(f.ctx, voters[i], e.ID, c.ID, []uuid.UUID{ids[i%3]})
					if errors[i] == nil {
						accepted <- struct{}{}
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range after {
				<-accepted
			}
			_, closeErr = f.svc.Close(f.ctx, off, e.ID)
		}()
		close(start)
		wg.Wait()
		if closeErr != nil {
			t.Fatalf("round %d: close: %v", round, closeErr)
		}
		ok := 0
		for i, err := range errors {
			switch {
			case err == nil:
				ok++
				chk, err := f.svc.CheckReceipt(f.ctx, voters[i], e.ID, c.ID, receipts[i].Receipt)
				if err != nil || chk.Status != "counted" {
					t.Errorf("round %d: voter %d got a receipt but the ballot was not counted: %+v, %v", round, i, chk, err)
				}
			case errs.KindOf(err) == errs.Conflict:
			default:
				t.Errorf("round %d: voter %d: unexpected error %v", round, i, err)
			}
		}
		res, err := f.svc.Results(f.ctx, off, e.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ballots != ok {
			t.Errorf("round %d: %d ballots counted, %d casts accepted", round, res.Ballots, ok)
		}
		if got := f.count(`SELECT count(*) FROM voting_voters WHERE contest_id = $1`, c.ID); got != ok {
			t.Errorf("round %d: %d who-voted rows, %d casts accepted", round, got, ok)
		}
		if got := f.count(`SELECT count(*) FROM voting_sealed_ballots WHERE contest_id = $1`, c.ID); got != 0 {
			t.Errorf("round %d: %d sealed ballots left after close", round, got)
		}
		t.Logf("round %d: %d of %d casts landed before the close", round, ok, n)
	}
}

// TestCastRollCall: a roll-call contest records the voter's choice with
// them, once, and hands out no receipt; an ineligible member is refused.
func TestCastRollCall(t *testing.T) {
	f := newFixture(t)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	voter := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	late := f.member(f.chA, f.today.AddDate(0, 0, -5))
	e := f.election(f.chA, false, off)
	f.contest(off, e, ContestInput{Title: "Motion", Method: "plurality", RollCall: true}, 2)
	e = f.open(off, e)
	c := e.Contests[0]
	ids := candidateIDs(c)
	r, err := f.svc.Cast(f.ctx, voter, e.ID, c.ID, ids[1:2])
	if err != nil || !r.RollCall || r.Receipt != "" {
		t.Fatalf("roll-call cast: %+v, %v", r, err)
	}
	_, err = f.svc.Cast(f.ctx, voter, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Conflict)
	_, err = f.svc.Cast(f.ctx, late, e.ID, c.ID, ids[:1])
	wantKind(t, err, errs.Forbidden)
	if got := f.count(`SELECT count(*) FROM voting_roll_call_votes WHERE contest_id = $1 AND member_id = $2 AND ranking = '{1}'`, c.ID, voter.MemberID); got != 1 {
		t.Fatalf("%d recorded votes, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM voting_sealed_ballots WHERE contest_id = $1`, c.ID); got != 0 {
		t.Fatalf("%d sealed ballots in a roll-call contest", got)
	}
}
