package stv

import (
	"errors"
	"math/bits"
	"strconv"
	"strings"
)

// errOverflow reports a value outside the fixed-point range; Count wraps it
// in tally.ErrInvalid with the rule's name.
var errOverflow = errors.New("fixed-point overflow")

// fixed is decimal fixed-point arithmetic at a rule's precision: a value v
// stands for v / 10^prec. Values in a count are never negative. Every
// operation names its rounding; products and quotients go through 128-bit
// intermediates, so a 1,000,000-ballot count at 9 decimals cannot overflow
// silently. The first overflow is kept in err and the count stops.
type fixed struct {
	prec int
	one  int64
	err  error
}

func newFixed(prec int) *fixed {
	one := int64(1)
	for range prec {
		one *= 10
	}
	return &fixed{prec: prec, one: one}
}

// mulDiv returns x*y/z rounded down (up when up is true). x, y >= 0, z > 0.
func (f *fixed) mulDiv(x, y, z int64, up bool) int64 {
	if x < 0 || y < 0 || z <= 0 {
		f.fail()
		return 0
	}
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	if hi >= uint64(z) {
		f.fail()
		return 0
	}
	q, r := bits.Div64(hi, lo, uint64(z))
	if up && r != 0 {
		q++
	}
	if q > 1<<63-1 {
		f.fail()
		return 0
	}
	return int64(q)
}

func (f *fixed) fail() {
	if f.err == nil {
		f.err = errOverflow
	}
}

// mul returns x*y at this precision, truncated or rounded up.
func (f *fixed) mul(x, y int64, up bool) int64 { return f.mulDiv(x, y, f.one, up) }

// div returns x/y at this precision, truncated or rounded up.
func (f *fixed) div(x, y int64, up bool) int64 { return f.mulDiv(x, f.one, y, up) }

// times returns x*n for a whole number n (exact), recording overflow.
func (f *fixed) times(x, n int64) int64 {
	hi, lo := bits.Mul64(uint64(x), uint64(n))
	if x < 0 || n < 0 || hi != 0 || lo > 1<<63-1 {
		f.fail()
		return 0
	}
	return int64(lo)
}

// add returns x+y, recording overflow.
func (f *fixed) add(x, y int64) int64 {
	s, carry := bits.Add64(uint64(x), uint64(y), 0)
	if x < 0 || y < 0 || carry != 0 || s > 1<<63-1 {
		f.fail()
		return 0
	}
	return int64(s)
}

// whole converts a whole number to fixed point.
func (f *fixed) whole(n int64) int64 { return f.times(f.one, n) }

// format renders v with exactly prec decimals.
func (f *fixed) format(v int64) string { return formatFixed(v, f.prec) }

func formatFixed(v int64, prec int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := strconv.FormatUint(u, 10)
	if prec > 0 {
		if len(s) <= prec {
			s = strings.Repeat("0", prec-len(s)+1) + s
		}
		s = s[:len(s)-prec] + "." + s[len(s)-prec:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
