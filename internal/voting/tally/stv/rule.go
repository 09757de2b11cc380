package stv

import (
	"errors"
	"fmt"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Rule is one of the STV rules this package counts. The zero value is not a
// rule; use the exported values.
type Rule struct {
	name    string // Result.Method
	display string // human name for reports and errors
	kind    ruleKind
	prec    int
}

type ruleKind int

const (
	kindScottish ruleKind = iota + 1
	kindWIGMPRF
	kindWIGMPRFBatch
	kindMeekPRF
)

var (
	// Scottish is Scottish STV as the Scottish Local Government Elections
	// Order 2007 prescribes: quota floor(valid/(seats+1))+1, fixed point
	// with 5 decimals, transfer values truncated (Droop variant
	// scotland-fixed-p5-d5). Method name "stv-scottish".
	Scottish = Rule{name: "stv-scottish", display: "Scottish STV", kind: kindScottish, prec: 5}
	// WIGMPRF is the PR Foundation reference WIGM rule with single defeats
	// (Droop variant wigm-prf-fixed-p4-d4). Method name "stv-wigm-prf".
	WIGMPRF = Rule{name: "stv-wigm-prf", display: "PR Foundation WIGM reference (single defeat)", kind: kindWIGMPRF, prec: 4}
	// WIGMPRFBatch is the PR Foundation reference WIGM rule with the
	// optional batch defeat of sure losers, step B.2 (Droop variant
	// wigm-prf-batch-fixed-p4-d4). Method name "stv-wigm-prf-batch".
	WIGMPRFBatch = Rule{name: "stv-wigm-prf-batch", display: "PR Foundation WIGM reference (defeat sure losers)", kind: kindWIGMPRFBatch, prec: 4}
	// MeekPRF is the PR Foundation reference Meek rule: fixed point with 9
	// decimals, omega 0.000001 (Droop variant meek-prf-o6-fixed-p9-d9).
	// Method name "stv-meek-prf".
	MeekPRF = Rule{name: "stv-meek-prf", display: "PR Foundation Meek reference", kind: kindMeekPRF, prec: 9}
)

// Name returns the rule's method name as Result.Method spells it.
func (r Rule) Name() string { return r.name }

// Precision returns the number of decimals of the rule's arithmetic, which
// is also the precision of every figure in its Result.
func (r Rule) Precision() int { return r.prec }

// Rules lists every rule of the package, for CLIs and tests.
func Rules() []Rule { return []Rule{Scottish, WIGMPRF, WIGMPRFBatch, MeekPRF} }

// RuleByName returns the rule whose Name is name.
func RuleByName(name string) (Rule, bool) {
	for _, r := range Rules() {
		if r.name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// Options are the inputs of a count besides the contest.
type Options struct {
	// TieOrder is the predetermined tie-break order ("lot"): candidate ids,
	// earliest first, each candidate exactly once (a BLT file's [tie]
	// line). When a tie survives the rule's own tie-break steps, the
	// candidate earliest in this order is chosen.
	TieOrder []int
	// Seed seeds the pseudo-random tie-break order used when TieOrder is
	// empty. It is written to Result.Seed when a random tie-break was
	// needed.
	Seed *int64
}

// ErrSeedRequired is returned (wrapped, together with tally.ErrInvalid)
// when a tie must be broken by lot and neither Options.TieOrder nor
// Options.Seed was given.
var ErrSeedRequired = errors.New("a tie must be broken by lot: a seed (or a tie-break order) is required")

// Count counts contest c under rule. It returns an error wrapping
// tally.ErrInvalid when the contest does not validate, when the rule is
// unknown, when opts.TieOrder is not a permutation of the candidates, when
// a ballot ranks candidates equal under a rule that has no provision for
// it (Scottish and WIGM), when the number of ballots exceeds the
// fixed-point range, or (wrapping ErrSeedRequired too) when lot is needed
// and neither a tie order nor a seed was given. Ballots that rank no
// continuing candidate (empty, or only withdrawn candidates) are not valid
// votes: they count neither toward the quota nor as exhausted.
func Count(c tally.Contest, rule Rule, opts Options) (tally.Result, error) {
	if err := c.Validate(); err != nil {
		return tally.Result{}, err
	}
	if rule.kind == 0 {
		return tally.Result{}, tally.Invalidf("unknown STV rule")
	}
	f := newFixed(rule.prec)
	p, err := prepare(c, rule, f)
	if err != nil {
		return tally.Result{}, err
	}
	lot, err := newLot(len(c.Candidates), opts)
	if err != nil {
		return tally.Result{}, err
	}
	var res tally.Result
	switch rule.kind {
	case kindMeekPRF:
		res, err = countMeek(p, rule, f, lot)
	default:
		res, err = countWIGM(p, rule, f, lot)
	}
	if err != nil {
		return tally.Result{}, err
	}
	if f.err != nil {
		return tally.Result{}, tally.Invalidf("%s: %v: the contest is too large for %d-decimal arithmetic", rule.display, f.err, rule.prec)
	}
	if lot.usedRandom {
		seed := *opts.Seed
		res.Seed = &seed
	}
	return res, nil
}

func seedError(purpose string) error {
	return fmt.Errorf("%w: %w (tie for %s)", tally.ErrInvalid, ErrSeedRequired, purpose)
}
