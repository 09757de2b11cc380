package rctab

import "testing"

func TestDecArithmeticMatchesBigDecimal(t *testing.T) {
	d := func(s string) Dec {
		v, ok := parseDec(s)
		if !ok {
			t.Fatalf("parse %q", s)
		}
		return v
	}
	tests := []struct {
		name string
		got  Dec
		want string
	}{
		{"add keeps larger scale", d("1").Add(d("0.5000")), "1.5000"},
		{"sub", d("7").Sub(d("7.0000")), "0.0000"},
		{"div down", d("29").Div(d("4"), 4, roundDown), "7.2500"},
		{"div down threshold", d("29").Div(d("4"), 0, roundDown).Add(Dec{V: 1}), "8"},
		{"div up", d("10").Div(d("3"), 2, roundUp), "3.34"},
		{"mul truncates", d("0.3333").Mul(d("0.3333"), 4), "0.1110"},
		{"mul exact", d("27").MulExact(d("0.15")), "4.05"},
		{"negative", d("-1.25").Add(d("0")), "-1.25"},
		{"small", Dec{V: 1, S: 4}, "0.0001"},
	}
	for _, tc := range tests {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, s, tc.want)
		}
	}
	if d("1.0").Cmp(d("1")) != 0 || d("0.9999").Cmp(d("1")) >= 0 {
		t.Error("Cmp must ignore scale")
	}
	for _, bad := range []string{"", "abc", "1.2.3", "-", ".", "1e5"} {
		if _, ok := parseDec(bad); ok {
			t.Errorf("parseDec(%q) accepted", bad)
		}
	}
}
