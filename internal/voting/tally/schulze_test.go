package tally_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

// ballots builds ballots from "weight ranking" pairs written as letters,
// '=' joining equal ranks: ballots(5, "ACBED", 3, "A=B C").
func ballots(t testing.TB, spec ...any) []tally.Ballot {
	t.Helper()
	var out []tally.Ballot
	for i := 0; i < len(spec); i += 2 {
		w := int64(spec[i].(int))
		var ranks [][]int
		var cur []int
		s := spec[i+1].(string)
		for k := 0; k < len(s); k++ {
			switch ch := s[k]; {
			case ch == ' ':
				continue
			case ch == '=':
				continue
			default:
				cur = append(cur, int(ch-'A'))
				if k+1 < len(s) && s[k+1] == '=' {
					continue
				}
				ranks = append(ranks, cur)
				cur = nil
			}
		}
		out = append(out, tally.Ballot{Weight: w, Ranks: ranks})
	}
	return out
}

func contest(n, seats int, b []tally.Ballot) tally.Contest {
	names := make([]string, n)
	for i := range names {
		names[i] = string(rune('A' + i))
	}
	return tally.Contest{Candidates: names, Seats: seats, Ballots: b}
}

// The example of Schulze's paper (2011, section 3.1; also the Wikipedia
// article's): 45 voters, 5 candidates, each computed by hand there.
func TestSchulzePaperExample(t *testing.T) {
	c := contest(5, 1, ballots(t, 5, "ACBED", 5, "ADECB", 8, "BEDAC", 3, "CABED", 7, "CAEBD", 2, "CBADE", 7, "DCEBA", 8, "EBADC"))
	r, err := tally.SchulzeCount(c, tally.SchulzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantD := [][]int64{
		{0, 20, 26, 30, 22},
		{25, 0, 16, 33, 18},
		{19, 29, 0, 17, 24},
		{15, 12, 28, 0, 14},
		{23, 27, 21, 31, 0},
	}
	wantP := [][]int64{
		{0, 28, 28, 30, 24},
		{25, 0, 28, 33, 24},
		{25, 29, 0, 29, 24},
		{25, 28, 28, 0, 24},
		{25, 28, 28, 31, 0},
	}
	if !reflect.DeepEqual(r.D, wantD) {
		t.Fatalf("D = %v, want %v", r.D, wantD)
	}
	if !reflect.DeepEqual(r.P, wantP) {
		t.Fatalf("P = %v, want %v", r.P, wantP)
	}
	if want := []int{4, 0, 2, 1, 3}; !reflect.DeepEqual(r.Ranking, want) {
		t.Fatalf("ranking %v, want E A C B D", r.Ranking)
	}
	res := r.Result()
	if !reflect.DeepEqual(res.Elected, []string{"E"}) || res.Method != "schulze" || res.Seed != nil {
		t.Fatalf("result %+v", res)
	}
}

func TestSchulzeUnrankedBelowRanked(t *testing.T) {
	// One voter ranks only A; B and C unranked are tied below A.
	c := contest(3, 1, ballots(t, 1, "A", 1, "B=C"))
	d, err := tally.Pairwise(c)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{0, 1, 1}, {1, 0, 0}, {1, 0, 0}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("D = %v, want %v", d, want)
	}
}

func TestSchulzeWithdrawnIgnored(t *testing.T) {
	c := contest(3, 1, ballots(t, 3, "CAB", 2, "BAC"))
	c.Withdrawn = []int{2}
	res, err := tally.Schulze(c, tally.SchulzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Ranking, []string{"A", "B"}) {
		t.Fatalf("ranking %v, want A B (C withdrawn)", res.Ranking)
	}
}

func TestSchulzeTieNeedsSeed(t *testing.T) {
	c := contest(3, 1, ballots(t, 1, "ABC", 1, "BAC"))
	_, err := tally.Schulze(c, tally.SchulzeOptions{})
	if !errors.Is(err, tally.ErrSeedRequired) || !errors.Is(err, tally.ErrInvalid) {
		t.Fatalf("err = %v, want ErrSeedRequired", err)
	}
	seed := int64(42)
	a, err := tally.Schulze(c, tally.SchulzeOptions{Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tally.Schulze(c, tally.SchulzeOptions{Seed: &seed})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different results")
	}
	if len(a.TieBreaks) != 1 || a.TieBreaks[0].Round != 1 || len(a.TieBreaks[0].Between) != 2 {
		t.Fatalf("tie-breaks %+v", a.TieBreaks)
	}
	if a.Seed == nil || *a.Seed != 42 || a.Ranking[2] != "C" {
		t.Fatalf("result %+v", a)
	}
	// The ballot drawn decides: the chosen candidate is first on one ballot.
	seen := map[string]bool{}
	for s := range int64(40) {
		r, err := tally.Schulze(c, tally.SchulzeOptions{Seed: &s})
		if err != nil {
			t.Fatal(err)
		}
		seen[r.Elected[0]] = true
	}
	if !seen["A"] || !seen["B"] {
		t.Fatalf("40 seeds always chose %v: tie-break is not random", seen)
	}
}

func TestSchulzeNoBallotDistinguishesFallsBackToLot(t *testing.T) {
	c := contest(2, 1, ballots(t, 4, "A=B"))
	seed := int64(7)
	res, err := tally.Schulze(c, tally.SchulzeOptions{Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TieBreaks) != 1 || res.TieBreaks[0].Reason != "random (seed 7): no ballot distinguishes them, lot" {
		t.Fatalf("tie-breaks %+v", res.TieBreaks)
	}
}

func TestSchulzeProperties(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		for _, seats := range []int{1, 3, 20} {
			c := tallytest.Generate(seed, 3000, 7, seats)
			s := int64(seed)
			a, err := tally.Schulze(c, tally.SchulzeOptions{Seed: &s})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Elected) != min(seats, 7) || len(a.Ranking) != 7 {
				t.Fatalf("seats %d: elected %d, ranking %d", seats, len(a.Elected), len(a.Ranking))
			}
			d, _ := tally.Pairwise(c)
			// Votes conserved: for every pair, the ballots preferring
			// either side or neither add up to the ballots cast.
			total := c.TotalWeight()
			for i := range d {
				for j := range d {
					if i != j && d[i][j]+d[j][i] > total {
						t.Fatalf("d[%d][%d]+d[%d][%d] = %d exceeds %d ballots", i, j, j, i, d[i][j]+d[j][i], total)
					}
				}
			}
			rng := rand.New(rand.NewPCG(seed, 3))
			shuffled := c
			shuffled.Ballots = append([]tally.Ballot(nil), c.Ballots...)
			rng.Shuffle(len(shuffled.Ballots), func(i, j int) {
				shuffled.Ballots[i], shuffled.Ballots[j] = shuffled.Ballots[j], shuffled.Ballots[i]
			})
			b, err := tally.Schulze(shuffled, tally.SchulzeOptions{Seed: &s})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.Ranking, b.Ranking) {
				t.Fatalf("ballot order changed the ranking: %v vs %v", a.Ranking, b.Ranking)
			}
		}
	}
}

func TestSchulzeInvalid(t *testing.T) {
	_, err := tally.Schulze(contest(2, 1, []tally.Ballot{{Weight: 1, Ranks: [][]int{{5}}}}), tally.SchulzeOptions{})
	if !errors.Is(err, tally.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkSchulze1M(b *testing.B) {
	c := tallytest.Generate(1, 1_000_000, 12, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tally.Schulze(c, tally.SchulzeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
