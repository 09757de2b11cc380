package peerbench

import (
	"github.com/shawntoffel/meekstv"
	"resenje.org/schulze"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// toResenje converts grouped ballots to resenje.org/schulze ballots (choice
// id -> rank, 1 = first; unranked choices are absent, which that package,
// like Debian, treats as tied below every ranked choice) with their
// weights, since the peer has no weighted vote.
func toResenje(c tally.Contest) ([]schulze.Ballot[int], []int64) {
	out := make([]schulze.Ballot[int], len(c.Ballots))
	weights := make([]int64, len(c.Ballots))
	for i, b := range c.Ballots {
		m := make(schulze.Ballot[int], len(b.Ranks))
		for lvl, rank := range b.Ranks {
			for _, id := range rank {
				if _, dup := m[id]; !dup {
					m[id] = lvl + 1
				}
			}
		}
		out[i] = m
		weights[i] = b.Weight
	}
	return out, weights
}

// choices returns the candidate ids 0..n-1.
func choices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// meekSTVMaxCount is the largest ballot count meekstv v0.5.2 can carry:
// it forms count * 10^8 * weight (weight up to 10^8) in an int64, which
// overflows from a count of 923. Larger groups are split into several
// ballots with the same preferences, which counts the same.
const meekSTVMaxCount = 900

// toMeekSTV converts a contest of strict rankings to a meekstv config
// (1-based preferences, grouped ballots carried as counts of at most
// meekSTVMaxCount).
func toMeekSTV(c tally.Contest) meekstv.Config {
	cfg := meekstv.Config{Seats: c.Seats, Candidates: c.Candidates, DisableDetail: true}
	for _, id := range c.Withdrawn {
		cfg.WithdrawnCandidates = append(cfg.WithdrawnCandidates, id+1)
	}
	cfg.Ballots = make(meekstv.Ballots, 0, len(c.Ballots))
	for _, b := range c.Ballots {
		prefs := make([]int, 0, len(b.Ranks))
		for _, rank := range b.Ranks {
			for _, id := range rank {
				prefs = append(prefs, id+1)
			}
		}
		for left := b.Weight; left > 0; left -= meekSTVMaxCount {
			cfg.Ballots = append(cfg.Ballots, meekstv.Ballot{Count: int(min(left, meekSTVMaxCount)), Preferences: prefs})
		}
	}
	return cfg
}
