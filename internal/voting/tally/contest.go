package tally

import (
	"errors"
	"fmt"
)

// Contest is the input to a count: the candidates (or options), the number of
// seats, and the ballots cast. Candidate ids are indexes into Candidates.
type Contest struct {
	// Title names the contest in reports. It may be empty.
	Title string
	// Candidates holds the display name of each candidate; a candidate's id is
	// its index.
	Candidates []string
	// Seats is the number of candidates to elect (1 for a single-winner
	// contest).
	Seats int
	// Withdrawn lists candidate ids that stand withdrawn: ballots skip them as
	// if they were not ranked.
	Withdrawn []int
	// Ballots are the ballots cast; identical ballots may be grouped under one
	// Ballot with a Weight above one.
	Ballots []Ballot
}

// Ballot is Weight identical ballots. Ranks[i] holds the candidates the
// ballot places at preference i+1: one candidate for a strict ranking, more
// than one for candidates ranked equal, none for a skipped rank. For an
// approval or plurality ballot Ranks has a single entry listing the marked
// candidates.
type Ballot struct {
	Weight int64
	Ranks  [][]int
}

// ErrInvalid is wrapped by every error a method or reader returns for input
// it cannot count (bad file, bad options); callers test with errors.Is.
var ErrInvalid = errors.New("invalid count input")

// Invalidf returns an error wrapping ErrInvalid with a formatted message.
func Invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Validate checks that the contest is countable: at least one seat, at least
// one candidate, positive weights and candidate ids in range. It returns an
// error wrapping ErrInvalid naming the first problem.
func (c *Contest) Validate() error {
	if len(c.Candidates) == 0 {
		return Invalidf("contest has no candidates")
	}
	if c.Seats < 1 {
		return Invalidf("contest must have at least one seat, has %d", c.Seats)
	}
	for _, w := range c.Withdrawn {
		if w < 0 || w >= len(c.Candidates) {
			return Invalidf("withdrawn candidate %d out of range 1..%d", w+1, len(c.Candidates))
		}
	}
	for i, b := range c.Ballots {
		if b.Weight < 1 {
			return Invalidf("ballot %d: weight %d is not positive", i+1, b.Weight)
		}
		for _, rank := range b.Ranks {
			for _, id := range rank {
				if id < 0 || id >= len(c.Candidates) {
					return Invalidf("ballot %d: candidate %d out of range 1..%d", i+1, id+1, len(c.Candidates))
				}
			}
		}
	}
	return nil
}

// TotalWeight returns the number of ballots cast, counting weights.
func (c *Contest) TotalWeight() int64 {
	var n int64
	for _, b := range c.Ballots {
		n += b.Weight
	}
	return n
}
