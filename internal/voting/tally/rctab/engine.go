package rctab

import (
	"slices"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Ballot status in a round, as RCTab's StatusForRound.
type status int

const (
	stActive status = iota
	stNoRankings
	stOvervote
	stSkipped
	stRepeated
	stExhausted
	stFinalSurplus
	nStatus
)

// rules is what the engine needs from a config, so that IRV can drive the
// same engine without an RCTab config file.
type rules struct {
	numWinners         int
	mode               string
	tiebreak           string
	overvote           string
	decimals           int32
	maxRankings        int
	maxSkipped         int
	minThreshold       Dec
	stopAfter          int
	batch              bool
	continueUntilTwo   bool
	firstRoundThresh   bool
	hare               bool
	nonInteger         bool
	exhaustOnDup       bool
	cutoff             bool
	bottomsUpFraction  *Dec
	seed               *int64
	permutationKeys    []string // tie-break order keys (code or name), candidate order
	permutationIDs     []int32
	numDeclared        int
	requireSeedForRand bool // IRV: error instead of drawing when no seed
}

type bstate struct {
	b         *ballot
	ftv       Dec // fractional transfer value: what is left of the ballot
	alloc     []allocation
	recipient int32
	st        status
}

type allocation struct {
	cand int32
	v    Dec
}

// roundTally is one round's figures.
type roundTally struct {
	number    int
	present   []bool // candidate has an entry in this round's tally
	order     []int32
	tally     []Dec
	statuses  [nStatus]Dec
	threshold Dec
}

type engine struct {
	r         *rules
	names     []string
	uwi       int32
	excluded  []bool
	ballots   []bstate
	wonRound  []int
	elimRound []int
	winOrder  []int32
	elimOrder []int32
	rounds    []*roundTally
	residual  []Dec
	// transfers[round][from][to] where to is a candidate name, "exhausted"
	// or "residual surplus".
	transfers map[int]map[int32]map[string]Dec
	rng       *javaRandom
	perm      []int32
	tieBreaks []tally.TieBreak
	usedRand  bool
	round     int
}

func newEngine(r *rules, names []string, uwi int32, excluded []bool, ballots []ballot) *engine {
	e := &engine{r: r, names: names, uwi: uwi, excluded: excluded,
		wonRound: make([]int, len(names)), elimRound: make([]int, len(names)),
		transfers: map[int]map[int32]map[string]Dec{}}
	e.ballots = make([]bstate, len(ballots))
	for i := range ballots {
		e.ballots[i] = bstate{b: &ballots[i], ftv: decInt(1), recipient: -1}
	}
	e.perm = slices.Clone(r.permutationIDs)
	if r.seed != nil {
		e.rng = newJavaRandom(*r.seed)
		if r.tiebreak == TieGeneratePermutation {
			keys := map[int32]string{}
			for i, id := range r.permutationIDs {
				keys[id] = r.permutationKeys[i]
			}
			slices.SortStableFunc(e.perm, func(a, b int32) int { return javaCompareStrings(keys[a], keys[b]) })
			javaShuffle(e.perm, e.rng)
		}
	}
	return e
}

func (e *engine) numWon() int { return len(e.winOrder) }

// numCandidates counts the candidates taking part: declared candidates and
// the undeclared write-in placeholder, less excluded ones.
func (e *engine) numCandidates() int {
	n := 0
	for _, x := range e.excluded {
		if !x {
			n++
		}
	}
	return n
}
func (e *engine) numElim() int { return len(e.elimOrder) }

func (e *engine) continuing(c int32) bool {
	if c < 0 || e.excluded[c] {
		return false
	}
	if e.wonRound[c] > 0 {
		return e.r.continueUntilTwo
	}
	return e.elimRound[c] == 0
}

func (e *engine) bottomsUpPct() bool { return e.r.mode == ModeBottomsUpPercentage }
func (e *engine) bottomsUp() bool    { return e.r.mode == ModeBottomsUp }
func (e *engine) usesSurpluses() bool {
	return e.r.numWinners > 1 && !e.bottomsUp()
}

func (e *engine) anyContinuing() bool {
	for c := range e.names {
		if e.continuing(int32(c)) {
			return true
		}
	}
	return false
}

func (e *engine) shouldContinue() bool {
	if e.r.stopAfter > 0 && e.round >= e.r.stopAfter {
		return false
	}
	if e.r.continueUntilTwo {
		return e.numElim()+e.numWon()+1 < e.numCandidates() || (e.round > 0 && slices.ContainsFunc(e.elimOrder, func(c int32) bool { return e.elimRound[c] == e.round }))
	}
	if e.bottomsUpPct() {
		return e.numWon() == 0
	}
	if e.numWon() < e.r.numWinners {
		return e.anyContinuing()
	}
	return e.r.numWinners > 1 && e.round > 0 && e.wonIn(e.round) && !e.bottomsUp()
}

func (e *engine) wonIn(round int) bool {
	for _, c := range e.winOrder {
		if e.wonRound[c] == round {
			return true
		}
	}
	return false
}

// run counts to the end.
func (e *engine) run() error {
	for e.shouldContinue() {
		e.round++
		rt, err := e.computeTallies()
		if err != nil {
			return err
		}
		e.rounds = append(e.rounds, rt)
		if e.round == 1 {
			e.residual = append(e.residual, Dec{})
		} else {
			e.residual = append(e.residual, e.residual[e.round-2])
		}
		// Multi-seat thresholds come from round 1; a single-seat threshold
		// is recomputed each round until a winner is declared (after that,
		// with continueUntilTwoCandidatesRemain, it stays frozen).
		recompute := e.round == 1
		if e.r.numWinners <= 1 && !e.r.firstRoundThresh && e.numWon() == 0 {
			recompute = true
		}
		if recompute {
			e.setThreshold(rt)
		} else {
			rt.threshold = e.rounds[e.round-2].threshold
		}
		winners, err := e.identifyWinners(rt)
		if err != nil {
			return err
		}
		if len(winners) > 0 {
			for _, w := range winners {
				e.wonRound[w] = e.round
				e.winOrder = append(e.winOrder, w)
			}
			if e.r.numWinners > 1 && !e.bottomsUp() {
				for _, w := range winners {
					e.distributeSurplus(rt, w)
				}
			}
		} else if e.numWon() < e.r.numWinners ||
			(e.r.continueUntilTwo && e.numElim() < e.numCandidates()-2) || e.bottomsUpPct() {
			elim, err := e.eliminate(rt)
			if err != nil {
				return err
			}
			if len(elim) == 0 {
				return tally.Invalidf("round %d: no candidate could be eliminated", e.round)
			}
			for _, c := range elim {
				e.elimRound[c] = e.round
				e.elimOrder = append(e.elimOrder, c)
			}
		}
		if e.r.numWinners > 1 {
			e.updateWinnerTallies(rt)
		}
	}
	return nil
}

func (e *engine) newRoundTally() *roundTally {
	n := len(e.names)
	rt := &roundTally{number: e.round, present: make([]bool, n), tally: make([]Dec, n)}
	var keys []string
	for c := range e.names {
		if e.continuing(int32(c)) {
			rt.present[c] = true
			keys = append(keys, e.names[c])
		}
	}
	rt.order = e.hashOrderIDs(keys, hashMapCapacity(len(keys)))
	return rt
}

// hashOrderIDs maps names (in insertion order) to ids in HashMap order.
func (e *engine) hashOrderIDs(keys []string, capacity int) []int32 {
	idx := make(map[string]int32, len(e.names))
	for i, n := range e.names {
		idx[n] = int32(i)
	}
	ordered := javaHashOrder(keys, capacity)
	out := make([]int32, len(ordered))
	for i, k := range ordered {
		out[i] = idx[k]
	}
	return out
}

func (e *engine) addTransfer(from int32, to string, v Dec) {
	if from < 0 {
		return
	}
	byFrom := e.transfers[e.round]
	if byFrom == nil {
		byFrom = map[int32]map[string]Dec{}
		e.transfers[e.round] = byFrom
	}
	m := byFrom[from]
	if m == nil {
		m = map[string]Dec{}
		byFrom[from] = m
	}
	if old, ok := m[to]; ok {
		m[to] = old.Add(v)
	} else {
		m[to] = v
	}
}

// record moves a ballot to a candidate (to >= 0) or makes it inactive.
func (e *engine) record(rt *roundTally, bs *bstate, to int32, st status) {
	val := bs.ftv.MulInt(bs.b.weight)
	if bs.ftv.Sign() > 0 {
		target := "exhausted"
		if to >= 0 {
			target = e.names[to]
		}
		e.addTransfer(bs.recipient, target, val)
	}
	bs.recipient = to
	if to < 0 {
		if st != stNoRankings && e.r.numWinners > 1 && !e.bottomsUp() && e.numWon() >= e.r.numWinners {
			st = stFinalSurplus
		}
		bs.st = st
	}
	if st != stActive {
		rt.statuses[st] = rt.statuses[st].Add(val)
	}
}

type ovDecision int

const (
	ovNone ovDecision = iota
	ovExhaust
	ovSkip
)

func (e *engine) overvoteDecision(cands []int32) (ovDecision, error) {
	if slices.Contains(cands, overvoteID) {
		if len(cands) != 1 {
			return 0, tally.Invalidf("round %d: overvote label found together with candidates at one rank", e.round)
		}
		switch e.r.overvote {
		case OvervoteExhaustImmediately:
			return ovExhaust, nil
		case OvervoteAlwaysSkip:
			return ovSkip, nil
		}
		return 0, tally.Invalidf("overvote label cannot be used with overvoteRule %q", e.r.overvote)
	}
	if len(cands) <= 1 {
		return ovNone, nil
	}
	switch e.r.overvote {
	case OvervoteExhaustImmediately:
		return ovExhaust, nil
	case OvervoteAlwaysSkip:
		return ovSkip, nil
	}
	n := 0
	for _, c := range cands {
		if e.continuing(c) {
			n++
			if n > 1 {
				return ovExhaust, nil
			}
		}
	}
	return ovNone, nil
}

func (e *engine) computeTallies() (*roundTally, error) {
	rt := e.newRoundTally()
	seen := make([]bool, len(e.names)+1)
	// Once every seat of a multi-seat contest is filled, the extra round
	// that shows the last surpluses moves no vote to anyone: what cannot
	// stay with a winner is final-round surplus.
	allFilled := e.usesSurpluses() && e.numWon() >= e.r.numWinners
	for i := range e.ballots {
		bs := &e.ballots[i]
		if bs.st != stActive {
			rt.statuses[bs.st] = rt.statuses[bs.st].Add(bs.ftv.MulInt(bs.b.weight))
			continue
		}
		if bs.recipient >= 0 && e.continuing(bs.recipient) {
			v := bs.ftv.MulInt(bs.b.weight)
			rt.tally[bs.recipient] = rt.tally[bs.recipient].Add(v)
			rt.statuses[stActive] = rt.statuses[stActive].Add(v)
			continue
		}
		ranks := bs.b.ranks
		if len(ranks) == 0 {
			e.record(rt, bs, -1, stNoRankings)
			continue
		}
		maxRank := ranks[len(ranks)-1].rank
		last := 0
		clear(seen)
		selected := int32(-1)
		for _, rs := range ranks {
			if e.r.maxSkipped != unlimited && rs.rank-last > e.r.maxSkipped+1 {
				e.record(rt, bs, -1, stSkipped)
				break
			}
			last = rs.rank
			if e.r.exhaustOnDup {
				dup := false
				for _, c := range rs.cands {
					k := int(c)
					if c == overvoteID {
						k = len(e.names)
					}
					if seen[k] {
						dup = true
						break
					}
					seen[k] = true
				}
				if dup {
					e.record(rt, bs, -1, stRepeated)
					break
				}
			}
			d, err := e.overvoteDecision(rs.cands)
			if err != nil {
				return nil, err
			}
			if d == ovExhaust {
				e.record(rt, bs, -1, stOvervote)
				break
			}
			if d == ovSkip {
				if rs.rank == maxRank {
					e.record(rt, bs, -1, stExhausted)
				}
				continue
			}
			for _, c := range rs.cands {
				if !allFilled && e.continuing(c) {
					selected = c
					break
				}
			}
			if selected >= 0 {
				e.record(rt, bs, selected, stActive)
				v := bs.ftv.MulInt(bs.b.weight)
				rt.tally[selected] = rt.tally[selected].Add(v)
				rt.statuses[stActive] = rt.statuses[stActive].Add(v)
				break
			}
			if rs.rank == maxRank {
				// RCTab once counted a ballot that stops ranking early as an
				// undervote here; its 2.0 reports count it as exhausted choices.
				e.record(rt, bs, -1, stExhausted)
			}
		}
	}
	return rt, nil
}

func (e *engine) setThreshold(rt *roundTally) {
	total := rt.statuses[stActive]
	var th Dec
	if e.bottomsUpPct() {
		th = total.MulExact(*e.r.bottomsUpFraction)
	} else {
		div := int64(e.r.numWinners + 1)
		if e.r.hare {
			div = int64(e.r.numWinners)
		}
		var dec int32
		if e.r.nonInteger {
			dec = e.r.decimals
		}
		if e.r.hare {
			th = total.Div(decInt(div), dec, roundUp)
		} else {
			th = total.Div(decInt(div), dec, roundDown).Add(Dec{V: 1, S: dec})
		}
	}
	if e.r.minThreshold.Sign() > 0 && e.r.minThreshold.Cmp(th) > 0 {
		th = e.r.minThreshold
	}
	rt.threshold = th
}

// groups returns the round's candidates grouped by tally, ascending, each
// group in HashMap order (as RCTab's TreeMap of LinkedLists).
func groups(rt *roundTally, cands []int32) [][]int32 {
	var out [][]int32
	for _, c := range cands {
		i, found := slices.BinarySearchFunc(out, rt.tally[c], func(g []int32, v Dec) int { return rt.tally[g[0]].Cmp(v) })
		if found {
			out[i] = append(out[i], c)
		} else {
			out = slices.Insert(out, i, []int32{c})
		}
	}
	return out
}

func (rt *roundTally) numActive() int {
	n := 0
	for _, p := range rt.present {
		if p {
			n++
		}
	}
	return n
}

func (e *engine) identifyWinners(rt *roundTally) ([]int32, error) {
	if e.uwi >= 0 && rt.present[e.uwi] && rt.tally[e.uwi].Sign() != 0 {
		return nil, nil
	}
	gs := groups(rt, rt.order)
	var sel []int32
	if e.bottomsUpPct() {
		all := true
		for _, c := range rt.order {
			if rt.tally[c].Cmp(rt.threshold) <= 0 {
				all = false
			}
		}
		if all {
			sel = slices.Clone(rt.order)
		}
		return sel, nil
	}
	unfilled := e.r.numWinners - e.numWon()
	active := rt.numActive()
	if unfilled > 0 {
		switch {
		case active <= unfilled:
			sel = slices.Clone(rt.order)
		case e.r.firstRoundThresh && active-1 == e.r.numWinners:
			sel = slices.Clone(gs[len(gs)-1])
		case !e.bottomsUp():
			for _, g := range gs {
				if rt.tally[g[0]].Cmp(rt.threshold) >= 0 {
					for _, c := range g {
						if c != e.uwi {
							sel = append(sel, c)
						}
					}
				}
			}
		}
	}
	multi := len(sel) > 1 && (e.r.mode == ModeMultiOnePerRound || e.r.firstRoundThresh)
	none := e.r.numWinners == 1 && len(sel) == 0 && active == 2 && unfilled == 1
	if none {
		for _, g := range gs {
			if rt.tally[g[0]].Cmp(e.r.minThreshold) < 0 {
				none = false
			}
		}
	}
	if multi || none {
		top := gs[len(gs)-1]
		sel = slices.Clone(top)
		if len(sel) > 1 {
			w, err := e.breakTie(true, sel, rt)
			if err != nil {
				return nil, err
			}
			sel = []int32{w}
		}
	}
	return sel, nil
}

func (e *engine) distributeSurplus(rt *roundTally, w int32) {
	votes := rt.tally[w]
	extra := votes.Sub(rt.threshold)
	frac := Dec{}
	if extra.Sign() > 0 {
		frac = extra.Div(votes, e.r.decimals, roundDown)
	}
	for i := range e.ballots {
		bs := &e.ballots[i]
		if bs.st != stActive || bs.recipient != w {
			continue
		}
		move := bs.ftv.Mul(frac, e.r.decimals)
		keep := bs.ftv.Sub(move)
		bs.alloc = append(bs.alloc, allocation{cand: w, v: keep})
		ftv := decInt(1)
		for _, a := range bs.alloc {
			ftv = ftv.Sub(a.v)
		}
		bs.ftv = ftv
	}
}

func (e *engine) updateWinnerTallies(rt *roundTally) {
	var compute []int32
	for _, w := range e.winOrder {
		wr := e.wonRound[w]
		if wr == e.round {
			continue
		}
		rt.present[w] = true
		if wr == e.round-1 {
			rt.tally[w] = Dec{}
			compute = append(compute, w)
		} else {
			rt.tally[w] = e.rounds[e.round-2].tally[w]
		}
	}
	if len(compute) == 0 {
		return
	}
	for i := range e.ballots {
		bs := &e.ballots[i]
		for _, a := range bs.alloc {
			if e.wonRound[a.cand] == e.round-1 {
				rt.tally[a.cand] = rt.tally[a.cand].Add(a.v.MulInt(bs.b.weight))
			}
		}
	}
	for _, w := range compute {
		res := rt.tally[w].Sub(rt.threshold)
		if res.Sign() > 0 {
			e.residual[e.round-1] = e.residual[e.round-1].Add(res)
			rt.tally[w] = rt.threshold
			e.addTransfer(w, "residual surplus", res)
		}
	}
}

func (e *engine) eliminate(rt *roundTally) ([]int32, error) {
	if e.uwi >= 0 && rt.present[e.uwi] && rt.tally[e.uwi].Sign() > 0 {
		return []int32{e.uwi}, nil
	}
	gs := groups(rt, rt.order)
	if len(gs) == 0 {
		return nil, nil
	}
	if min := e.r.minThreshold; min.Sign() > 0 && rt.tally[gs[0][0]].Cmp(min) < 0 {
		var out []int32
		for _, g := range gs {
			if rt.tally[g[0]].Cmp(min) >= 0 {
				break
			}
			out = append(out, g...)
		}
		if len(out) == e.r.numDeclared {
			return nil, tally.Invalidf("round %d: every declared candidate is below the minimum vote threshold %s", e.round, min)
		}
		return out, nil
	}
	if e.bottomsUpPct() && e.r.cutoff {
		// cutoffElimination: drop at once everyone below the threshold.
		var out []int32
		for _, g := range gs {
			if rt.tally[g[0]].Cmp(rt.threshold) < 0 {
				out = append(out, g...)
			}
		}
		if len(out) > 0 && len(out) < rt.numActive() {
			return out, nil
		}
	}
	if e.r.batch {
		if out := e.batchEliminate(rt, gs); len(out) > 1 {
			return out, nil
		}
	}
	low := gs[0]
	if len(low) == 1 {
		return low, nil
	}
	c, err := e.breakTie(false, slices.Clone(low), rt)
	if err != nil {
		return nil, err
	}
	return []int32{c}, nil
}

func (e *engine) batchEliminate(rt *roundTally, gs [][]int32) []int32 {
	running := Dec{}
	var seen, elim, prev []int32
	done := map[int32]bool{}
	for _, g := range gs {
		v := rt.tally[g[0]]
		next := slices.Clone(elim)
		if running.Cmp(v) < 0 {
			for _, c := range seen {
				if !done[c] {
					done[c] = true
					next = append(next, c)
				}
			}
		}
		running = running.Add(v.Mul(decInt(int64(len(g))), e.r.decimals))
		seen = append(seen, g...)
		if len(next) > len(elim) {
			prev = elim
			elim = next
		}
	}
	if e.r.continueUntilTwo && len(elim)+e.numElim() == e.numCandidates()-1 {
		elim = prev
	}
	return elim
}
