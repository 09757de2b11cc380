package stv

import (
	"maps"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// status is a candidate's state during a count.
type status uint8

const (
	hopeful   status = iota // continuing
	pending                 // elected, surplus not yet transferred (WIGM)
	elected                 // elected
	defeated                // excluded
	withdrawn               // withdrawn before the count
)

// recorder builds the round-by-round report shared by every rule.
type recorder struct {
	f      *fixed
	names  []string
	res    tally.Result
	cur    *tally.Round
	status []status
}

func newRecorder(method string, seats int, f *fixed, names []string, st []status) *recorder {
	return &recorder{
		f:      f,
		names:  names,
		status: st,
		res: tally.Result{
			Method:    method,
			Seats:     seats,
			Elected:   []string{},
			Rounds:    []tally.Round{},
			TieBreaks: []tally.TieBreak{},
		},
	}
}

// start opens a round whose tally is the given votes of every hopeful,
// pending or elected candidate.
func (r *recorder) start(vote []int64, exhausted int64, quota string) {
	t := make(map[string]string, len(vote))
	for c, v := range vote {
		if s := r.status[c]; s == hopeful || s == pending || s == elected {
			t[r.names[c]] = r.f.format(v)
		}
	}
	r.cur = &tally.Round{
		Number:     len(r.res.Rounds) + 1,
		Quota:      quota,
		Tally:      t,
		Elected:    []string{},
		Eliminated: []string{},
		Exhausted:  r.f.format(exhausted),
	}
}

// end closes the current round.
func (r *recorder) end() {
	if r.cur != nil {
		r.res.Rounds = append(r.res.Rounds, *r.cur)
		r.cur = nil
	}
}

func (r *recorder) elect(c int) {
	r.cur.Elected = append(r.cur.Elected, r.names[c])
	r.res.Elected = append(r.res.Elected, r.names[c])
}

func (r *recorder) eliminate(c int) {
	r.cur.Eliminated = append(r.cur.Eliminated, r.names[c])
}

func (r *recorder) tie(tied []int, chosen int, reason string) {
	between := make([]string, len(tied))
	for i, c := range tied {
		between[i] = r.names[c]
	}
	r.res.TieBreaks = append(r.res.TieBreaks, tally.TieBreak{
		Round: r.cur.Number, Between: between, Chosen: r.names[chosen], Reason: reason,
	})
}

// transfer records the movement of votes out of candidate from; to holds
// the amount each candidate received, with -1 for exhausted votes; residue
// is the value lost to the rule's truncation.
func (r *recorder) transfer(from int, to map[int]int64, residue int64, value string) {
	out := make(map[string]string, len(to)+1)
	for c, v := range maps.All(to) {
		if c < 0 {
			out["exhausted"] = r.f.format(v)
			continue
		}
		out[r.names[c]] = r.f.format(v)
	}
	if residue != 0 {
		out["residue"] = r.f.format(residue)
	}
	r.cur.Transfers = append(r.cur.Transfers, tally.Transfer{From: r.names[from], To: out, Value: value})
}
