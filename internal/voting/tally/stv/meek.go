package stv

import (
	"fmt"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// meek counts the PR Foundation reference Meek rule.
//
// Every candidate has a keep factor kf: 1 while hopeful, 0 once defeated
// or withdrawn, and below 1 once elected. Each iteration passes every
// ballot down its ranking: a candidate keeps w*kf of the ballot's weight w
// (rounded up to 9 decimals) and the rest passes on. What no candidate
// keeps is the residual (exhausted votes plus rounding), so at every
// iteration sum(votes) + residual = valid ballots, exactly.
//
// Equal rankings (Meek only): the weight reaching a rank is split equally
// (truncated) among its continuing candidates, and what each does not keep
// passes on to the next rank, as Droop's Meek rules do; a rank with no
// continuing candidate passes the whole weight on.
type meek struct {
	p   *prepared
	f   *fixed
	lot *lot
	rec *recorder

	st       []status
	kf       []int64
	vote     []int64
	residual int64
	quota    int64
	nHopeful int
	nElected int
}

type meekStop int

const (
	stopElected meekStop = iota + 1
	stopOmega
	stopStable
)

func countMeek(p *prepared, rule Rule, f *fixed, l *lot) (tally.Result, error) {
	n := len(p.names)
	m := &meek{
		p: p, f: f, lot: l,
		st:   make([]status, n),
		kf:   make([]int64, n),
		vote: make([]int64, n),
	}
	for c := range n {
		if p.withdrawn[c] {
			m.st[c] = withdrawn
			continue
		}
		m.kf[c] = f.one
		m.nHopeful++
	}
	m.rec = newRecorder(rule.name, p.seats, f, p.names, m.st)
	total := f.whole(p.total)
	seats1 := f.whole(int64(p.seats + 1))
	m.quota = f.div(total, seats1, false) + 1
	omega := f.one / 1_000_000 // 0.000001
	m.rec.res.Notes = append(m.rec.res.Notes, "initial quota "+f.format(m.quota))

	for m.nHopeful > m.seatsLeft() && m.seatsLeft() > 0 {
		var stop meekStop
		var surplus int64
		lastSurplus := total
		var winners []int
		for stop == 0 {
			// B.2.a distribute votes.
			m.distribute()
			// B.2.b quota: votes / (seats+1), truncated, plus 10^-9.
			var votes int64
			for c, s := range m.st {
				if s == hopeful || s == elected {
					votes += m.vote[c]
				}
			}
			m.quota = f.div(votes, seats1, false) + 1
			// B.2.c find winners (ballot order).
			winners = winners[:0]
			for c, s := range m.st {
				if s == hopeful && m.vote[c] >= m.quota {
					winners = append(winners, c)
				}
			}
			// B.2.d total surplus, not less than zero.
			surplus = 0
			for c, s := range m.st {
				if s == elected {
					surplus += m.vote[c] - m.quota
				}
			}
			for _, c := range winners {
				surplus += m.vote[c] - m.quota
			}
			surplus = max(surplus, 0)
			// B.2.e iteration finished?
			switch {
			case len(winners) > 0:
				stop = stopElected
			case surplus < omega:
				stop = stopOmega
			case surplus >= lastSurplus:
				stop = stopStable
			default:
				lastSurplus = surplus
				// B.2.f update keep factors, rounding up at each step.
				for c, s := range m.st {
					if s == elected {
						m.kf[c] = f.div(f.mul(m.kf[c], m.quota, true), m.vote[c], true)
					}
				}
			}
			if f.err != nil {
				return tally.Result{}, nil // Count reports the overflow
			}
		}
		m.rec.start(m.vote, m.residual, f.format(m.quota))
		if stop == stopElected {
			for _, c := range winners {
				m.st[c] = elected
				m.nHopeful--
				m.nElected++
				m.rec.elect(c)
			}
			m.rec.cur.Note = "elected at quota"
			m.rec.end()
			continue
		}
		// B.3 defeat the lowest hopeful candidate; candidates within the
		// total surplus of the lowest vote count as tied with it.
		low := int64(-1)
		for c, s := range m.st {
			if s == hopeful && (low < 0 || m.vote[c] < low) {
				low = m.vote[c]
			}
		}
		var tied []int
		for c, s := range m.st {
			if s == hopeful && m.vote[c] <= low+surplus {
				tied = append(tied, c)
			}
		}
		loser := tied[0]
		if len(tied) > 1 {
			c, reason, err := m.lot.choose(tied, "defeat low candidate")
			if err != nil {
				return tally.Result{}, err
			}
			loser = c
			m.rec.tie(tied, c, reason)
		}
		m.st[loser] = defeated
		m.nHopeful--
		m.kf[loser] = 0
		m.rec.eliminate(loser)
		if stop == stopOmega {
			m.rec.cur.Note = fmt.Sprintf("%s defeated (surplus %s < omega)", p.names[loser], f.format(surplus))
		} else {
			m.rec.cur.Note = fmt.Sprintf("%s defeated (stable surplus %s)", p.names[loser], f.format(surplus))
		}
		m.vote[loser] = 0
		m.rec.end()
	}

	// C. Elect or defeat the remaining hopeful candidates. The final round
	// shows the votes of the last iteration; a defeated candidate's votes
	// count as residual from here on.
	var votes int64
	for c, s := range m.st {
		if s == hopeful || s == elected {
			votes += m.vote[c]
		}
	}
	m.rec.start(m.vote, total-votes, f.format(m.quota))
	for c, s := range m.st {
		if s != hopeful {
			continue
		}
		if m.nElected < p.seats {
			m.st[c] = elected
			m.nElected++
			m.rec.elect(c)
		} else {
			m.st[c] = defeated
			m.kf[c] = 0
			m.rec.eliminate(c)
		}
		m.nHopeful--
	}
	m.rec.res.Quota = f.format(m.quota)
	m.rec.end()
	return m.rec.res, nil
}

func (m *meek) seatsLeft() int { return m.p.seats - m.nElected }

// distribute is step B.2.a. Keep values fit int64 without 128-bit help:
// weights and keep factors are at most 10^9, so w*kf <= 10^18, and every
// vote is bounded by the total checked in prepare.
func (m *meek) distribute() {
	one := m.f.one
	kf := m.kf
	vote := m.vote
	clear(vote)
	var residual int64
	for gi := range m.p.groups {
		g := &m.p.groups[gi]
		if g.ends != nil {
			residual += m.distributeEqual(g)
			continue
		}
		w := one
		for _, c := range g.cands {
			k := kf[c]
			if k == 0 {
				continue
			}
			if k == one {
				vote[c] += w * g.weight
				w = 0
				break
			}
			keep := (w*k + one - 1) / one
			vote[c] += keep * g.weight
			w -= keep
			if w <= 0 {
				break
			}
		}
		residual += w * g.weight
	}
	m.residual = residual
}

// distributeEqual distributes one group whose ranking has equal ranks and
// returns its residual.
func (m *meek) distributeEqual(g *group) int64 {
	one := m.f.one
	var kept int64
	var dist func(rank int, w int64)
	dist = func(rank int, w int64) {
		for ; rank < len(g.ends) && w > 0; rank++ {
			start := int32(0)
			if rank > 0 {
				start = g.ends[rank-1]
			}
			var live []int32
			for _, c := range g.cands[start:g.ends[rank]] {
				if m.kf[c] != 0 {
					live = append(live, c)
				}
			}
			if len(live) == 0 {
				continue
			}
			share := w / int64(len(live))
			for _, c := range live {
				keep := (share*m.kf[c] + one - 1) / one
				m.vote[c] += keep * g.weight
				kept += keep
				dist(rank+1, share-keep)
			}
			return
		}
	}
	dist(0, one)
	return (one - kept) * g.weight
}
