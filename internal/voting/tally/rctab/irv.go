package rctab

import (
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Options tunes IRV. The zero value gives the documented defaults.
type Options struct {
	// Seed seeds java.util.Random for random tie-breaks (and for
	// TieGeneratePermutation). When nil and a tie can only be broken at
	// random, IRV returns an error wrapping ErrSeedRequired.
	Seed *int64
	// TieBreak is an RCTab tiebreakMode: TiePreviousRoundsRandom (default),
	// TieRandom, TieUseCandidateOrder (candidate order of the contest; a
	// loser is taken from the end) or TieGeneratePermutation.
	TieBreak string
	// OvervoteRule says what candidates ranked equal at one rank do:
	// OvervoteExhaustImmediately (default: the ballot stops counting there),
	// OvervoteAlwaysSkip or OvervoteExhaustIfMultiple.
	OvervoteRule string
	// Decimals is the number of decimal places of surplus arithmetic in a
	// multi-seat count (default 4, at most 9).
	Decimals int
}

// IRV counts a tally.Contest with RCTab's rules. One seat: instant-runoff
// (single winner majority: a candidate wins with more than half the
// continuing votes, threshold floor(votes/2)+1, recomputed every round).
// More seats: RCTab's multi-winner count (multiWinnerAllowMultipleWinnersPerRound)
// with the whole-number Droop threshold floor(first-round votes/(seats+1))+1
// and fractional surplus transfer truncated to Decimals places (RCTab's
// BigDecimal semantics, done in fixed point). Skipped ranks are allowed
// without limit; withdrawn candidates are skipped; equal rankings follow
// opts.OvervoteRule. Exhausted in each round is every inactive ballot.
// Errors wrap tally.ErrInvalid: an invalid contest, unknown options, or a
// random tie without a seed (also wrapping ErrSeedRequired).
func IRV(c tally.Contest, opts Options) (tally.Result, error) {
	if err := c.Validate(); err != nil {
		return tally.Result{}, err
	}
	if opts.TieBreak == "" {
		opts.TieBreak = TiePreviousRoundsRandom
	}
	switch opts.TieBreak {
	case TiePreviousRoundsRandom, TieRandom, TieUseCandidateOrder, TieGeneratePermutation:
	default:
		return tally.Result{}, tally.Invalidf("irv: unknown tie-break mode %q", opts.TieBreak)
	}
	if opts.TieBreak == TieGeneratePermutation && opts.Seed == nil {
		return tally.Result{}, tally.Invalidf("irv: tie-break mode %s needs a seed", opts.TieBreak)
	}
	if opts.OvervoteRule == "" {
		opts.OvervoteRule = OvervoteExhaustImmediately
	}
	switch opts.OvervoteRule {
	case OvervoteExhaustImmediately, OvervoteAlwaysSkip, OvervoteExhaustIfMultiple:
	default:
		return tally.Result{}, tally.Invalidf("irv: unknown overvote rule %q", opts.OvervoteRule)
	}
	if opts.Decimals == 0 {
		opts.Decimals = 4
	}
	if opts.Decimals < 1 || opts.Decimals > maxScale {
		return tally.Result{}, tally.Invalidf("irv: decimals %d outside 1..%d", opts.Decimals, maxScale)
	}
	n := len(c.Candidates)
	excluded := make([]bool, n)
	for _, w := range c.Withdrawn {
		excluded[w] = true
	}
	names := append([]string(nil), c.Candidates...)
	seen := map[string]bool{}
	for i, nm := range names {
		if seen[nm] {
			return tally.Result{}, tally.Invalidf("irv: candidate %d: duplicate name %q", i+1, nm)
		}
		seen[nm] = true
	}
	ballots := make([]ballot, 0, len(c.Ballots))
	maxRank := 1
	for _, b := range c.Ballots {
		bb := ballot{weight: b.Weight}
		flat := 0
		for _, rk := range b.Ranks {
			if len(rk) > 0 {
				flat++
			}
		}
		bb.ranks = make([]rankSet, 0, flat)
		for i, rk := range b.Ranks {
			if len(rk) == 0 {
				continue
			}
			cands := make([]int32, 0, len(rk))
			for _, id := range rk {
				dup := false
				for _, x := range cands {
					if x == int32(id) {
						dup = true
					}
				}
				if !dup {
					cands = append(cands, int32(id))
				}
			}
			bb.ranks = append(bb.ranks, rankSet{rank: i + 1, cands: cands})
		}
		maxRank = max(maxRank, len(b.Ranks))
		ballots = append(ballots, bb)
	}
	r := &rules{
		numWinners:  c.Seats,
		mode:        ModeSingleWinnerMajority,
		tiebreak:    opts.TieBreak,
		overvote:    opts.OvervoteRule,
		decimals:    int32(opts.Decimals),
		maxRankings: maxRank,
		maxSkipped:  unlimited,
		seed:        opts.Seed,
		numDeclared: n,
	}
	if c.Seats > 1 {
		r.mode = ModeMultiMultiplePerRound
	}
	for i, nm := range names {
		r.permutationKeys = append(r.permutationKeys, nm)
		r.permutationIDs = append(r.permutationIDs, int32(i))
	}
	e := newEngine(r, names, -1, excluded, ballots)
	if err := e.run(); err != nil {
		return tally.Result{}, err
	}
	if len(e.rounds) == 0 {
		return tally.Result{}, tally.Invalidf("irv: nothing to count")
	}
	rep := e.buildReport(ReportConfig{Contest: c.Title})
	return rep.Result(), nil
}
