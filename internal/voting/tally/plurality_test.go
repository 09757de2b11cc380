package tally_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

func TestPlurality(t *testing.T) {
	cases := []struct {
		name      string
		c         tally.Contest
		seed      *int64
		elected   []string
		tally     map[string]string
		exhausted string
		err       error
	}{
		{
			name:      "single seat, first preference of ranked ballots",
			c:         contest(3, 1, ballots(t, 4, "ABC", 3, "BCA", 2, "CBA", 1, "C")),
			elected:   []string{"A"},
			tally:     map[string]string{"A": "4", "B": "3", "C": "3"},
			exhausted: "0",
		},
		{
			name:      "block vote, overvote and blank",
			c:         contest(4, 2, append(ballots(t, 5, "A=B", 4, "C=D", 3, "B", 2, "A=B=C"), tally.Ballot{Weight: 1})),
			elected:   []string{"B", "A"},
			tally:     map[string]string{"A": "5", "B": "8", "C": "4", "D": "4"},
			exhausted: "3",
		},
		{
			name:    "equal votes inside the seats need no lot",
			c:       contest(3, 2, ballots(t, 2, "A", 2, "B", 1, "C")),
			elected: []string{"A", "B"},
			tally:   map[string]string{"A": "2", "B": "2", "C": "1"}, exhausted: "0",
		},
		{
			name: "tie for the last seat without seed",
			c:    contest(3, 1, ballots(t, 2, "A", 2, "B", 1, "C")),
			err:  tally.ErrSeedRequired,
		},
		{
			name: "withdrawn first choice passes to the next",
			c: func() tally.Contest {
				c := contest(3, 1, ballots(t, 3, "CB", 2, "A"))
				c.Withdrawn = []int{2}
				return c
			}(),
			elected: []string{"B"},
			tally:   map[string]string{"A": "2", "B": "3"}, exhausted: "0",
		},
		{
			name:    "more seats than candidates",
			c:       contest(2, 5, ballots(t, 1, "A")),
			elected: []string{"A", "B"},
			tally:   map[string]string{"A": "1", "B": "0"}, exhausted: "0",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tally.Plurality(tc.c, tally.PluralityOptions{Seed: tc.seed})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Elected, tc.elected) {
				t.Fatalf("elected %v, want %v", res.Elected, tc.elected)
			}
			if !reflect.DeepEqual(res.Rounds[0].Tally, tc.tally) {
				t.Fatalf("tally %v, want %v", res.Rounds[0].Tally, tc.tally)
			}
			if res.Rounds[0].Exhausted != tc.exhausted {
				t.Fatalf("exhausted %s, want %s", res.Rounds[0].Exhausted, tc.exhausted)
			}
		})
	}
}

func TestPluralityLotIsSeededAndRecorded(t *testing.T) {
	c := contest(4, 2, ballots(t, 3, "A", 2, "B", 2, "C", 2, "D"))
	seen := map[string]bool{}
	for s := range int64(30) {
		res, err := tally.Plurality(c, tally.PluralityOptions{Seed: &s})
		if err != nil {
			t.Fatal(err)
		}
		again, _ := tally.Plurality(c, tally.PluralityOptions{Seed: &s})
		if !reflect.DeepEqual(res, again) {
			t.Fatal("same seed, different result")
		}
		if res.Elected[0] != "A" || len(res.Elected) != 2 || len(res.TieBreaks) != 1 || *res.Seed != s {
			t.Fatalf("result %+v", res)
		}
		if tb := res.TieBreaks[0]; tb.Chosen != res.Elected[1] || len(tb.Between) != 3 || tb.Reason != "random (seed "+strconv.FormatInt(s, 10)+")" {
			t.Fatalf("tie-break %+v", tb)
		}
		seen[res.Elected[1]] = true
	}
	if len(seen) != 3 {
		t.Fatalf("30 seeds chose only %v", seen)
	}
}

func TestLotIsAPermutation(t *testing.T) {
	ids := []int{9, 3, 5, 1}
	got := tally.Lot(11, ids)
	if !reflect.DeepEqual(ids, []int{9, 3, 5, 1}) {
		t.Fatal("Lot modified its input")
	}
	if !reflect.DeepEqual(tally.Lot(11, []int{1, 3, 5, 9}), got) {
		t.Fatal("Lot depends on input order")
	}
	count := map[int]int{}
	for _, id := range got {
		count[id]++
	}
	if len(count) != 4 {
		t.Fatalf("Lot(%v) = %v is not a permutation", ids, got)
	}
}

// countProperties checks, for a one-round result, that the votes in the
// tally add up to want, that the number elected is min(seats, standing) and
// that shuffling the ballots changes nothing.
func countProperties(t *testing.T, name string, count func(tally.Contest) (tally.Result, error), votes func(tally.Contest) int64) {
	for seed := uint64(1); seed <= 5; seed++ {
		for _, seats := range []int{1, 3, 9} {
			c := tallytest.Generate(seed, 2000, 6, seats)
			res, err := count(c)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var sum int64
			for _, v := range res.Rounds[0].Tally {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				sum += n
			}
			if want := votes(c); sum != want {
				t.Fatalf("%s seed %d seats %d: tally sums to %d, want %d", name, seed, seats, sum, want)
			}
			if len(res.Elected) != min(seats, 6) {
				t.Fatalf("%s: elected %d for %d seats", name, len(res.Elected), seats)
			}
			shuffled := c
			shuffled.Ballots = append([]tally.Ballot(nil), c.Ballots...)
			rand.New(rand.NewPCG(seed, 9)).Shuffle(len(shuffled.Ballots), func(i, j int) {
				shuffled.Ballots[i], shuffled.Ballots[j] = shuffled.Ballots[j], shuffled.Ballots[i]
			})
			again, err := count(shuffled)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, again) {
				t.Fatalf("%s: ballot order changed the result", name)
			}
		}
	}
}

func TestPluralityProperties(t *testing.T) {
	seed := int64(5)
	countProperties(t, "plurality",
		func(c tally.Contest) (tally.Result, error) {
			return tally.Plurality(c, tally.PluralityOptions{Seed: &seed})
		},
		// Generated ballots rank one candidate per preference: one vote each.
		func(c tally.Contest) int64 { return c.TotalWeight() })
}
