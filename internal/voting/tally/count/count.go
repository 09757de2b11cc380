// Package count is the single entry point that counts a tally.Contest by a
// method named as the CLI and the election service spell it, so both stay
// in step with the methods the engine knows.
package count

import (
	"slices"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/rctab"
)

// Options are the inputs of a count besides the contest and the method.
// Each method reads only the options that apply to it.
type Options struct {
	// Seed drives every random tie-break (lot) and is recorded in the
	// Result when one was needed. When nil and a lot is needed, Count
	// fails with an error wrapping tally.ErrInvalid (and the method's
	// ErrSeedRequired).
	Seed *int64
	// TieOrder is a predetermined tie-break order (a BLT [tie] line):
	// every candidate id once, earliest first. Used by the STV rules; other
	// methods ignore it.
	TieOrder []int
	// ApprovalLimit is the most candidates an approval ballot may mark (0
	// for no limit).
	ApprovalLimit int
}

// The method names Count accepts.
const (
	Plurality   = "plurality"
	Approval    = "approval"
	IRV         = "irv"
	STVScottish = "stv-scottish"
	STVWIGMPRF  = "stv-wigm-prf"
	STVMeekPRF  = "stv-meek-prf"
	Schulze     = "schulze"
)

// Methods returns the method names Count accepts, in the order the CLI
// documents them.
func Methods() []string {
	return []string{Plurality, Approval, IRV, STVScottish, STVWIGMPRF, STVMeekPRF, Schulze}
}

// Count counts c by method: plurality and approval (tally.Plurality,
// tally.Approval), irv (RCTab's instant-runoff rules, rctab.IRV, with its
// default options), stv-scottish, stv-wigm-prf and stv-meek-prf (package
// stv), and schulze (tally.Schulze, winning votes). The Result's Method is
// the method name.
//
// Errors wrap tally.ErrInvalid: an unknown method (the message lists the
// known ones), an invalid contest, or whatever the method rejects (a lot
// without a seed, say).
func Count(method string, c tally.Contest, opts Options) (tally.Result, error) {
	switch method {
	case Plurality:
		return tally.Plurality(c, tally.PluralityOptions{Seed: opts.Seed})
	case Approval:
		return tally.Approval(c, tally.ApprovalOptions{Limit: opts.ApprovalLimit, Seed: opts.Seed})
	case IRV:
		return rctab.IRV(c, rctab.Options{Seed: opts.Seed})
	case STVScottish, STVWIGMPRF, STVMeekPRF:
		return countSTV(method, c, opts)
	case Schulze:
		return tally.Schulze(c, tally.SchulzeOptions{Seed: opts.Seed})
	}
	return tally.Result{}, tally.Invalidf("unknown method %q (want one of %s)", method, strings.Join(Methods(), ", "))
}

// Known reports whether method is a name Count accepts.
func Known(method string) bool { return slices.Contains(Methods(), method) }
