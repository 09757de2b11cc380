package stv

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// lot is the predetermined tie-break order: the given TieOrder, or a
// permutation drawn from the seed, or nothing (then lot is an error).
type lot struct {
	rank       []int // rank[c] = position of candidate c in the order
	random     bool
	seed       int64
	usedRandom bool
}

func newLot(n int, opts Options) (*lot, error) {
	l := &lot{}
	switch {
	case len(opts.TieOrder) > 0:
		if len(opts.TieOrder) != n {
			return nil, tally.Invalidf("tie order lists %d candidates, the contest has %d", len(opts.TieOrder), n)
		}
		l.rank = make([]int, n)
		seen := make([]bool, n)
		for pos, c := range opts.TieOrder {
			if c < 0 || c >= n || seen[c] {
				return nil, tally.Invalidf("tie order entry %d (candidate %d) is out of range or repeated", pos+1, c+1)
			}
			seen[c] = true
			l.rank[c] = pos
		}
	case opts.Seed != nil:
		l.random = true
		l.seed = *opts.Seed
		rng := rand.New(rand.NewPCG(uint64(*opts.Seed), 0x5354562d6c6f74)) // "STV-lot"
		perm := rng.Perm(n)
		l.rank = make([]int, n)
		for pos, c := range perm {
			l.rank[c] = pos
		}
	}
	return l, nil
}

// choose returns the tied candidate earliest in the order, and the reason
// text for the report.
func (l *lot) choose(tied []int, purpose string) (int, string, error) {
	if l.rank == nil {
		return 0, "", seedError(purpose)
	}
	best := slices.MinFunc(tied, func(a, b int) int { return l.rank[a] - l.rank[b] })
	if l.random {
		l.usedRandom = true
		return best, fmt.Sprintf("%s: lot, random (seed %d)", purpose, l.seed), nil
	}
	return best, purpose + ": lot, tie-break order", nil
}
