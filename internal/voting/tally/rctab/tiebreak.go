package rctab

import (
	"errors"
	"fmt"
	"slices"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// ErrSeedRequired is returned (wrapped with tally.ErrInvalid) by IRV when a
// tie can only be broken at random and no seed was given.
var ErrSeedRequired = errors.New("a random tie-break is needed but no seed was given")

// breakTie picks the winner (selectingWinner) or loser among tied
// candidates, as RCTab's Tiebreak does.
func (e *engine) breakTie(selectingWinner bool, tied []int32, rt *roundTally) (int32, error) {
	slices.SortFunc(tied, func(a, b int32) int { return javaCompareStrings(e.names[a], e.names[b]) })
	var chosen int32
	var reason string
	switch e.r.tiebreak {
	case TieRandom:
		c, err := e.randomPick(tied)
		if err != nil {
			return 0, err
		}
		chosen, reason = c, fmt.Sprintf("random (seed %d)", *e.r.seed)
	case TieUseCandidateOrder, TieGeneratePermutation:
		perm := e.perm
		if !selectingWinner {
			perm = slices.Clone(perm)
			slices.Reverse(perm)
		}
		chosen = -1
		for _, c := range perm {
			if slices.Contains(tied, c) {
				chosen = c
				break
			}
		}
		if chosen < 0 {
			return 0, tally.Invalidf("round %d: tied candidates are not in the tie-break order", e.round)
		}
		reason = "candidate order"
		if e.r.tiebreak == TieGeneratePermutation {
			reason = fmt.Sprintf("generated permutation (seed %d)", *e.r.seed)
		}
	default: // previousRoundCountsThenRandom
		contention := tied
		chosen = -1
		for r := e.round - 1; r > 0 && chosen < 0; r-- {
			prev := e.rounds[r-1]
			names := make([]string, len(contention))
			for i, c := range contention {
				names[i] = e.names[c]
			}
			order := e.hashOrderIDs(names, hashSetCopyCapacity(len(names)))
			gs := groups(prev, order)
			g := gs[0]
			if selectingWinner {
				g = gs[len(gs)-1]
			}
			contention = g
			if len(g) == 1 {
				chosen = g[0]
				reason = fmt.Sprintf("previous round counts (round %d)", r)
			}
		}
		if chosen < 0 {
			c, err := e.randomPick(contention)
			if err != nil {
				return 0, err
			}
			chosen = c
			reason = "previous round counts, then random"
			if e.r.seed != nil {
				reason = fmt.Sprintf("previous round counts, then random (seed %d)", *e.r.seed)
			}
		}
	}
	between := make([]string, len(tied))
	for i, c := range tied {
		between[i] = e.names[c]
	}
	e.tieBreaks = append(e.tieBreaks, tally.TieBreak{Round: e.round, Between: between, Chosen: e.names[chosen], Reason: reason})
	return chosen, nil
}

func (e *engine) randomPick(list []int32) (int32, error) {
	if e.rng == nil {
		return 0, fmt.Errorf("%w: round %d: %w", tally.ErrInvalid, e.round, ErrSeedRequired)
	}
	e.usedRand = true
	return list[e.rng.nextDoubleIndex(len(list))], nil
}
