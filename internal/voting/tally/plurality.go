package tally

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
)

// ErrSeedRequired is returned (wrapped, and itself wrapping ErrInvalid) when
// a count meets a tie that only lot can break and the caller gave no seed.
// Repeat the count with a published seed.
var ErrSeedRequired = fmt.Errorf("%w: a tie can only be broken by lot and no seed was given", ErrInvalid)

// PluralityOptions tunes a plurality count.
type PluralityOptions struct {
	// Seed breaks a tie for the last seat by lot. When nil and such a tie
	// occurs, the count fails with ErrSeedRequired.
	Seed *int64
}

// Plurality counts a first-past-the-post contest: each ballot gives one vote
// to every candidate in its first preference that names a standing
// candidate (withdrawn candidates are skipped as if unmarked, so a ranked
// ballot whose first choice withdrew counts for its next choice). For a
// plurality or block-voting ballot that preference is the set of marks.
// A ballot marking more candidates than there are seats is an overvote and
// counts for nobody; a ballot with no standing candidate is blank. Both are
// reported as exhausted. The c.Seats candidates with the most votes are
// elected, in order of votes; candidates tied on votes that all fit within
// the seats are listed in ballot-paper order (that order decides nothing). A
// tie that straddles the last seat is broken by lot with opts.Seed.
//
// Errors wrap ErrInvalid: an invalid contest (see Contest.Validate), or
// ErrSeedRequired for a lot without a seed.
func Plurality(c Contest, opts PluralityOptions) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	withdrawn := withdrawnSet(c)
	votes := make([]int64, len(c.Candidates))
	var blank, over int64
	mark := make([]bool, len(c.Candidates))
	for _, b := range c.Ballots {
		level := firstStanding(b.Ranks, withdrawn)
		if level == nil {
			blank += b.Weight
			continue
		}
		distinct := uniqueStanding(level, withdrawn, mark)
		if len(distinct) > c.Seats {
			over += b.Weight
			continue
		}
		for _, id := range distinct {
			votes[id] += b.Weight
		}
	}
	res, err := electTop("plurality", c, votes, withdrawn, opts.Seed)
	if err != nil {
		return Result{}, err
	}
	res.Rounds[0].Exhausted = strconv.FormatInt(blank+over, 10)
	res.Rounds[0].Note = fmt.Sprintf("%d ballots counted, %d blank, %d overvoted (more marks than the %d seats)",
		c.TotalWeight()-blank-over, blank, over, c.Seats)
	return res, nil
}

// withdrawnSet returns a per-candidate flag of withdrawal.
func withdrawnSet(c Contest) []bool {
	w := make([]bool, len(c.Candidates))
	for _, id := range c.Withdrawn {
		w[id] = true
	}
	return w
}

// firstStanding returns the first preference level holding a standing
// candidate, or nil when the ballot names none.
func firstStanding(ranks [][]int, withdrawn []bool) []int {
	for _, level := range ranks {
		for _, id := range level {
			if !withdrawn[id] {
				return level
			}
		}
	}
	return nil
}

// uniqueStanding returns the standing candidates of ids without repeats. mark
// is scratch space of len(candidates), all false on entry and on return.
func uniqueStanding(ids []int, withdrawn, mark []bool) []int {
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		if withdrawn[id] || mark[id] {
			continue
		}
		mark[id] = true
		out = append(out, id)
	}
	for _, id := range out {
		mark[id] = false
	}
	return out
}

// electTop elects the c.Seats standing candidates with the most votes and
// builds the one-round Result shared by plurality and approval. A tie across
// the last seat is broken by lot (seeded); without a seed it fails with
// ErrSeedRequired.
func electTop(method string, c Contest, votes []int64, withdrawn []bool, seed *int64) (Result, error) {
	standing := make([]int, 0, len(c.Candidates))
	for id := range c.Candidates {
		if !withdrawn[id] {
			standing = append(standing, id)
		}
	}
	// Stable sort keeps ballot-paper order among equal votes.
	slices.SortStableFunc(standing, func(a, b int) int {
		switch {
		case votes[a] > votes[b]:
			return -1
		case votes[a] < votes[b]:
			return 1
		}
		return 0
	})
	seats := min(c.Seats, len(standing))
	res := Result{Method: method, Seats: seats, Elected: []string{}, TieBreaks: []TieBreak{}}
	elected := slices.Clone(standing[:seats])
	if seats > 0 && seats < len(standing) && votes[standing[seats-1]] == votes[standing[seats]] {
		cut := votes[standing[seats-1]]
		var group []int
		above := 0
		for _, id := range standing {
			switch {
			case votes[id] > cut:
				above++
			case votes[id] == cut:
				group = append(group, id)
			}
		}
		if seed == nil {
			return Result{}, fmt.Errorf("%w: %d candidates tie on %d votes for the last %d seat(s): %v",
				ErrSeedRequired, len(group), cut, seats-above, names(c, group))
		}
		order := Lot(*seed, group)
		chosen := order[:seats-above]
		elected = append(elected[:above], chosen...)
		for _, id := range chosen {
			res.TieBreaks = append(res.TieBreaks, TieBreak{
				Round:   1,
				Between: names(c, group),
				Chosen:  c.Candidates[id],
				Reason:  fmt.Sprintf("random (seed %d)", *seed),
			})
		}
		s := *seed
		res.Seed = &s
	}
	for _, id := range elected {
		res.Elected = append(res.Elected, c.Candidates[id])
	}
	round := Round{Number: 1, Tally: map[string]string{}, Elected: slices.Clone(res.Elected), Eliminated: []string{}}
	for _, id := range standing {
		round.Tally[c.Candidates[id]] = strconv.FormatInt(votes[id], 10)
	}
	res.Rounds = []Round{round}
	return res, nil
}

func names(c Contest, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = c.Candidates[id]
	}
	return out
}

// Lot returns ids in a random order drawn from seed: ids are sorted, then
// shuffled by Fisher–Yates driven by a PCG generator seeded with
// (uint64(seed), 0) and unbiased bounded draws (rejection sampling), so a
// published seed reproduces the draw exactly on any platform and Go
// release. ids is not modified.
func Lot(seed int64, ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	src := rand.NewPCG(uint64(seed), 0)
	for i := len(out) - 1; i > 0; i-- {
		j := boundedDraw(src, uint64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// boundedDraw returns a uniform value in [0, n) by rejecting draws from the
// incomplete last block of the 64-bit range.
func boundedDraw(src *rand.PCG, n uint64) int {
	limit := ^uint64(0) - ^uint64(0)%n
	for {
		v := src.Uint64()
		if v < limit {
			return int(v % n)
		}
	}
}
