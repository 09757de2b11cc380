package dues

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// Tier is one band of the dues share: members numbered From and above
// (1-based) earn the chapter Bp basis points (1/100 of a percent) of their
// dues, until the next tier's From.
type Tier struct {
	From int
	Bp   int
}

// Policy is the organization's dues and standing policy.
type Policy struct {
	// Currency is the organization's one currency, ISO 4217 in lower case
	// ("usd"). Amounts in another currency are an error in reports.
	Currency string
	// GraceDays is how many days after the paid-through date a member stays
	// in good standing.
	GraceDays int
	// WaiverDays is how long a waiver lasts when its grantor names no end.
	WaiverDays int
	// Tiers are the dues share's marginal tiers, From ascending, the first
	// From being 1.
	Tiers []Tier
}

// DefaultPolicy is USD, 30 days' grace, one-year waivers, and the dues share
// 30 % for members 1-50, 25 % for 51-200, 20 % beyond.
func DefaultPolicy() Policy {
	return Policy{Currency: "usd", GraceDays: 30, WaiverDays: 365,
		Tiers: []Tier{{From: 1, Bp: 3000}, {From: 51, Bp: 2500}, {From: 201, Bp: 2000}}}
}

// Validate reports the first problem with p as an Invalid error.
func (p Policy) Validate() error {
	if len(p.Currency) != 3 || strings.ToLower(p.Currency) != p.Currency {
		return errs.E(errs.Invalid, "currency %q is not a lower-case ISO 4217 code", p.Currency)
	}
	if p.GraceDays < 0 || p.GraceDays > 366 {
		return errs.E(errs.Invalid, "grace period of %d days is outside 0..366", p.GraceDays)
	}
	if p.WaiverDays < 1 || p.WaiverDays > 3660 {
		return errs.E(errs.Invalid, "waiver period of %d days is outside 1..3660", p.WaiverDays)
	}
	if len(p.Tiers) == 0 || p.Tiers[0].From != 1 {
		return errs.E(errs.Invalid, "dues share tiers must start at member 1")
	}
	for i, t := range p.Tiers {
		if t.Bp < 0 || t.Bp > 10000 {
			return errs.E(errs.Invalid, "dues share tier %d: %d basis points is outside 0..10000", i+1, t.Bp)
		}
		if i > 0 && t.From <= p.Tiers[i-1].From {
			return errs.E(errs.Invalid, "dues share tier %d starts at member %d, not after tier %d", i+1, t.From, i)
		}
	}
	return nil
}

// ParseTiers reads tiers written as "1:30%,51:25%,201:20%" (percentages
// with up to two decimals). It returns an Invalid error naming the bad part.
func ParseTiers(s string) ([]Tier, error) {
	var out []Tier
	for _, part := range strings.Split(s, ",") {
		from, pct, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, errs.E(errs.Invalid, "tier %q is not FROM:PERCENT", part)
		}
		var f int
		if _, err := fmt.Sscanf(from, "%d", &f); err != nil || f < 1 {
			return nil, errs.E(errs.Invalid, "tier %q: %q is not a member number >= 1", part, from)
		}
		bp, err := parseFixed2(strings.TrimSuffix(pct, "%"))
		if err != nil {
			return nil, errs.E(errs.Invalid, "tier %q: %q is not a percentage", part, pct)
		}
		out = append(out, Tier{From: f, Bp: int(bp)})
	}
	return out, nil
}

// TierCount is how many of a chapter's counted members fall in one tier.
type TierCount struct {
	Tier    Tier
	Members int64
}

// ShareOf computes a chapter's dues share of base (minor units) for n
// counted members under tiers, by member-weighted marginal tiers:
//
//	share = floor(base × Σ_tiers(members in tier × bp) / (n × 10000))
//
// that is, the base times the average of the members' marginal rates, the
// first 50 members earning the first tier's rate and so on. It needs no
// ordering of members (with equal dues it is exactly "30 % of the dues of
// the first 50 members, ..."). A base of zero or less, or n = 0, gives a
// share of 0. Rounding is down to the minor unit; the remainder stays with
// the national body. The counts per tier are returned for the report.
func ShareOf(base, n int64, tiers []Tier) (share int64, counts []TierCount) {
	weighted := int64(0)
	for i, t := range tiers {
		hi := int64(-1)
		if i+1 < len(tiers) {
			hi = int64(tiers[i+1].From - 1)
		}
		in := int64(0)
		if n >= int64(t.From) {
			top := n
			if hi >= 0 && hi < top {
				top = hi
			}
			in = top - int64(t.From) + 1
		}
		counts = append(counts, TierCount{Tier: t, Members: in})
		weighted += in * int64(t.Bp)
	}
	if base <= 0 || n <= 0 {
		return 0, counts
	}
	// base × weighted can exceed int64 for very large bases; use big.Int.
	num := new(big.Int).Mul(big.NewInt(base), big.NewInt(weighted))
	num.Quo(num, new(big.Int).Mul(big.NewInt(n), big.NewInt(10000)))
	return num.Int64(), counts
}

// Suggest is a plan's income-based suggestion for a member stating an annual
// income (minor units): income × income_bp / 10000 per year, divided by 12
// for a monthly plan, rounded down, clamped to [min, max].
func Suggest(plan Plan, annualIncome int64) int64 {
	if annualIncome < 0 {
		annualIncome = 0
	}
	v := new(big.Int).Mul(big.NewInt(annualIncome), big.NewInt(int64(plan.IncomeBp)))
	v.Quo(v, big.NewInt(10000))
	if plan.BillingInterval == "month" {
		v.Quo(v, big.NewInt(12))
	}
	s := plan.MinAmount
	if v.IsInt64() {
		s = v.Int64()
	} else {
		s = plan.MaxAmount
	}
	return max(plan.MinAmount, min(plan.MaxAmount, s))
}

// ParseAmount reads a decimal amount in major units ("12", "12.5",
// "12.50", "-3.07") as minor units of a two-decimal currency, exactly (no
// floating point). More than two decimals is an error.
func ParseAmount(s string) (int64, error) {
	return parseFixed2(s)
}

func parseFixed2(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 2 || len(whole) > 15 {
		return 0, fmt.Errorf("%q is not an amount with at most two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var v int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not an amount with at most two decimals", s)
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// FormatAmount writes minor units as a decimal with two places ("12.50").
func FormatAmount(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// dateOf is the UTC calendar date of t, at midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
