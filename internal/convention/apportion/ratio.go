package apportion

import "math/big"

// ByRatio gives each unit round(population / ratio) seats, rounding half
// up, and at least min: the membership-convention rule (at a ratio of 75,
// 270 members give 4 delegates, 400 give 5 and 30 give 1 with min 1). The
// total number of seats follows from the ratio and is not fixed. ratio may
// be fractional and is applied exactly: seats = floor((2*p*den + num) /
// (2*num)) for ratio = num/den.
//
// Errors wrap ErrInvalid: bad units (see Apportion), a missing or
// non-positive ratio, or a negative min.
func ByRatio(units []Unit, ratio *big.Rat, min int) ([]int, error) {
	if err := validate(units); err != nil {
		return nil, err
	}
	if ratio == nil || ratio.Sign() <= 0 {
		return nil, invalidf("the ratio of members per seat must be positive")
	}
	if min < 0 {
		return nil, invalidf("minimum seats must not be negative, got %d", min)
	}
	num, den := ratio.Num(), ratio.Denom()
	twoNum := new(big.Int).Lsh(num, 1)
	out := make([]int, len(units))
	for i, u := range units {
		v := new(big.Int).Mul(big.NewInt(u.Population), den)
		v.Lsh(v, 1).Add(v, num).Quo(v, twoNum)
		if !v.IsInt64() || v.Int64() > int64(^uint32(0)>>1) {
			return nil, invalidf("unit %q would get %s seats", u.Name, v)
		}
		out[i] = max(int(v.Int64()), min)
	}
	return out, nil
}
