package rctab

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

func seed(n int64) *int64 { return &n }

func TestIRVSimpleMajority(t *testing.T) {
	c := tally.Contest{Candidates: []string{"A", "B", "C"}, Seats: 1, Ballots: []tally.Ballot{
		{Weight: 4, Ranks: [][]int{{0}}},
		{Weight: 3, Ranks: [][]int{{1}, {0}}},
		{Weight: 2, Ranks: [][]int{{2}, {1}}},
	}}
	res, err := IRV(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Elected, []string{"B"}) {
		t.Fatalf("elected %v, want [B]", res.Elected)
	}
	if res.Method != "irv" || len(res.Rounds) != 2 || res.Seed != nil {
		t.Fatalf("unexpected result shape: %+v", res)
	}
}

func TestIRVEqualRankingExhaustsByDefault(t *testing.T) {
	c := tally.Contest{Candidates: []string{"A", "B"}, Seats: 1, Ballots: []tally.Ballot{
		{Weight: 2, Ranks: [][]int{{0, 1}}},
		{Weight: 1, Ranks: [][]int{{1}}},
	}}
	res, err := IRV(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rounds[0].Exhausted != "2" || res.Elected[0] != "B" {
		t.Fatalf("equal ranking should be an overvote that exhausts: %+v", res.Rounds[0])
	}
}

func TestIRVRandomTieNeedsSeed(t *testing.T) {
	c := tally.Contest{Candidates: []string{"A", "B", "C"}, Seats: 1, Ballots: []tally.Ballot{
		{Weight: 2, Ranks: [][]int{{0}}}, {Weight: 1, Ranks: [][]int{{1}}}, {Weight: 1, Ranks: [][]int{{2}}},
	}}
	_, err := IRV(c, Options{})
	if !errors.Is(err, ErrSeedRequired) || !errors.Is(err, tally.ErrInvalid) {
		t.Fatalf("want ErrSeedRequired, got %v", err)
	}
	res, err := IRV(c, Options{Seed: seed(42)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seed == nil || *res.Seed != 42 || len(res.TieBreaks) != 1 {
		t.Fatalf("seeded random tie not recorded: %+v", res)
	}
	again, _ := IRV(c, Options{Seed: seed(42)})
	if again.TieBreaks[0].Chosen != res.TieBreaks[0].Chosen {
		t.Fatal("same seed, different tie-break")
	}
}

func TestIRVRejectsBadInput(t *testing.T) {
	for name, c := range map[string]tally.Contest{
		"no candidates": {Seats: 1},
		"bad id":        {Candidates: []string{"A"}, Seats: 1, Ballots: []tally.Ballot{{Weight: 1, Ranks: [][]int{{3}}}}},
		"zero seats":    {Candidates: []string{"A"}},
		"dup names":     {Candidates: []string{"A", "A"}, Seats: 1},
	} {
		if _, err := IRV(c, Options{}); !errors.Is(err, tally.ErrInvalid) {
			t.Errorf("%s: want ErrInvalid, got %v", name, err)
		}
	}
	if _, err := IRV(tally.Contest{Candidates: []string{"A"}, Seats: 1}, Options{TieBreak: "coin"}); !errors.Is(err, tally.ErrInvalid) {
		t.Errorf("bad tie-break mode accepted: %v", err)
	}
}

// sumCheck verifies that every round's tallies plus inactive ballots equal
// the valid ballots (for a single seat; multi-seat rounds also hold residual
// surplus, which the check adds back from the notes' absence of drift).
func sumCheck(t *testing.T, res tally.Result, total int64) {
	t.Helper()
	for _, r := range res.Rounds {
		sum := Dec{}
		for _, v := range r.Tally {
			d, ok := parseDec(v)
			if !ok {
				t.Fatalf("round %d: bad figure %q", r.Number, v)
			}
			sum = sum.Add(d)
		}
		ex, _ := parseDec(r.Exhausted)
		sum = sum.Add(ex)
		if sum.Cmp(decInt(total)) != 0 {
			t.Fatalf("round %d: tallies + inactive = %s, want %d", r.Number, sum, total)
		}
	}
}

func TestIRVPropertiesOnGeneratedContests(t *testing.T) {
	for s := uint64(1); s <= 12; s++ {
		nc := 3 + int(s%6)
		c := tallytest.Generate(s, 3000, nc, 1)
		res, err := IRV(c, Options{Seed: seed(int64(s))})
		if err != nil {
			t.Fatalf("seed %d: %v", s, err)
		}
		sumCheck(t, res, c.TotalWeight())
		if len(res.Elected) != 1 {
			t.Fatalf("seed %d: elected %v", s, res.Elected)
		}
		// Permuting the ballot order changes nothing.
		shuffled := c
		shuffled.Ballots = slices.Clone(c.Ballots)
		r := rand.New(rand.NewPCG(s, 99))
		r.Shuffle(len(shuffled.Ballots), func(i, j int) {
			shuffled.Ballots[i], shuffled.Ballots[j] = shuffled.Ballots[j], shuffled.Ballots[i]
		})
		res2, err := IRV(shuffled, Options{Seed: seed(int64(s))})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Elected, res2.Elected) || len(res.Rounds) != len(res2.Rounds) {
			t.Fatalf("seed %d: ballot order changed the result", s)
		}
		for i := range res.Rounds {
			for k, v := range res.Rounds[i].Tally {
				if res2.Rounds[i].Tally[k] != v {
					t.Fatalf("seed %d round %d: %s %s != %s", s, i+1, k, v, res2.Rounds[i].Tally[k])
				}
			}
		}
	}
}

func TestIRVMultiSeatElectsSeats(t *testing.T) {
	for s := uint64(1); s <= 8; s++ {
		seats := 1 + int(s%4)
		nc := 2 + int(s%7)
		c := tallytest.Generate(s, 2000, nc, seats)
		res, err := IRV(c, Options{Seed: seed(int64(s))})
		if err != nil {
			t.Fatalf("seed %d: %v", s, err)
		}
		if want := min(seats, nc); len(res.Elected) != want {
			t.Fatalf("seed %d: %d seats, %d candidates: elected %v", s, seats, nc, res.Elected)
		}
		seen := map[string]bool{}
		for _, e := range res.Elected {
			if seen[e] {
				t.Fatalf("seed %d: %s elected twice", s, e)
			}
			seen[e] = true
		}
	}
}

func BenchmarkIRV1M(b *testing.B) {
	c := tallytest.Generate(1, 1_000_000, 12, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := IRV(c, Options{Seed: seed(1)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.TotalWeight())*float64(b.N)/b.Elapsed().Seconds(), "ballots/s")
}
