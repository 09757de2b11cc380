package voting

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkCast times concurrent casts through the domain service: b.N
// voters, each casting one IRV ballot over 6 candidates, 64 at a time, on
// the test database's pool (fsync off: this measures the server's and the
// database's work, not the disk). One op is one accepted ballot; the
// benchmark fails when a cast fails or the stored ballots do not match the
// casts. Run with -benchtime=2000x for the figures in the report.
func BenchmarkCast(b *testing.B) {
	const workers = 64
	voters := b.N
	f := newFixture(b)
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	ps := f.members(f.chA, voters)
	e := f.election(f.chA, false, off)
	f.contest(off, e, ContestInput{Title: "Chair", Method: "irv"}, 6)
	e = f.open(off, e)
	c := e.Contests[0]
	ids := candidateIDs(c)
	b.ResetTimer()
	var cast atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= voters {
					return
				}
				choice := []uuid.UUID{ids[i%6], ids[(i+1)%6], ids[(i+3)%6]}
				if _, err := f.svc.Cast(f.ctx, ps[i], e.ID, c.ID, choice); err != nil {
					b.Error(err)
					return
				}
				cast.Add(1)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(cast.Load())/b.Elapsed().Seconds(), "ballots/s")
	if got := f.count(`SELECT count(*) FROM voting_sealed_ballots WHERE contest_id = $1`, c.ID); got != int(cast.Load()) {
		b.Fatalf("%d ballots stored for %d casts", got, cast.Load())
	}
}
