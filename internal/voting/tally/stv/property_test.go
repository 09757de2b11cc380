package stv

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/blt"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

// propertyContests are small generated contests plus a few edge cases.
func propertyContests() []tally.Contest {
	var cs []tally.Contest
	for seed := uint64(1); seed <= 12; seed++ {
		cands := 3 + int(seed%8)
		seats := 1 + int(seed%4)
		cs = append(cs, tallytest.Generate(seed, 200+int(seed)*150, cands, seats))
	}
	withdrawn := tallytest.Generate(99, 500, 7, 3)
	withdrawn.Withdrawn = []int{2}
	cs = append(cs, withdrawn)
	moreSeats := tallytest.Generate(98, 50, 3, 5) // more seats than candidates
	cs = append(cs, moreSeats)
	return cs
}

// TestConservation checks, in every round of every rule, that the votes
// in the tally plus the exhausted votes (plus, for the WIGM rules, the
// residue lost to truncation in earlier transfers) equal the valid
// ballots exactly, at the rule's precision. (When a WIGM batch defeat
// completes the count, the sure losers' votes are not transferred and stay
// with them.) For Meek the round's
// Exhausted is the residual (exhausted weight plus rounding), so the
// tally plus Exhausted must equal the ballots.
func TestConservation(t *testing.T) {
	seed := int64(7)
	for _, rule := range Rules() {
		for ci, c := range propertyContests() {
			res, err := Count(c, rule, Options{Seed: &seed})
			if err != nil {
				t.Fatalf("%s contest %d: %v", rule.name, ci, err)
			}
			valid := validBallots(c)
			var residue int64
			for _, r := range res.Rounds {
				sum := parseFixed(t, r.Exhausted, rule.prec) + residue
				for _, v := range r.Tally {
					sum += parseFixed(t, v, rule.prec)
				}
				want := valid
				for range rule.prec {
					want *= 10
				}
				if sum != want {
					t.Errorf("%s contest %d round %d: tally+exhausted+residue = %s, valid ballots %d",
						rule.name, ci, r.Number, formatFixed(sum, rule.prec), valid)
				}
				for _, tr := range r.Transfers {
					residue += parseFixed(t, tr.To["residue"], rule.prec)
				}
				// A batch defeat that completes the count transfers
				// nothing: the losers keep their votes to the end.
				if len(r.Transfers) == 0 && rule.kind != kindMeekPRF {
					for _, n := range r.Eliminated {
						residue += parseFixed(t, r.Tally[n], rule.prec)
					}
				}
			}
			wantSeats := min(c.Seats, len(c.Candidates)-len(c.Withdrawn))
			if len(res.Elected) != wantSeats {
				t.Errorf("%s contest %d: %d elected, want %d", rule.name, ci, len(res.Elected), wantSeats)
			}
			if res.Method != rule.name {
				t.Errorf("method %q, want %q", res.Method, rule.name)
			}
		}
	}
}

func validBallots(c tally.Contest) int64 {
	var n int64
	for _, b := range c.Ballots {
		for _, rank := range b.Ranks {
			if slices.ContainsFunc(rank, func(id int) bool { return !slices.Contains(c.Withdrawn, id) }) {
				n += b.Weight
				break
			}
		}
	}
	return n
}

// TestBallotOrderIrrelevant checks that shuffling the ballots, or splitting
// grouped ballots into single ones, changes nothing in the result.
func TestBallotOrderIrrelevant(t *testing.T) {
	seed := int64(3)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, rule := range Rules() {
		for ci, c := range propertyContests()[:6] {
			want, err := Count(c, rule, Options{Seed: &seed})
			if err != nil {
				t.Fatal(err)
			}
			var split []tally.Ballot
			for _, b := range c.Ballots {
				for range b.Weight {
					split = append(split, tally.Ballot{Weight: 1, Ranks: b.Ranks})
				}
			}
			rng.Shuffle(len(split), func(i, j int) { split[i], split[j] = split[j], split[i] })
			c2 := c
			c2.Ballots = split
			got, err := Count(c2, rule, Options{Seed: &seed})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s contest %d: result changed when the ballots were shuffled", rule.name, ci)
			}
		}
	}
}

// TestRecountFromBLT writes each conformance contest to BLT, reads it back
// and checks the count is identical.
func TestRecountFromBLT(t *testing.T) {
	dir, recs := loadRecords(t)
	for _, rec := range recs {
		rule, ok := variantRules[rec.Variant]
		if !ok {
			continue
		}
		f, opts := loadContest(t, dir, rec.BLT)
		want, err := Count(f.Contest, rule, opts)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := blt.Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		g, err := blt.Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Count(g.Contest, rule, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s: recount from written BLT differs", rec.Variant, rec.BLT)
		}
	}
}

func TestLotNeedsSeedOrOrder(t *testing.T) {
	// Pollux and Helen tie at every stage; only lot can separate them.
	c := tally.Contest{Candidates: []string{"Castor", "Pollux", "Helen"}, Seats: 1,
		Ballots: []tally.Ballot{{Weight: 2, Ranks: [][]int{{1}}}, {Weight: 2, Ranks: [][]int{{2}}}, {Weight: 1, Ranks: [][]int{{0}}}}}
	for _, rule := range Rules() {
		if _, err := Count(c, rule, Options{}); !errors.Is(err, ErrSeedRequired) || !errors.Is(err, tally.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrSeedRequired", rule.name, err)
		}
		seed := int64(42)
		res, err := Count(c, rule, Options{Seed: &seed})
		if err != nil {
			t.Fatal(err)
		}
		if res.Seed == nil || *res.Seed != 42 {
			t.Errorf("%s: seed not recorded: %v", rule.name, res.Seed)
		}
		res2, _ := Count(c, rule, Options{Seed: &seed})
		if !reflect.DeepEqual(res, res2) {
			t.Errorf("%s: seeded count not reproducible", rule.name)
		}
		res, err = Count(c, rule, Options{TieOrder: []int{2, 1, 0}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Seed != nil || len(res.TieBreaks) == 0 {
			t.Errorf("%s: tie order count: seed %v tiebreaks %v", rule.name, res.Seed, res.TieBreaks)
		}
	}
}

func TestCountRejectsBadInput(t *testing.T) {
	ok := tally.Contest{Candidates: []string{"A", "B"}, Seats: 1, Ballots: []tally.Ballot{{Weight: 1, Ranks: [][]int{{0}}}}}
	tests := []struct {
		name string
		c    tally.Contest
		rule Rule
		opts Options
	}{
		{"no seats", tally.Contest{Candidates: []string{"A"}}, Scottish, Options{}},
		{"unknown rule", ok, Rule{}, Options{}},
		{"bad tie order", ok, WIGMPRF, Options{TieOrder: []int{0, 0}}},
		{"equal ranking under WIGM", tally.Contest{Candidates: []string{"A", "B"}, Seats: 1,
			Ballots: []tally.Ballot{{Weight: 1, Ranks: [][]int{{0, 1}}}}}, Scottish, Options{}},
		{"too many ballots", tally.Contest{Candidates: []string{"A", "B"}, Seats: 1,
			Ballots: []tally.Ballot{{Weight: 1 << 62, Ranks: [][]int{{0}}}}}, MeekPRF, Options{}},
	}
	for _, tt := range tests {
		if _, err := Count(tt.c, tt.rule, tt.opts); !errors.Is(err, tally.ErrInvalid) {
			t.Errorf("%s: got %v, want an error wrapping tally.ErrInvalid", tt.name, err)
		}
	}
}

func TestMeekEqualRankings(t *testing.T) {
	dir, _ := loadRecords(t)
	for _, name := range []string{"meek/eq1.blt", "meek/eq2.blt"} {
		f, opts := loadContest(t, dir, name)
		res, err := Count(f.Contest, MeekPRF, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Elected) != f.Contest.Seats {
			t.Errorf("%s: elected %v", name, res.Elected)
		}
	}
}
