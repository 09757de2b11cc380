// Package apportion divides a fixed number of seats (delegates,
// representatives) among units (chapters, states, parties) in proportion to
// their populations (members, votes), by the classic divisor methods
// (D'Hondt/Jefferson, Webster/Sainte-Laguë, Adams, Huntington-Hill), by
// Hamilton's largest-remainder method, and by the membership-convention rule
// round(members / ratio) with a minimum. It is pure Go with exact integer
// and rational arithmetic: no floating point decides a seat.
package apportion

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrInvalid is wrapped by every error returned for input that cannot be
// apportioned (bad units, options or CSV); test with errors.Is.
var ErrInvalid = errors.New("invalid apportionment input")

// ErrTie is returned (wrapped; it also wraps ErrInvalid) when units tie
// exactly for the last seat(s) and the method alone cannot decide. The law
// or bylaws in force must settle it (usually by lot); this package does not
// draw lots for seats.
var ErrTie = fmt.Errorf("%w: exact tie for the last seat", ErrInvalid)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Unit is one unit receiving seats: its name and its population (members,
// residents or votes).
type Unit struct {
	Name       string
	Population int64
}

// Method names an apportionment method as the CLI spells it.
type Method string

// The methods Apportion knows.
const (
	HuntingtonHill Method = "huntington-hill"
	Webster        Method = "webster"
	DHondt         Method = "dhondt"
	Adams          Method = "adams"
	Hamilton       Method = "hamilton"
)

// ParseMethod returns the Method named by s, accepting the usual aliases
// (hill, equal-proportions, sainte-lague, jefferson, largest-remainder,
// hare-niemeyer; case-insensitive). It returns an error wrapping ErrInvalid
// for any other name.
func ParseMethod(s string) (Method, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "huntington-hill", "hill", "equal-proportions":
		return HuntingtonHill, nil
	case "webster", "sainte-lague", "sainte-laguë", "webster-sainte-lague":
		return Webster, nil
	case "dhondt", "d'hondt", "jefferson":
		return DHondt, nil
	case "adams":
		return Adams, nil
	case "hamilton", "largest-remainder", "hare-niemeyer", "vinton":
		return Hamilton, nil
	}
	return "", invalidf("unknown method %q (want huntington-hill, webster, dhondt, adams or hamilton)", s)
}

// Options are the parameters of an apportionment.
type Options struct {
	// Seats is the number of seats to apportion; at least 1.
	Seats int
	// Min is the minimum number of seats of every unit that passes the
	// threshold (0 for none).
	Min int
	// Threshold, when not nil, is the fraction of the total population
	// (over all units) a unit needs to take part: a unit with population p
	// takes part when p/total >= Threshold, compared exactly. Units below it
	// get no seat. It must lie in [0, 1].
	Threshold *big.Rat
}

// Award is one seat of a divisor method's priority order.
type Award struct {
	// Seat numbers the seats handed out by priority from 1; seats given
	// by the minimum come before and are not listed.
	Seat int `json:"seat"`
	// Unit is the index of the unit in the input; Name its name.
	Unit int    `json:"unit"`
	Name string `json:"name"`
	// Priority is the unit's priority value population/divisor when it
	// won the seat, truncated to six decimals ("inf" for a first seat under
	// Adams or Huntington-Hill, whose divisor is zero).
	Priority string `json:"priority"`
	// Exact is the same value exactly: "p/q" in lowest terms, or
	// "p/sqrt(n)" for Huntington-Hill.
	Exact string `json:"exact"`
}

// Result is an apportionment.
type Result struct {
	Method Method `json:"method"`
	// Seats[i] is the number of seats of units[i].
	Seats []int `json:"seats"`
	// Eligible[i] reports whether units[i] passed the threshold.
	Eligible []bool `json:"eligible"`
	// Priority is the order in which a divisor method handed out the seats
	// above the minimums; nil for Hamilton.
	Priority []Award `json:"priority,omitempty"`
	// Quota is Hamilton's quota (eligible population / seats to share),
	// truncated to six decimals; empty for divisor methods.
	Quota string `json:"quota,omitempty"`
}

// Apportion divides opts.Seats seats among units by method m.
//
// Units below opts.Threshold get no seat; every other unit first gets
// opts.Min seats. A divisor method then hands out the remaining seats one
// at a time to the unit with the highest priority population/d(s), where s
// is the unit's seats so far and d(s) is s+1 (D'Hondt), s+1/2 (Webster), s
// (Adams) or sqrt(s(s+1)) (Huntington-Hill); a zero divisor gives infinite
// priority (for a unit of positive population). Priorities are compared
// exactly (Huntington-Hill by squaring). Hamilton gives each unit the whole
// part of its quota p*S/P and the remaining seats to the largest
// remainders; with a minimum, units whose share falls below it are fixed at
// the minimum and the rest re-apportioned among the others until none
// falls below.
//
// A tie: units tying exactly for the last seats, when there are fewer such
// seats than tied units, make Apportion fail with ErrTie naming them.
// Units tying within the seats all receive one; the priority list then
// orders them by input order.
//
// Errors wrap ErrInvalid: no units, an empty name, a negative
// population, Seats < 1, Min < 0, a threshold outside [0, 1], no unit
// passing the threshold, fewer seats than the minimums need, an unknown
// method, or ErrTie.
func Apportion(m Method, units []Unit, opts Options) (Result, error) {
	if err := validate(units); err != nil {
		return Result{}, err
	}
	if opts.Seats < 1 {
		return Result{}, invalidf("seats must be at least 1, got %d", opts.Seats)
	}
	if opts.Min < 0 {
		return Result{}, invalidf("minimum seats must not be negative, got %d", opts.Min)
	}
	eligible, err := eligibility(units, opts.Threshold)
	if err != nil {
		return Result{}, err
	}
	n := 0
	for _, e := range eligible {
		if e {
			n++
		}
	}
	if n == 0 {
		return Result{}, invalidf("no unit reaches the threshold %s", opts.Threshold.RatString())
	}
	if int64(n)*int64(opts.Min) > int64(opts.Seats) {
		return Result{}, invalidf("%d seats cannot give %d units their minimum of %d", opts.Seats, n, opts.Min)
	}
	res := Result{Method: m, Seats: make([]int, len(units)), Eligible: eligible}
	switch m {
	case DHondt, Webster, Adams, HuntingtonHill:
		err = divisor(m, units, opts, &res)
	case Hamilton:
		err = hamilton(units, opts, &res)
	default:
		_, err = ParseMethod(string(m))
		if err == nil {
			err = invalidf("method %q must be given by its canonical name", m)
		}
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// validate checks the units common to every method. Names need not be
// unique (real ballots can carry two lists with one short name); units are
// identified by index.
func validate(units []Unit) error {
	if len(units) == 0 {
		return invalidf("no units to apportion among")
	}
	for i, u := range units {
		if strings.TrimSpace(u.Name) == "" {
			return invalidf("unit %d has no name", i+1)
		}
		if u.Population < 0 {
			return invalidf("unit %q has a negative population %d", u.Name, u.Population)
		}
	}
	return nil
}

// eligibility applies the threshold: p * den >= num * total.
func eligibility(units []Unit, threshold *big.Rat) ([]bool, error) {
	out := make([]bool, len(units))
	if threshold == nil {
		for i := range out {
			out[i] = true
		}
		return out, nil
	}
	if threshold.Sign() < 0 || threshold.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, invalidf("threshold %s is not a fraction between 0 and 1", threshold.RatString())
	}
	total := new(big.Int)
	for _, u := range units {
		total.Add(total, big.NewInt(u.Population))
	}
	need := new(big.Int).Mul(threshold.Num(), total)
	have := new(big.Int)
	for i, u := range units {
		have.Mul(big.NewInt(u.Population), threshold.Denom())
		out[i] = have.Cmp(need) >= 0
	}
	return out, nil
}

// decimal6 formats num/den (den > 0, num >= 0) truncated to six decimals,
// trailing zeros trimmed.
func decimal6(num, den *big.Int) string {
	scaled := new(big.Int).Mul(num, big.NewInt(1_000_000))
	scaled.Quo(scaled, den)
	return fixed6(scaled)
}

// fixed6 formats v/10^6 with trailing zeros trimmed.
func fixed6(v *big.Int) string {
	q, r := new(big.Int).QuoRem(v, big.NewInt(1_000_000), new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	frac := fmt.Sprintf("%06d", r.Int64())
	return q.String() + "." + strings.TrimRight(frac, "0")
}
