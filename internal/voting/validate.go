package voting

import (
	"slices"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// ballotRules is what a ballot is checked against.
type ballotRules struct {
	method        string
	seats         int
	maxRanks      int
	approvalLimit int
	// ballot maps each standing candidate's id to its ballot index.
	ballot map[uuid.UUID]int
}

// validateBallot turns the candidate ids a voter chose into the stored
// ranking, or returns an Invalid error naming the choice at fault. Ranked
// methods take choices in preference order: strict ranks (one candidate
// per preference, so no equal ranks), no candidate twice, at most
// maxRanks preferences (all candidates when 0). Approval takes at most
// approvalLimit marks (any number when 0), plurality at most seats marks,
// a yes/no question exactly one of Yes, No, Abstain; marks are stored in
// ballot order. An empty ballot is a blank ballot, allowed except for
// yes/no (where Abstain is the way to abstain).
func validateBallot(r ballotRules, choices []uuid.UUID) ([]int16, error) {
	out := make([]int16, 0, len(choices))
	seen := make(map[int]bool, len(choices))
	for i, id := range choices {
		idx, ok := r.ballot[id]
		if !ok {
			return nil, errs.Field("/choices/"+itoa(i), "is not a candidate on this ballot")
		}
		if seen[idx] {
			return nil, errs.Field("/choices/"+itoa(i), "chooses the same candidate twice")
		}
		seen[idx] = true
		out = append(out, int16(idx))
	}
	n := len(out)
	switch {
	case ranked(r.method):
		limit := len(r.ballot)
		if r.maxRanks > 0 {
			limit = min(limit, r.maxRanks)
		}
		if n > limit {
			return nil, errs.Field("/choices", "ranks %d candidates; at most %d preferences are allowed", n, limit)
		}
		return out, nil
	case r.method == "approval":
		if r.approvalLimit > 0 && n > r.approvalLimit {
			return nil, errs.Field("/choices", "approves %d candidates; at most %d are allowed", n, r.approvalLimit)
		}
	case r.method == "plurality":
		if n > r.seats {
			return nil, errs.Field("/choices", "marks %d candidates for %d seats (an overvote)", n, r.seats)
		}
	case r.method == MethodYesNo:
		if n != 1 {
			return nil, errs.Field("/choices", "choose exactly one of Yes, No and Abstain")
		}
	default:
		return nil, errs.Field("/choices", "unknown method %s", r.method)
	}
	slices.Sort(out)
	return out, nil
}
