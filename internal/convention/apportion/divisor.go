package apportion

import (
	"fmt"
	"math/big"
	"strings"
)

// priority is population / sqrt(dsqNum/dsqDen): the divisor is kept
// squared so Huntington-Hill's geometric mean compares exactly.
type priority struct {
	pop            *big.Int
	dsqNum, dsqDen *big.Int
}

// divisorSquared returns d(s)^2 as num/den for method m.
func divisorSquared(m Method, s int) (num, den *big.Int) {
	bs := big.NewInt(int64(s))
	switch m {
	case DHondt:
		d := new(big.Int).Add(bs, big.NewInt(1))
		return d.Mul(d, d), big.NewInt(1)
	case Webster:
		d := new(big.Int).Add(new(big.Int).Lsh(bs, 1), big.NewInt(1))
		return d.Mul(d, d), big.NewInt(4)
	case Adams:
		return new(big.Int).Mul(bs, bs), big.NewInt(1)
	default: // HuntingtonHill
		return new(big.Int).Mul(bs, new(big.Int).Add(bs, big.NewInt(1))), big.NewInt(1)
	}
}

func (p priority) infinite() bool { return p.dsqNum.Sign() == 0 && p.pop.Sign() > 0 }

// cmp compares two priorities exactly: a > b iff
// a.pop^2 * b.dsqNum * a.dsqDen > b.pop^2 * a.dsqNum * b.dsqDen.
func (a priority) cmp(b priority) int {
	ai, bi := a.infinite(), b.infinite()
	switch {
	case ai && bi:
		return 0
	case ai:
		return 1
	case bi:
		return -1
	}
	if a.dsqNum.Sign() == 0 || b.dsqNum.Sign() == 0 {
		// A zero population over a zero divisor: no claim at all.
		return a.pop.Sign() - b.pop.Sign()
	}
	l := new(big.Int).Mul(a.pop, a.pop)
	l.Mul(l, b.dsqNum).Mul(l, a.dsqDen)
	r := new(big.Int).Mul(b.pop, b.pop)
	r.Mul(r, a.dsqNum).Mul(r, b.dsqDen)
	return l.Cmp(r)
}

// strings returns the truncated decimal and the exact form of p.
func (p priority) strings(m Method) (string, string) {
	if p.dsqNum.Sign() == 0 {
		if p.infinite() {
			return "inf", p.pop.String() + "/0"
		}
		return "0", "0/0"
	}
	if m == HuntingtonHill {
		// floor(sqrt(floor(x))) = floor(sqrt(x)), so this truncation is
		// exact: floor(10^6 * pop / sqrt(n)).
		x := new(big.Int).Mul(p.pop, p.pop)
		x.Mul(x, big.NewInt(1_000_000_000_000))
		x.Quo(x, p.dsqNum)
		return fixed6(x.Sqrt(x)), fmt.Sprintf("%s/sqrt(%s)", p.pop, p.dsqNum)
	}
	// Rational divisor: d = sqrt(num/den) is rational for these methods.
	num := new(big.Int).Sqrt(p.dsqNum)
	den := new(big.Int).Sqrt(p.dsqDen)
	v := new(big.Rat).SetFrac(new(big.Int).Mul(p.pop, den), num)
	return decimal6(v.Num(), v.Denom()), v.RatString()
}

// divisor hands out seats by highest priority.
func divisor(m Method, units []Unit, opts Options, res *Result) error {
	left := opts.Seats
	for i := range units {
		if res.Eligible[i] {
			res.Seats[i] = opts.Min
			left -= opts.Min
		}
	}
	prio := func(i int) priority {
		num, den := divisorSquared(m, res.Seats[i])
		return priority{pop: big.NewInt(units[i].Population), dsqNum: num, dsqDen: den}
	}
	res.Priority = make([]Award, 0, left)
	for left > 0 {
		var best []int
		var bestP priority
		for i := range units {
			if !res.Eligible[i] {
				continue
			}
			p := prio(i)
			switch {
			case best == nil:
				best, bestP = []int{i}, p
			case p.cmp(bestP) > 0:
				best, bestP = []int{i}, p
			case p.cmp(bestP) == 0:
				best = append(best, i)
			}
		}
		if len(best) > left {
			names := make([]string, len(best))
			for k, i := range best {
				names[k] = units[i].Name
			}
			dec, exact := bestP.strings(m)
			return fmt.Errorf("%w: %s tie at priority %s (%s) for the last %d seat(s)",
				ErrTie, strings.Join(names, ", "), dec, exact, left)
		}
		i := best[0]
		dec, exact := bestP.strings(m)
		res.Seats[i]++
		left--
		res.Priority = append(res.Priority, Award{
			Seat: len(res.Priority) + 1, Unit: i, Name: units[i].Name, Priority: dec, Exact: exact,
		})
	}
	return nil
}
