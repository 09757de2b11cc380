package web

import (
	"strconv"
	"strings"
)

// currencySymbols are the symbols money is written with; a currency not
// listed is written with its upper-case ISO code ("CHF 12.00").
var currencySymbols = map[string]string{"usd": "$", "eur": "€", "gbp": "£"}

// formatMoney writes an amount of minor units of a two-decimal currency
// for people: "$1,234.50", "-$12.34", "CHF 7.00". It uses integer
// arithmetic only; the organization's currencies all have two decimals
// (dues.FormatAmount and dues.ParseAmount assume the same).
func formatMoney(minor int64, currency string) string {
	var b strings.Builder
	u := uint64(minor)
	if minor < 0 {
		b.WriteByte('-')
		u = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	}
	if sym, ok := currencySymbols[strings.ToLower(currency)]; ok {
		b.WriteString(sym)
	} else if currency != "" {
		b.WriteString(strings.ToUpper(currency) + " ")
	}
	whole := strconv.FormatUint(u/100, 10)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	cents := u % 100
	b.WriteByte('.')
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	return b.String()
}

// formatBp writes basis points as a percentage: 3000 -> "30%", 2550 ->
// "25.5%", 1 -> "0.01%".
func formatBp(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := sign + strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		f := strconv.FormatInt(frac+100, 10)[1:] // two digits
		s += "." + strings.TrimRight(f, "0")
	}
	return s + "%"
}

// standingLabel is a standing for people.
func standingLabel(st string) string {
	switch st {
	case "good":
		return "Good standing"
	case "lapsed":
		return "Lapsed"
	default:
		return st
	}
}
