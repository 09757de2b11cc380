package tally

import (
	"fmt"
	"strconv"
)

// Threshold is the share of yes votes a yes/no question needs to pass.
// Every threshold is strict about ties: exactly half fails a majority.
type Threshold int

const (
	// MajorityOfCast passes when yes is more than half of the votes cast
	// (yes + no): 2*yes > yes+no. Abstentions are not votes cast.
	MajorityOfCast Threshold = iota + 1
	// TwoThirdsOfCast passes when yes is at least two thirds of the votes
	// cast, as Robert's Rules of Order reads "two-thirds vote":
	// 3*yes >= 2*(yes+no), with at least one vote cast. Abstentions are not
	// votes cast.
	TwoThirdsOfCast
	// MajorityOfElectorate passes when yes is more than half of everyone
	// entitled to vote (the electorate, e.g. the whole membership frozen at
	// the record date): 2*yes > electorate. Abstaining and not voting weigh
	// the same as no.
	MajorityOfElectorate
)

// String returns the threshold's name as configuration spells it.
func (t Threshold) String() string {
	switch t {
	case MajorityOfCast:
		return "majority-of-cast"
	case TwoThirdsOfCast:
		return "two-thirds-of-cast"
	case MajorityOfElectorate:
		return "majority-of-electorate"
	}
	return fmt.Sprintf("Threshold(%d)", int(t))
}

// ParseThreshold returns the Threshold named by s (as String spells it). It
// returns an error wrapping ErrInvalid for an unknown name.
func ParseThreshold(s string) (Threshold, error) {
	for _, t := range []Threshold{MajorityOfCast, TwoThirdsOfCast, MajorityOfElectorate} {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, Invalidf("unknown threshold %q (want majority-of-cast, two-thirds-of-cast or majority-of-electorate)", s)
}

// YesNoVotes is the count of a yes/no/abstain question.
type YesNoVotes struct {
	Yes, No, Abstain int64
}

// YesNoOutcome is the decision on a yes/no question with the figures it
// rests on.
type YesNoOutcome struct {
	Votes     YesNoVotes
	Threshold Threshold
	// Cast is yes + no: abstentions are never votes cast.
	Cast int64
	// Electorate is the electorate size used (MajorityOfElectorate only;
	// zero otherwise).
	Electorate int64
	// Passed reports whether yes met the threshold.
	Passed bool
	// Reason is one sentence stating the comparison made.
	Reason string
}

// maxYesNoVotes keeps 3*(yes+no) and 2*electorate inside int64.
const maxYesNoVotes = int64(1) << 60

// YesNo decides a yes/no question under threshold t with exact integer
// comparisons (see the Threshold constants). electorate is the number of
// people entitled to vote; it is required (positive, and at least
// yes+no+abstain) for MajorityOfElectorate and ignored otherwise. With no
// vote cast every threshold fails.
//
// Errors wrap ErrInvalid: a negative or absurdly large count, an unknown
// threshold, or a missing or too small electorate.
func YesNo(v YesNoVotes, t Threshold, electorate int64) (YesNoOutcome, error) {
	for _, f := range []struct {
		name string
		n    int64
	}{{"yes", v.Yes}, {"no", v.No}, {"abstain", v.Abstain}} {
		if f.n < 0 || f.n > maxYesNoVotes {
			return YesNoOutcome{}, Invalidf("%s count %d out of range 0..%d", f.name, f.n, maxYesNoVotes)
		}
	}
	o := YesNoOutcome{Votes: v, Threshold: t, Cast: v.Yes + v.No}
	switch t {
	case MajorityOfCast:
		o.Passed = 2*v.Yes > o.Cast
		o.Reason = fmt.Sprintf("%d yes of %d votes cast: more than half needed", v.Yes, o.Cast)
	case TwoThirdsOfCast:
		o.Passed = o.Cast > 0 && 3*v.Yes >= 2*o.Cast
		o.Reason = fmt.Sprintf("%d yes of %d votes cast: at least two thirds needed", v.Yes, o.Cast)
	case MajorityOfElectorate:
		if electorate <= 0 || electorate > maxYesNoVotes {
			return YesNoOutcome{}, Invalidf("majority of the electorate needs the electorate size, got %d", electorate)
		}
		if total := v.Yes + v.No + v.Abstain; total > electorate {
			return YesNoOutcome{}, Invalidf("%d ballots exceed the electorate of %d", total, electorate)
		}
		o.Electorate = electorate
		o.Passed = 2*v.Yes > electorate
		o.Reason = fmt.Sprintf("%d yes of an electorate of %d: more than half needed", v.Yes, electorate)
	default:
		return YesNoOutcome{}, Invalidf("unknown threshold %d", int(t))
	}
	if o.Passed {
		o.Reason = "passed: " + o.Reason
	} else {
		o.Reason = "failed: " + o.Reason
	}
	return o, nil
}

// Result returns the outcome in the common Result form: method "yesno", one
// round whose tally holds Yes, No and Abstain, Elected ["Yes"] when the
// question passed and ["No"] when it failed, and the comparison in Notes.
func (o YesNoOutcome) Result() Result {
	outcome := "No"
	if o.Passed {
		outcome = "Yes"
	}
	return Result{
		Method:    "yesno",
		Seats:     1,
		Elected:   []string{outcome},
		TieBreaks: []TieBreak{},
		Notes:     []string{"threshold " + o.Threshold.String(), o.Reason},
		Rounds: []Round{{
			Number: 1,
			Tally: map[string]string{
				"Yes":     strconv.FormatInt(o.Votes.Yes, 10),
				"No":      strconv.FormatInt(o.Votes.No, 10),
				"Abstain": strconv.FormatInt(o.Votes.Abstain, 10),
			},
			Elected:    []string{outcome},
			Eliminated: []string{},
			Exhausted:  strconv.FormatInt(o.Votes.Abstain, 10),
			Note:       o.Reason,
		}},
	}
}
