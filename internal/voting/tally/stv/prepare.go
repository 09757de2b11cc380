package stv

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// prepared is a contest reduced to what a count needs: withdrawn
// candidates and empty ranks removed, repeated mentions of a candidate
// dropped (the first mention counts), identical rankings merged.
type prepared struct {
	names     []string
	seats     int
	withdrawn []bool
	groups    []group
	total     int64 // valid ballots: those ranking at least one candidate
}

// group is weight identical ballots. cands holds the candidates in rank
// order; ends, when not nil, marks where each rank ends in cands (a rank
// may hold several candidates ranked equal).
type group struct {
	weight int64
	cands  []int32
	ends   []int32
}

func prepare(c tally.Contest, rule Rule, f *fixed) (*prepared, error) {
	n := len(c.Candidates)
	p := &prepared{names: c.Candidates, seats: c.Seats, withdrawn: make([]bool, n)}
	for _, w := range c.Withdrawn {
		p.withdrawn[w] = true
	}
	index := make(map[string]int, len(c.Ballots))
	seen := make([]int, n) // ballot number+1 that last mentioned the candidate
	var key []byte
	var cands []int32
	var ends []int32
	for bi, b := range c.Ballots {
		cands, ends = cands[:0], ends[:0]
		equal := false
		for _, rank := range b.Ranks {
			before := len(cands)
			for _, id := range rank {
				if p.withdrawn[id] || seen[id] == bi+1 {
					continue
				}
				seen[id] = bi + 1
				cands = append(cands, int32(id))
			}
			if len(cands) == before {
				continue
			}
			if len(cands)-before > 1 {
				equal = true
			}
			ends = append(ends, int32(len(cands)))
		}
		if len(cands) == 0 {
			continue
		}
		if equal && rule.kind != kindMeekPRF {
			return nil, tally.Invalidf("%s: ballot %d ranks candidates equal, which the rule does not provide for", rule.display, bi+1)
		}
		if b.Weight > math.MaxInt64-p.total {
			return nil, tally.Invalidf("%s: total ballot weight overflows", rule.display)
		}
		p.total += b.Weight
		key = key[:0]
		// Key: each candidate as a varint of 2*id+1 when it ends its rank,
		// 2*id when the next candidate is ranked equal to it.
		for i, cd := range cands {
			v := uint64(cd) << 1
			if !equal || slices.Contains(ends, int32(i+1)) {
				v |= 1
			}
			key = binary.AppendUvarint(key, v)
		}
		if gi, ok := index[string(key)]; ok { // no allocation on lookup
			p.groups[gi].weight += b.Weight
			continue
		}
		index[string(key)] = len(p.groups)
		g := group{weight: b.Weight, cands: slices.Clone(cands)}
		if equal {
			g.ends = slices.Clone(ends)
		}
		p.groups = append(p.groups, g)
	}
	// The whole vote must fit the fixed-point range with room for sums.
	if p.total > math.MaxInt64/f.one/4 {
		return nil, tally.Invalidf("%s: %d ballots exceed the range of %d-decimal arithmetic", rule.display, p.total, f.prec)
	}
	return p, nil
}
