package tally

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// SchulzeOptions tunes a Schulze count.
type SchulzeOptions struct {
	// Seed drives the tie-break when the Schulze order leaves candidates
	// tied for a position: ballots are drawn at random from the seed, as
	// Schulze's method prescribes, and a lot settles what no ballot does.
	// When nil and a tie must be broken, the count fails with
	// ErrSeedRequired.
	Seed *int64
}

// SchulzeReport is a Schulze count with the matrices it rests on. Indexes
// are candidate ids of the contest; rows and columns of withdrawn candidates
// are zero and they take no place in the ranking.
type SchulzeReport struct {
	Contest Contest
	// D[i][j] is the number of voters who rank i strictly above j. A
	// candidate a ballot leaves unranked is tied below every candidate it
	// ranks (Debian constitution A.6 semantics).
	D [][]int64
	// P[i][j] is the strength of the strongest path from i to j, by winning
	// votes: a link i->j has strength D[i][j] when D[i][j] > D[j][i] and
	// none otherwise (0); a path is as strong as its weakest link.
	P [][]int64
	// Ranking is the full order of finish, best first, after tie-breaks.
	Ranking []int
	// TieBreaks records every position the Schulze relation left tied.
	TieBreaks []TieBreak
	// Seed is the seed used when a tie-break drew on it.
	Seed *int64
}

// Pairwise returns the pairwise matrix of c: d[i][j] is the total weight of
// the ballots ranking candidate i strictly above candidate j, where a
// candidate the ballot leaves unranked is below every ranked one and tied
// with the other unranked ones, and candidates in the same rank are tied.
// A candidate ranked twice counts at its best rank. Withdrawn candidates'
// rows and columns are zero. It makes one pass over the (grouped) ballots.
// Errors wrap ErrInvalid for an invalid contest.
func Pairwise(c Contest) ([][]int64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := len(c.Candidates)
	withdrawn := withdrawnSet(c)
	flat := make([]int64, n*n)
	pos := make([]int, n)
	ranked := make([]int, 0, n)
	for _, b := range c.Ballots {
		unranked := len(b.Ranks)
		for i := range pos {
			pos[i] = unranked
		}
		ranked = ranked[:0]
		for lvl, rank := range b.Ranks {
			for _, id := range rank {
				if lvl < pos[id] {
					if pos[id] == unranked {
						ranked = append(ranked, id)
					}
					pos[id] = lvl
				}
			}
		}
		// Only a ranked candidate can be strictly above another, so the
		// inner work is (ranked x all), not (all x all).
		w := b.Weight
		for _, i := range ranked {
			row := flat[i*n : i*n+n]
			pi := pos[i]
			for j, pj := range pos {
				if pi < pj {
					row[j] += w
				}
			}
		}
	}
	d := make([][]int64, n)
	for i := range d {
		d[i] = flat[i*n : i*n+n : i*n+n]
		if withdrawn[i] {
			clear(d[i])
		}
		for j := range d[i] {
			if withdrawn[j] {
				d[i][j] = 0
			}
		}
	}
	return d, nil
}

// Schulze counts c by the Schulze method with winning votes and returns the
// common Result form: Ranking is the full order of finish and Elected its
// first c.Seats candidates (for several seats this is the top of the
// single-winner ranking, not Schulze STV). See SchulzeCount for the rule
// and errors.
func Schulze(c Contest, opts SchulzeOptions) (Result, error) {
	r, err := SchulzeCount(c, opts)
	if err != nil {
		return Result{}, err
	}
	return r.Result(), nil
}

// SchulzeCount runs the Schulze method (Schulze, "A new monotonic,
// clone-independent, reversal symmetric, and Condorcet-consistent
// single-winner election method", 2011; Debian constitution A.6) with
// winning votes: it builds the pairwise matrix D in one pass, the strongest
// path strengths P by the Floyd–Warshall variant, and ranks a above b when
// P[a][b] > P[b][a]. That relation is a strict partial order; the ranking
// takes, position by position, the candidates no remaining candidate beats.
// When several are left unbeaten, the tie is broken as Schulze's method
// does: ballots (in the canonical order of Group) are drawn one by one at
// random without replacement, seeded by opts.Seed, and the tied candidate
// the first distinguishing ballot ranks higher goes first (the
// lexicographic order over the drawn sequence); should no ballot distinguish them, a lot (Lot) decides. Each
// such tie is recorded in TieBreaks.
//
// Errors wrap ErrInvalid: an invalid contest, or ErrSeedRequired when a tie
// needs breaking and opts.Seed is nil.
func SchulzeCount(c Contest, opts SchulzeOptions) (*SchulzeReport, error) {
	d, err := Pairwise(c)
	if err != nil {
		return nil, err
	}
	withdrawn := withdrawnSet(c)
	r := &SchulzeReport{Contest: c, D: d, P: strongestPaths(d, withdrawn), TieBreaks: []TieBreak{}}
	remaining := make([]int, 0, len(c.Candidates))
	for id := range c.Candidates {
		if !withdrawn[id] {
			remaining = append(remaining, id)
		}
	}
	var tb *ballotTieBreaker
	for len(remaining) > 0 {
		var top []int
		for _, a := range remaining {
			beaten := false
			for _, b := range remaining {
				if r.P[b][a] > r.P[a][b] {
					beaten = true
					break
				}
			}
			if !beaten {
				top = append(top, a)
			}
		}
		chosen := top[0]
		if len(top) > 1 {
			if opts.Seed == nil {
				return nil, fmt.Errorf("%w: Schulze leaves %s tied for place %d",
					ErrSeedRequired, strings.Join(names(c, top), ", "), len(r.Ranking)+1)
			}
			if tb == nil {
				tb = newBallotTieBreaker(c, *opts.Seed)
				s := *opts.Seed
				r.Seed = &s
			}
			var how string
			chosen, how = tb.first(top)
			r.TieBreaks = append(r.TieBreaks, TieBreak{
				Round:   len(r.Ranking) + 1,
				Between: names(c, top),
				Chosen:  c.Candidates[chosen],
				Reason:  how,
			})
		}
		r.Ranking = append(r.Ranking, chosen)
		remaining = slices.DeleteFunc(remaining, func(id int) bool { return id == chosen })
	}
	return r, nil
}

// strongestPaths computes the widest-path strengths over winning-vote links.
func strongestPaths(d [][]int64, withdrawn []bool) [][]int64 {
	n := len(d)
	p := make([][]int64, n)
	for i := range p {
		p[i] = make([]int64, n)
		for j := range p[i] {
			if i != j && d[i][j] > d[j][i] {
				p[i][j] = d[i][j]
			}
		}
	}
	for i := range n {
		if withdrawn[i] {
			continue
		}
		for j := range n {
			if j == i || p[j][i] == 0 {
				continue
			}
			for k := range n {
				if k == i || k == j {
					continue
				}
				if s := min(p[j][i], p[i][k]); s > p[j][k] {
					p[j][k] = s
				}
			}
		}
	}
	return p
}

// ballotTieBreaker draws ballots at random without replacement from the
// ballots in canonical order (Group), remembering
// the sequence so every tie of a count is broken against the same draw.
type ballotTieBreaker struct {
	c     Contest
	seed  int64
	src   *rand.PCG
	tree  []int64 // Fenwick tree of remaining weight per ballot group
	left  int64
	drawn [][]int // rank position per candidate for each drawn ballot
}

func newBallotTieBreaker(c Contest, seed int64) *ballotTieBreaker {
	// Draw from the canonical (grouped, sorted) ballots so the order in
	// which ballots were supplied cannot change the draw.
	c.Ballots = Group(c.Ballots)
	t := &ballotTieBreaker{c: c, seed: seed, src: rand.NewPCG(uint64(seed), 1), tree: make([]int64, len(c.Ballots)+1)}
	for i, b := range c.Ballots {
		t.add(i, b.Weight)
		t.left += b.Weight
	}
	return t
}

func (t *ballotTieBreaker) add(i int, w int64) {
	for i++; i < len(t.tree); i += i & -i {
		t.tree[i] += w
	}
}

// find returns the ballot group holding the k-th remaining ballot (0-based).
func (t *ballotTieBreaker) find(k int64) int {
	idx := 0
	step := 1
	for step*2 < len(t.tree) {
		step *= 2
	}
	for ; step > 0; step /= 2 {
		if next := idx + step; next < len(t.tree) && t.tree[next] <= k {
			idx = next
			k -= t.tree[next]
		}
	}
	return idx
}

// draw takes one more ballot at random; false when none is left.
func (t *ballotTieBreaker) draw() bool {
	if t.left == 0 {
		return false
	}
	g := t.find(int64(boundedDraw(t.src, uint64(t.left))))
	t.add(g, -1)
	t.left--
	b := t.c.Ballots[g]
	pos := make([]int, len(t.c.Candidates))
	for i := range pos {
		pos[i] = len(b.Ranks)
	}
	for lvl, rank := range b.Ranks {
		for _, id := range rank {
			pos[id] = min(pos[id], lvl)
		}
	}
	t.drawn = append(t.drawn, pos)
	return true
}

// first returns the tied candidate the drawn ballots put first, and how.
func (t *ballotTieBreaker) first(tied []int) (int, string) {
	cands := slices.Clone(tied)
	for k := 0; len(cands) > 1; k++ {
		if k == len(t.drawn) && !t.draw() {
			order := Lot(t.seed, cands)
			return order[0], fmt.Sprintf("random (seed %d): no ballot distinguishes them, lot", t.seed)
		}
		pos := t.drawn[k]
		best := len(t.c.Candidates) + 1
		for _, id := range cands {
			best = min(best, pos[id])
		}
		cands = slices.DeleteFunc(cands, func(id int) bool { return pos[id] != best })
		if len(cands) == 1 {
			return cands[0], fmt.Sprintf("random (seed %d): ranked highest on random ballot %d drawn", t.seed, k+1)
		}
	}
	return cands[0], fmt.Sprintf("random (seed %d)", t.seed)
}

// Result returns the count in the common Result form: one round whose tally
// gives each candidate the number of opponents it beats by strongest paths,
// the ranking, and the pairwise matrix in Notes.
func (r *SchulzeReport) Result() Result {
	c := r.Contest
	res := Result{
		Method:    "schulze",
		Seats:     min(c.Seats, len(r.Ranking)),
		Elected:   names(c, r.Ranking[:min(c.Seats, len(r.Ranking))]),
		Ranking:   names(c, r.Ranking),
		TieBreaks: slices.Clone(r.TieBreaks),
		Seed:      r.Seed,
	}
	round := Round{Number: 1, Tally: map[string]string{}, Elected: slices.Clone(res.Elected), Eliminated: []string{}, Exhausted: "0",
		Note: "tally: opponents each candidate beats by strongest paths (winning votes)"}
	for _, a := range r.Ranking {
		wins := 0
		for _, b := range r.Ranking {
			if r.P[a][b] > r.P[b][a] {
				wins++
			}
		}
		round.Tally[c.Candidates[a]] = strconv.Itoa(wins)
	}
	res.Rounds = []Round{round}
	for _, a := range r.Ranking {
		parts := make([]string, 0, len(r.Ranking)-1)
		for _, b := range r.Ranking {
			if b != a {
				parts = append(parts, fmt.Sprintf("%s %d-%d", c.Candidates[b], r.D[a][b], r.D[b][a]))
			}
		}
		res.Notes = append(res.Notes, fmt.Sprintf("pairwise %s over: %s", c.Candidates[a], strings.Join(parts, ", ")))
	}
	return res
}
