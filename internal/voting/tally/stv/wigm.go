package stv

import (
	"fmt"
	"slices"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// wigm counts the weighted inclusive Gregory rules: Scottish STV and the
// PR Foundation reference WIGM (single or batch defeat).
//
// Each group of identical ballots travels as one parcel: its papers always
// share a next preference and a value, so a per-paper value times the
// group's weight is exactly what per-paper counting gives. The value lost
// to truncation of transfer values is the residue; at every point
// sum(votes) + exhausted + residue = valid ballots, exactly.
type wigm struct {
	p    *prepared
	rule Rule
	f    *fixed
	lot  *lot
	rec  *recorder

	st        []status
	vote      []int64
	pile      [][]int32 // groups currently credited to each candidate
	pos       []int32   // each group's current preference
	val       []int64   // each group's per-paper value
	quota     int64
	exhausted int64
	residue   int64
	nHopeful  int
	nElected  int       // elected or pending
	history   [][]int64 // Scottish: every candidate's votes at the start of each stage
}

func countWIGM(p *prepared, rule Rule, f *fixed, l *lot) (tally.Result, error) {
	n := len(p.names)
	e := &wigm{
		p: p, rule: rule, f: f, lot: l,
		st:   make([]status, n),
		vote: make([]int64, n),
		pile: make([][]int32, n),
		pos:  make([]int32, len(p.groups)),
		val:  make([]int64, len(p.groups)),
	}
	for c := range n {
		if p.withdrawn[c] {
			e.st[c] = withdrawn
		} else {
			e.nHopeful++
		}
	}
	e.rec = newRecorder(rule.name, p.seats, f, p.names, e.st)
	if rule.kind == kindScottish {
		// Rule 46: valid papers / (seats+1), decimals ignored, plus one.
		e.quota = f.whole(p.total/int64(p.seats+1) + 1)
	} else {
		// A.1: valid ballots / (seats+1) (truncated), plus 0.0001.
		e.quota = f.div(f.whole(p.total), f.whole(int64(p.seats+1)), false) + 1
	}
	e.rec.res.Quota = f.format(e.quota)
	for gi := range p.groups {
		e.val[gi] = f.one
		e.move(int32(gi), nil)
	}
	e.rec.start(e.vote, e.exhausted, "")
	var err error
	if rule.kind == kindScottish {
		err = e.runScottish()
	} else {
		err = e.runPRF()
	}
	if err != nil {
		return tally.Result{}, err
	}
	e.finish()
	return e.rec.res, nil
}

func (e *wigm) seatsLeft() int { return e.p.seats - e.nElected }

func (e *wigm) complete() bool {
	return e.seatsLeft() <= 0 || e.nHopeful <= e.seatsLeft()
}

// runScottish follows rules 45-52 of the 2007 Order.
func (e *wigm) runScottish() error {
	for {
		e.electQuota()
		if e.complete() {
			return nil
		}
		e.history = append(e.history, slices.Clone(e.vote))
		if pend := e.withStatus(pending); len(pend) > 0 {
			c, err := e.pick(pend, true, "largest surplus")
			if err != nil {
				return err
			}
			e.transferSurplus(c)
			e.nextRound()
			continue
		}
		c, err := e.pick(e.withStatus(hopeful), false, "defeat low candidate")
		if err != nil {
			return err
		}
		e.defeat([]int{c})
		e.nextRound()
		if e.complete() {
			return nil
		}
	}
}

// runPRF follows steps B.1-B.4 of the PR Foundation reference WIGM rule.
func (e *wigm) runPRF() error {
	for e.nHopeful > e.seatsLeft() && e.seatsLeft() > 0 {
		e.electQuota()
		if e.rule.kind == kindWIGMPRFBatch {
			if losers := e.sureLosers(); len(losers) > 0 {
				slices.Sort(losers)
				for _, c := range losers {
					e.st[c] = defeated
					e.nHopeful--
					e.rec.eliminate(c)
				}
				if e.nHopeful <= e.seatsLeft() {
					e.rec.cur.Note = "sure losers defeated; count complete, so their votes are not transferred"
					e.nextRound()
					return nil
				}
				for _, c := range losers {
					e.transferDefeated(c)
				}
				e.rec.cur.Note = "sure losers defeated"
				e.nextRound()
				continue
			}
		}
		if pend := e.withStatus(pending); len(pend) > 0 {
			c, err := e.pick(pend, true, "surplus")
			if err != nil {
				return err
			}
			e.transferSurplus(c)
		} else {
			c, err := e.pick(e.withStatus(hopeful), false, "defeat")
			if err != nil {
				return err
			}
			e.defeat([]int{c})
		}
		e.nextRound()
	}
	return nil
}

// finish elects pending candidates, then elects the remaining hopeful
// candidates if seats are left, or defeats them.
func (e *wigm) finish() {
	for c := range e.st {
		if e.st[c] == pending {
			e.st[c] = elected
		}
	}
	for c := range e.st {
		if e.st[c] != hopeful {
			continue
		}
		if e.nElected < e.p.seats {
			e.st[c] = elected
			e.nElected++
			e.rec.elect(c)
		} else {
			e.st[c] = defeated
			e.rec.eliminate(c)
		}
		e.nHopeful--
	}
	e.rec.end()
}

func (e *wigm) nextRound() {
	e.rec.end()
	e.rec.start(e.vote, e.exhausted, "")
}

func (e *wigm) withStatus(s status) []int {
	var out []int
	for c, cs := range e.st {
		if cs == s {
			out = append(out, c)
		}
	}
	return out
}

// electQuota sets every hopeful candidate with a quota to pending, highest
// vote first (equal votes: later on the ballot paper first, as Droop).
func (e *wigm) electQuota() {
	var winners []int
	for c, s := range e.st {
		if s == hopeful && e.vote[c] >= e.quota {
			winners = append(winners, c)
		}
	}
	slices.SortFunc(winners, func(a, b int) int {
		if e.vote[a] != e.vote[b] {
			if e.vote[a] > e.vote[b] {
				return -1
			}
			return 1
		}
		return b - a
	})
	for _, c := range winners {
		e.st[c] = pending
		e.nHopeful--
		e.nElected++
		e.rec.elect(c)
	}
}

// pick returns the candidate with the highest (or lowest) vote among cands,
// breaking a tie as the rule prescribes.
func (e *wigm) pick(cands []int, highest bool, purpose string) (int, error) {
	best := cands[0]
	for _, c := range cands[1:] {
		if (highest && e.vote[c] > e.vote[best]) || (!highest && e.vote[c] < e.vote[best]) {
			best = c
		}
	}
	var tied []int
	for _, c := range cands {
		if e.vote[c] == e.vote[best] {
			tied = append(tied, c)
		}
	}
	if len(tied) == 1 {
		return best, nil
	}
	if e.rule.kind == kindScottish {
		// Rules 49(2) and 51(2): the most recent preceding stage at which
		// the tied candidates had unequal votes decides.
		list := tied
		for s := len(e.history) - 1; s >= 0; s-- {
			h := e.history[s]
			ext := h[list[0]]
			for _, c := range list[1:] {
				if (highest && h[c] > ext) || (!highest && h[c] < ext) {
					ext = h[c]
				}
			}
			var next []int
			for _, c := range list {
				if h[c] == ext {
					next = append(next, c)
				}
			}
			list = next
			if len(list) == 1 {
				e.rec.tie(tied, list[0], purpose+": votes at an earlier stage")
				return list[0], nil
			}
		}
		tied2 := list
		c, reason, err := e.lot.choose(tied2, purpose)
		if err != nil {
			return 0, err
		}
		e.rec.tie(tied, c, reason)
		return c, nil
	}
	c, reason, err := e.lot.choose(tied, purpose)
	if err != nil {
		return 0, err
	}
	e.rec.tie(tied, c, reason)
	return c, nil
}

// move credits group gi to its next hopeful preference, or to exhausted.
// It returns the receiving candidate, or -1.
func (e *wigm) move(gi int32, to map[int]int64) int {
	g := &e.p.groups[gi]
	pos := e.pos[gi]
	for int(pos) < len(g.cands) && e.st[g.cands[pos]] != hopeful {
		pos++
	}
	e.pos[gi] = pos
	v := e.f.times(e.val[gi], g.weight)
	dest := -1
	if int(pos) == len(g.cands) {
		e.exhausted = e.f.add(e.exhausted, v)
	} else {
		dest = int(g.cands[pos])
		e.vote[dest] = e.f.add(e.vote[dest], v)
		e.pile[dest] = append(e.pile[dest], gi)
	}
	if to != nil {
		to[dest] += v
	}
	return dest
}

// transferSurplus transfers the surplus of pending candidate c.
func (e *wigm) transferSurplus(c int) {
	f := e.f
	surplus := e.vote[c] - e.quota
	total := e.vote[c]
	e.st[c] = elected
	reweight := func(v int64) int64 {
		if e.rule.kind == kindScottish {
			// Rule 48(3): surplus x value / total, to five decimals, any
			// remainder ignored.
			return f.mulDiv(v, surplus, total, false)
		}
		// B.3 with D.4: truncate the product, then the quotient.
		return f.div(f.mul(v, surplus, false), total, false)
	}
	to := map[int]int64{}
	pile := e.pile[c]
	e.pile[c] = nil
	var moved int64
	for _, gi := range pile {
		e.val[gi] = reweight(e.val[gi])
		e.move(gi, to)
	}
	for _, v := range to {
		moved += v
	}
	lost := surplus - moved
	e.residue += lost
	e.vote[c] = e.quota
	tv := reweight(f.one)
	e.rec.transfer(c, to, lost, f.format(tv))
	e.rec.cur.Note = fmt.Sprintf("surplus of %s (%s) transferred", e.p.names[c], f.format(surplus))
}

// defeat excludes the candidates and transfers their ballots at their
// current values.
func (e *wigm) defeat(cs []int) {
	for _, c := range cs {
		e.st[c] = defeated
		e.nHopeful--
		e.rec.eliminate(c)
	}
	for _, c := range cs {
		e.transferDefeated(c)
	}
	if len(cs) == 1 {
		e.rec.cur.Note = fmt.Sprintf("%s excluded", e.p.names[cs[0]])
	}
}

func (e *wigm) transferDefeated(c int) {
	to := map[int]int64{}
	pile := e.pile[c]
	e.pile[c] = nil
	for _, gi := range pile {
		e.move(gi, to)
	}
	e.vote[c] = 0
	e.rec.transfer(c, to, 0, "")
}

// sureLosers implements step B.2 of the PR Foundation WIGM rule: the
// largest set of lowest hopeful candidates, not splitting candidates whose
// votes are within the total surplus of each other, whose votes plus all
// surpluses are below the lowest vote outside the set, leaving enough
// hopeful candidates to fill the seats.
func (e *wigm) sureLosers() []int {
	var surplus int64
	for c, s := range e.st {
		if s == pending {
			surplus += e.vote[c] - e.quota
		}
	}
	sorted := e.withStatus(hopeful)
	slices.SortStableFunc(sorted, func(a, b int) int {
		switch {
		case e.vote[a] < e.vote[b]:
			return -1
		case e.vote[a] > e.vote[b]:
			return 1
		}
		return a - b
	})
	var groups [][]int
	var grp []int
	var base int64
	for _, c := range sorted {
		if base+surplus >= e.vote[c] {
			grp = append(grp, c)
			continue
		}
		if len(grp) > 0 {
			groups = append(groups, grp)
		}
		grp = []int{c}
		base = e.vote[c]
	}
	if len(grp) > 0 {
		groups = append(groups, grp)
	}
	maxDefeat := e.nHopeful - e.seatsLeft()
	maxg := -1
	ncand := 0
	var sum int64
	for g := 0; g < len(groups)-1; g++ {
		ncand += len(groups[g])
		if ncand > maxDefeat {
			break
		}
		for _, c := range groups[g] {
			sum += e.vote[c]
		}
		if sum+surplus < e.vote[groups[g+1][0]] {
			maxg = g
		}
	}
	var batch []int
	for g := 0; g <= maxg; g++ {
		batch = append(batch, groups[g]...)
	}
	return batch
}
