package rctab

import (
	"math/big"
	"strconv"
	"strings"
)

// maxScale bounds the number of decimal places this package accepts, so that
// every vote figure fits an int64 unscaled value with room for a billion
// ballots.
const maxScale = 9

// Dec is a fixed-point decimal number with an explicit scale, modelled on
// java.math.BigDecimal as RCTab uses it: the value is V / 10^S, and the scale
// travels with the value (adding 1 and 0.5000 gives 1.5000) because RCTab's
// reports print BigDecimal.toString(), where "7" and "7.0000" differ.
type Dec struct {
	V int64 // unscaled value
	S int32 // scale: number of digits after the decimal point
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decInt returns the integer n at scale 0.
func decInt(n int64) Dec { return Dec{V: n} }

// rescale returns d's unscaled value at the larger scale s (s >= d.S).
func (d Dec) rescale(s int32) int64 { return d.V * pow10[s-d.S] }

// Add returns d+e at scale max(d.S, e.S), as BigDecimal.add does.
func (d Dec) Add(e Dec) Dec {
	s := max(d.S, e.S)
	return Dec{V: d.rescale(s) + e.rescale(s), S: s}
}

// Sub returns d-e at scale max(d.S, e.S), as BigDecimal.subtract does.
func (d Dec) Sub(e Dec) Dec {
	s := max(d.S, e.S)
	return Dec{V: d.rescale(s) - e.rescale(s), S: s}
}

// MulInt returns d*n at d's scale (adding d to itself n times in BigDecimal).
func (d Dec) MulInt(n int64) Dec { return Dec{V: d.V * n, S: d.S} }

// Cmp compares values regardless of scale, as BigDecimal.compareTo does.
func (d Dec) Cmp(e Dec) int {
	s := max(d.S, e.S)
	a, b := d.rescale(s), e.rescale(s)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Sign returns -1, 0 or 1.
func (d Dec) Sign() int {
	switch {
	case d.V < 0:
		return -1
	case d.V > 0:
		return 1
	}
	return 0
}

// IsZero reports whether the value is zero at any scale.
func (d Dec) IsZero() bool { return d.V == 0 }

type roundMode int

const (
	roundDown roundMode = iota // towards zero (java.math.RoundingMode.DOWN)
	roundUp                    // away from zero (java.math.RoundingMode.UP)
)

// Div returns d/e rounded to scale s with the given mode, as
// BigDecimal.divide(divisor, scale, mode). e must not be zero.
func (d Dec) Div(e Dec, s int32, mode roundMode) Dec {
	// d/e = (d.V/10^d.S)/(e.V/10^e.S); result unscaled = d.V*10^(s+e.S-d.S)/e.V
	num := big.NewInt(d.V)
	den := big.NewInt(e.V)
	exp := int64(s) + int64(e.S) - int64(d.S)
	ten := big.NewInt(10)
	if exp >= 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(exp), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(ten, big.NewInt(-exp), nil))
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if mode == roundUp && r.Sign() != 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return Dec{V: q.Int64(), S: s}
}

// Mul returns d*e truncated (RoundingMode.DOWN) to scale s, as RCTab's
// ContestConfig.multiply does.
func (d Dec) Mul(e Dec, s int32) Dec {
	p := new(big.Int).Mul(big.NewInt(d.V), big.NewInt(e.V))
	exact := d.S + e.S
	if exact <= s {
		p.Mul(p, big.NewInt(pow10[s-exact]))
	} else {
		p.Quo(p, big.NewInt(pow10[exact-s])) // Quo truncates towards zero
	}
	return Dec{V: p.Int64(), S: s}
}

// MulExact returns d*e at scale d.S+e.S, as BigDecimal.multiply does.
func (d Dec) MulExact(e Dec) Dec { return Dec{V: d.V * e.V, S: d.S + e.S} }

// String formats the number as BigDecimal.toString does for the scales this
// package uses (plain notation, trailing zeros kept).
func (d Dec) String() string {
	neg := d.V < 0
	v := d.V
	if neg {
		v = -v
	}
	digits := strconv.FormatInt(v, 10)
	if d.S > 0 {
		if len(digits) <= int(d.S) {
			digits = strings.Repeat("0", int(d.S)-len(digits)+1) + digits
		}
		cut := len(digits) - int(d.S)
		digits = digits[:cut] + "." + digits[cut:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// parseDec parses a plain decimal string ("12", "0.15", "-3.5") keeping its
// scale, as new BigDecimal(String) does.
func parseDec(s string) (Dec, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Dec{}, false
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return Dec{}, false
	}
	if hasDot && frac == "" && intPart == "" {
		return Dec{}, false
	}
	all := intPart + frac
	if all == "" || len(frac) > maxScale || len(all) > 18 {
		return Dec{}, false
	}
	for _, r := range all {
		if r < '0' || r > '9' {
			return Dec{}, false
		}
	}
	v, err := strconv.ParseInt(all, 10, 64)
	if err != nil {
		return Dec{}, false
	}
	if neg {
		v = -v
	}
	return Dec{V: v, S: int32(len(frac))}, true
}
