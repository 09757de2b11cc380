package count

import (
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/stv"
)

// countSTV counts by one of package stv's rules.
func countSTV(method string, c tally.Contest, opts Options) (tally.Result, error) {
	rule, ok := stv.RuleByName(method)
	if !ok {
		return tally.Result{}, tally.Invalidf("unknown STV rule %q", method)
	}
	return stv.Count(c, rule, stv.Options{Seed: opts.Seed, TieOrder: opts.TieOrder})
}
