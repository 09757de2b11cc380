package peerbench

import (
	"sync"
	"testing"

	"resenje.org/schulze"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

// contest1M is the shared benchmark contest, generated once per process.
var contest1M = sync.OnceValue(func() tally.Contest { return tallytest.Generate(1, 1_000_000, 12, 5) })

// resenjeCount votes every ballot (weight times: the peer has no weights)
// and computes the result.
func resenjeCount(tb testing.TB, n int, ballots []schulze.Ballot[int], weights []int64) ([]int, []schulze.Result[int], bool) {
	prefs := schulze.NewPreferences(n)
	ch := choices(n)
	for i, b := range ballots {
		for range weights[i] {
			if _, err := schulze.Vote(prefs, ch, b); err != nil {
				tb.Fatal(err)
			}
		}
	}
	results, _, tie := schulze.Compute(prefs, ch)
	return prefs, results, tie
}

func TestSchulzeAgreesWithResenje(t *testing.T) {
	if testing.Short() {
		t.Skip("counts a million ballots twice")
	}
	c := contest1M()
	c.Seats = 1
	n := len(c.Candidates)
	ballots, weights := toResenje(c)
	prefs, results, tie := resenjeCount(t, n, ballots, weights)

	d, err := tally.Pairwise(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for j := range n {
			if i != j && d[i][j] != int64(prefs[i*n+j]) {
				t.Fatalf("d[%d][%d] = %d, resenje %d", i, j, d[i][j], prefs[i*n+j])
			}
		}
	}
	ours, err := tally.Schulze(c, tally.SchulzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tie {
		t.Fatal("resenje reports a tie: rankings not comparable")
	}
	for k, r := range results {
		if c.Candidates[r.Choice] != ours.Ranking[k] {
			t.Fatalf("place %d: resenje %s, chapterhouse %s", k+1, c.Candidates[r.Choice], ours.Ranking[k])
		}
	}
}

func BenchmarkSchulze1M(b *testing.B) {
	c := contest1M()
	c.Seats = 1
	b.Run("chapterhouse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tally.Schulze(c, tally.SchulzeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resenje", func(b *testing.B) {
		ballots, weights := toResenje(c)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			resenjeCount(b, len(c.Candidates), ballots, weights)
		}
	})
}
