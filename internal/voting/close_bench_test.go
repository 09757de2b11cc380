package voting

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// BenchmarkClose100k times closing an election with one IRV contest of
// 100,000 sealed ballots over 8 candidates: decrypt, shuffle, publish
// (COPY), delete, count and store the result. The ballots are put in place
// by a fast path (COPY of who-voted rows and of ballots sealed in Go); the
// timed part is the real Close.
func BenchmarkClose100k(b *testing.B) {
	const n = 100_000
	for range b.N {
		b.StopTimer()
		f := newFixture(b)
		off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
		voters := f.members(f.chA, n)
		e := f.election(f.chA, false, off)
		f.contest(off, e, ContestInput{Title: "Chair", Method: "irv"}, 8)
		e = f.open(off, e)
		c := e.Contests[0]
		q := postgres.New(f.pool)
		row, err := q.VotingGetElection(f.ctx, e.ID)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 4))
		voterRows := make([][]any, n)
		sealedRows := make([][]any, n)
		today := f.today
		for i, v := range voters {
			perm := rng.Perm(8)[:1+rng.IntN(8)]
			ranking := make([]int16, len(perm))
			for j, k := range perm {
				ranking[j] = int16(k)
			}
			_, canonical := newReceipt()
			sealed, lookup, err := f.svc.sealBallot(row, c.ID, canonical, ranking)
			if err != nil {
				b.Fatal(err)
			}
			voterRows[i] = []any{c.ID, v.MemberID, today}
			sealedRows[i] = []any{randomIDs(1)[0], c.ID, lookup, sealed}
		}
		if _, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"voting_voters"}, []string{"contest_id", "member_id", "voted_on"}, pgx.CopyFromRows(voterRows)); err != nil {
			b.Fatal(err)
		}
		if _, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"voting_sealed_ballots"}, []string{"id", "contest_id", "lookup", "ciphertext"}, pgx.CopyFromRows(sealedRows)); err != nil {
			b.Fatal(err)
		}
		if _, err := f.pool.Exec(f.ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := f.svc.Close(f.ctx, off, e.ID); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		b.ReportMetric(took.Seconds(), "s/close")
		if took > 5*time.Second {
			b.Errorf("closing %d ballots took %v, want under 5 s", n, took)
		}
		res, err := f.svc.Results(f.ctx, off, e.ID, c.ID)
		if err != nil || res.Ballots != n {
			b.Fatalf("result: %d ballots, %v", res.Ballots, err)
		}
	}
}
