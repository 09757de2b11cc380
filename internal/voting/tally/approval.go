package tally

import (
	"fmt"
	"strconv"
)

// ApprovalOptions tunes an approval count.
type ApprovalOptions struct {
	// Limit, when above zero, is the most candidates a ballot may approve; a
	// ballot approving more is invalid and counts for nobody. Zero means no
	// limit.
	Limit int
	// Seed breaks a tie for the last seat by lot. When nil and such a tie
	// occurs, the count fails with ErrSeedRequired.
	Seed *int64
}

// Approval counts an approval contest: every standing candidate a ballot
// marks (anywhere in Ranks, each candidate once however often it appears)
// receives the ballot's weight. Withdrawn candidates are ignored. A ballot
// marking more than opts.Limit candidates (when Limit > 0) is invalid; a
// ballot marking no standing candidate is blank; both are reported as
// exhausted. The c.Seats candidates with the most approvals are elected, as
// Plurality does, with a tie across the last seat broken by lot.
//
// Errors wrap ErrInvalid: an invalid contest, a negative limit, or
// ErrSeedRequired for a lot without a seed.
func Approval(c Contest, opts ApprovalOptions) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	if opts.Limit < 0 {
		return Result{}, Invalidf("approval limit %d is negative", opts.Limit)
	}
	withdrawn := withdrawnSet(c)
	votes := make([]int64, len(c.Candidates))
	mark := make([]bool, len(c.Candidates))
	var blank, over int64
	var all []int
	for _, b := range c.Ballots {
		all = all[:0]
		for _, level := range b.Ranks {
			all = append(all, level...)
		}
		marked := uniqueStanding(all, withdrawn, mark)
		switch {
		case len(marked) == 0:
			blank += b.Weight
			continue
		case opts.Limit > 0 && len(marked) > opts.Limit:
			over += b.Weight
			continue
		}
		for _, id := range marked {
			votes[id] += b.Weight
		}
	}
	res, err := electTop("approval", c, votes, withdrawn, opts.Seed)
	if err != nil {
		return Result{}, err
	}
	res.Rounds[0].Exhausted = strconv.FormatInt(blank+over, 10)
	note := fmt.Sprintf("%d ballots counted, %d blank", c.TotalWeight()-blank-over, blank)
	if opts.Limit > 0 {
		note += fmt.Sprintf(", %d invalid (more than %d approvals)", over, opts.Limit)
	}
	res.Rounds[0].Note = note
	return res, nil
}
