// Package tallytest makes realistic, reproducible ballot sets for tests and
// benchmarks of the counting methods.
package tallytest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Generate returns a contest of n ranked ballots over the given number of
// candidates, reproducible from seed. Candidates and voters sit in a
// two-dimensional opinion space around three factions of unequal size;
// each voter ranks candidates by distance plus personal noise and stops
// after a number of preferences that is often short (a fifth of voters
// bullet-vote, few rank everyone), as real ranked ballots do. Identical
// ballots are grouped (tally.Group), so Ballots holds the distinct rankings
// with their weights; TotalWeight is n.
func Generate(seed uint64, n, candidates, seats int) tally.Contest {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	type point struct{ x, y float64 }
	factions := []struct {
		centre point
		share  float64
	}{{point{-1, 0.2}, 0.45}, {point{1, -0.1}, 0.35}, {point{0.1, 1.2}, 0.20}}
	cands := make([]point, candidates)
	names := make([]string, candidates)
	for i := range cands {
		f := factions[i%len(factions)].centre
		cands[i] = point{f.x + rng.NormFloat64()*0.5, f.y + rng.NormFloat64()*0.5}
		names[i] = fmt.Sprintf("Candidate %c", 'A'+i%26)
		if i >= 26 {
			names[i] = fmt.Sprintf("Candidate %d", i+1)
		}
	}
	ballots := make([]tally.Ballot, 0, n)
	order := make([]int, candidates)
	score := make([]float64, candidates)
	for v := 0; v < n; v++ {
		r := rng.Float64()
		f := factions[len(factions)-1].centre
		for _, fa := range factions {
			if r < fa.share {
				f = fa.centre
				break
			}
			r -= fa.share
		}
		me := point{f.x + rng.NormFloat64()*0.6, f.y + rng.NormFloat64()*0.6}
		for i, c := range cands {
			score[i] = math.Hypot(me.x-c.x, me.y-c.y) + rng.NormFloat64()*0.35
			order[i] = i
		}
		// Insertion sort: candidates is small and this avoids a closure per ballot.
		for i := 1; i < candidates; i++ {
			for j := i; j > 0 && score[order[j]] < score[order[j-1]]; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		depth := 1
		if rng.Float64() >= 0.2 {
			depth = 2 + int(rng.ExpFloat64()*2.5)
		}
		depth = min(depth, candidates)
		ranks := make([][]int, depth)
		flat := make([]int, depth)
		for i := range depth {
			flat[i] = order[i]
			ranks[i] = flat[i : i+1 : i+1]
		}
		ballots = append(ballots, tally.Ballot{Weight: 1, Ranks: ranks})
	}
	return tally.Contest{
		Title:      fmt.Sprintf("generated: %d ballots, %d candidates, seed %d", n, candidates, seed),
		Candidates: names,
		Seats:      seats,
		Ballots:    tally.Group(ballots),
	}
}
