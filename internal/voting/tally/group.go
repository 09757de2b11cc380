package tally

import (
	"slices"
	"strconv"
	"strings"
)

// Group merges identical ballots into one Ballot whose Weight is their sum,
// so a count touches each distinct ranking once. The result is sorted by
// ranking, so it does not depend on the order of the input; the input is not
// modified.
func Group(ballots []Ballot) []Ballot {
	index := make(map[string]int, len(ballots)/4+1)
	out := make([]Ballot, 0, len(ballots)/4+1)
	var key strings.Builder
	for _, b := range ballots {
		key.Reset()
		writeKey(&key, b.Ranks)
		k := key.String()
		if i, ok := index[k]; ok {
			out[i].Weight += b.Weight
			continue
		}
		index[k] = len(out)
		out = append(out, Ballot{Weight: b.Weight, Ranks: b.Ranks})
	}
	slices.SortFunc(out, func(a, b Ballot) int { return compareRanks(a.Ranks, b.Ranks) })
	return out
}

func writeKey(sb *strings.Builder, ranks [][]int) {
	for _, rank := range ranks {
		for j, id := range rank {
			if j > 0 {
				sb.WriteByte('=')
			}
			sb.WriteString(strconv.Itoa(id))
		}
		sb.WriteByte(' ')
	}
}

func compareRanks(a, b [][]int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := slices.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}
