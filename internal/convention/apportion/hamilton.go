package apportion

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// hamilton apportions by largest remainders, enforcing the minimum by
// fixing units that fall below it and re-apportioning the rest.
func hamilton(units []Unit, opts Options, res *Result) error {
	active := make([]int, 0, len(units))
	for i := range units {
		if res.Eligible[i] {
			active = append(active, i)
		}
	}
	seats := opts.Seats
	for {
		share, quota, err := largestRemainder(units, active, seats)
		if err != nil {
			return err
		}
		var below []int
		for k, i := range active {
			if share[k] < opts.Min {
				below = append(below, i)
			}
		}
		if len(below) == 0 {
			for k, i := range active {
				res.Seats[i] = share[k]
			}
			res.Quota = quota
			return nil
		}
		for _, i := range below {
			res.Seats[i] = opts.Min
			seats -= opts.Min
		}
		active = slices.DeleteFunc(active, func(i int) bool { return slices.Contains(below, i) })
		if len(active) == 0 {
			return nil
		}
	}
}

// largestRemainder shares seats among units[active] by Hamilton's method
// and returns the shares and the quota. Quotient and remainder of p*S/P
// are exact integers.
func largestRemainder(units []Unit, active []int, seats int) ([]int, string, error) {
	share := make([]int, len(active))
	if seats == 0 {
		return share, "", nil
	}
	total := new(big.Int)
	for _, i := range active {
		total.Add(total, big.NewInt(units[i].Population))
	}
	if total.Sign() == 0 {
		return nil, "", invalidf("units to share %d seats among have no population", seats)
	}
	S := big.NewInt(int64(seats))
	rem := make([]*big.Int, len(active))
	given := 0
	for k, i := range active {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(units[i].Population), S), total, new(big.Int))
		share[k] = int(q.Int64())
		rem[k] = r
		given += share[k]
	}
	left := seats - given
	order := make([]int, len(active))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return rem[b].Cmp(rem[a]) })
	if left > 0 && left < len(order) && rem[order[left-1]].Cmp(rem[order[left]]) == 0 {
		var tied []string
		for _, k := range order {
			if rem[k].Cmp(rem[order[left-1]]) == 0 {
				tied = append(tied, units[active[k]].Name)
			}
		}
		return nil, "", fmt.Errorf("%w: %s tie on equal remainders for the last %d seat(s)",
			ErrTie, strings.Join(tied, ", "), left)
	}
	for _, k := range order[:left] {
		share[k]++
	}
	return share, decimal6(total, S), nil
}
