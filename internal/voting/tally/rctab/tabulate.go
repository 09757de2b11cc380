package rctab

import (
	"slices"
)

// Tabulate reads the config's CVR files and counts the contest with its
// rules. For winnerElectionMode multiPassIrv it runs one single-winner pass
// per seat, each excluding the earlier passes' winners, and returns the
// first pass's report with every pass in Report.Passes. Errors wrap
// tally.ErrInvalid for bad CVRs (naming file, line and problem) and for
// counts RCTab would abort (everyone below the minimum threshold, a random
// tie without a seed); file-system errors are returned wrapped.
func (c *Config) Tabulate() (*Report, error) {
	res := newResolver(c)
	ballots, err := readSources(c, res)
	if err != nil {
		return nil, err
	}
	return c.tabulateBallots(res, ballots)
}

func (c *Config) baseRules(res *resolver) *rules {
	r := &rules{
		numWinners:        c.NumberOfWinners,
		mode:              c.Rules.WinnerElectionMode,
		tiebreak:          c.Rules.TiebreakMode,
		overvote:          c.Rules.OvervoteRule,
		decimals:          c.Decimals,
		maxRankings:       c.MaxRankings,
		maxSkipped:        c.MaxSkippedRanks,
		minThreshold:      c.MinimumVoteThresh,
		stopAfter:         c.StopAfterRound,
		batch:             c.Rules.BatchElimination,
		continueUntilTwo:  c.Rules.ContinueUntilTwoCandidatesRemain,
		firstRoundThresh:  c.Rules.DoesFirstRoundDetermineThreshold,
		hare:              c.Rules.HareQuota,
		nonInteger:        c.Rules.NonIntegerWinningThreshold,
		exhaustOnDup:      c.Rules.ExhaustOnDuplicateCandidate,
		cutoff:            c.Rules.CutoffElimination,
		bottomsUpFraction: c.BottomsUpThreshold,
		seed:              c.RandomSeed,
		numDeclared:       c.numDeclaredCandidates(),
	}
	for i, cand := range c.Candidates {
		key := cand.Code
		if key == "" {
			key = cand.Name
		}
		r.permutationKeys = append(r.permutationKeys, key)
		r.permutationIDs = append(r.permutationIDs, int32(i))
	}
	_ = res
	return r
}

func (c *Config) reportConfig() ReportConfig {
	return ReportConfig{
		Contest:      c.Output.ContestName,
		Date:         c.Output.ContestDate,
		GeneratedBy:  GeneratedBy,
		Jurisdiction: c.Output.ContestJurisdiction,
		Office:       c.Output.ContestOffice,
	}
}

func (c *Config) tabulateBallots(res *resolver, ballots []ballot) (*Report, error) {
	excluded := make([]bool, len(res.names))
	for i, cand := range c.Candidates {
		excluded[i] = cand.Excluded
	}
	r := c.baseRules(res)
	if r.mode != ModeMultiPassIRV {
		e := newEngine(r, res.names, res.uwi, excluded, ballots)
		if err := e.run(); err != nil {
			return nil, err
		}
		return e.buildReport(c.reportConfig()), nil
	}
	var passes []*Report
	seats := r.numWinners
	for pass := 0; pass < seats; pass++ {
		pr := *r
		pr.numWinners = 1
		pr.mode = ModeSingleWinnerMajority
		e := newEngine(&pr, res.names, res.uwi, slices.Clone(excluded), ballots)
		if err := e.run(); err != nil {
			return nil, err
		}
		rep := e.buildReport(c.reportConfig())
		passes = append(passes, rep)
		if len(e.winOrder) == 0 {
			break
		}
		for _, w := range e.winOrder {
			excluded[w] = true
		}
		if slices.Index(excluded, false) < 0 {
			break
		}
	}
	passes[0].Passes = passes
	return passes[0], nil
}
