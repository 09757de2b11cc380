package dues

import "testing"

func TestShareOf(t *testing.T) {
	tiers := DefaultPolicy().Tiers
	for _, tc := range []struct {
		base, n, want int64
	}{
		{0, 10, 0},
		{-500, 10, 0},
		{100000, 0, 0},
		{100000, 1, 30000},  // 30 %
		{100000, 50, 30000}, // all in the first tier
		// 51 members: 50 at 30 %, 1 at 25 %: 100000 x (50x3000+2500)/(51x10000) = 29901.96 -> 29901
		{100000, 51, 29901},
		// 200: 50x30 + 150x25 = 5250 %-members / 200 = 26.25 %
		{100000, 200, 26250},
		// 250: (50x3000 + 150x2500 + 50x2000)/250 = 2500 bp
		{100000, 250, 25000},
		{1, 3, 0}, // rounds down to the cent
	} {
		got, counts := ShareOf(tc.base, tc.n, tiers)
		if got != tc.want {
			t.Errorf("ShareOf(%d, %d) = %d, want %d", tc.base, tc.n, got, tc.want)
		}
		var sum int64
		for _, c := range counts {
			sum += c.Members
		}
		if sum != tc.n {
			t.Errorf("ShareOf(%d, %d): tier counts add to %d", tc.base, tc.n, sum)
		}
	}
}

func TestParseAmountAndTiers(t *testing.T) {
	for in, want := range map[string]int64{"12": 1200, "12.5": 1250, "12.05": 1205, "-3.07": -307, "0.01": 1, ".5": 50} {
		if got, err := ParseAmount(in); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.234", "12,5", "1e3", "abc", "."} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) succeeded", bad)
		}
	}
	tiers, err := ParseTiers("1:30%,51:25%,201:20%")
	if err != nil || len(tiers) != 3 || tiers[1] != (Tier{From: 51, Bp: 2500}) {
		t.Fatalf("ParseTiers = %v, %v", tiers, err)
	}
	p := DefaultPolicy()
	p.Tiers = []Tier{{From: 2, Bp: 100}}
	if p.Validate() == nil {
		t.Error("tiers not starting at member 1 were accepted")
	}
	if FormatAmount(-1205) != "-12.05" || FormatAmount(7) != "0.07" {
		t.Error("FormatAmount")
	}
}

func TestSuggest(t *testing.T) {
	plan := Plan{BillingInterval: "month", MinAmount: 500, MaxAmount: 10000, IncomeBp: 100}
	for income, want := range map[int64]int64{0: 500, 6000000: 5000, 100000000: 10000, 3000000: 2500} {
		if got := Suggest(plan, income); got != want {
			t.Errorf("Suggest(%d) = %d, want %d", income, got, want)
		}
	}
}
