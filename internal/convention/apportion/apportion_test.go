package apportion

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/conformance"
)

func conformanceDir(t testing.TB) string {
	t.Helper()
	return conformance.Dir(t)
}

func TestDHondtAustriaConformance(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(conformanceDir(t), "apportionment", "dhondt_austria.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Year      int         `json:"year"`
		Method    string      `json:"method"`
		Seats     int         `json:"seats"`
		Threshold json.Number `json:"threshold_fraction_of_total_votes"`
		Parties   []string    `json:"parties"`
		Votes     []int64     `json:"votes"`
		Official  []int       `json:"official_seats"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 9 {
		t.Fatalf("%d elections in the file, want 9", len(cases))
	}
	for _, c := range cases {
		th, ok := new(big.Rat).SetString(c.Threshold.String())
		if !ok {
			t.Fatalf("%d: threshold %q", c.Year, c.Threshold)
		}
		m, err := ParseMethod(c.Method)
		if err != nil {
			t.Fatal(err)
		}
		units := make([]Unit, len(c.Parties))
		for i := range units {
			units[i] = Unit{Name: c.Parties[i], Population: c.Votes[i]}
		}
		res, err := Apportion(m, units, Options{Seats: c.Seats, Threshold: th})
		if err != nil {
			t.Fatalf("%d: %v", c.Year, err)
		}
		if !reflect.DeepEqual(res.Seats, c.Official) {
			t.Errorf("%d: seats %v, official %v", c.Year, res.Seats, c.Official)
		}
		if len(res.Priority) != c.Seats {
			t.Errorf("%d: %d priority entries", c.Year, len(res.Priority))
		}
	}
}

// US census of 1790 (apportionment population, total 3,615,920), in the
// order of the 1792 act.
var us1790 = []Unit{
	{"New Hampshire", 141822}, {"Massachusetts", 475327}, {"Rhode Island", 68446},
	{"Connecticut", 236841}, {"New York", 331589}, {"New Jersey", 179570},
	{"Pennsylvania", 432879}, {"Delaware", 55540}, {"Maryland", 278514},
	{"Virginia", 630560}, {"North Carolina", 353523}, {"South Carolina", 206236},
	{"Georgia", 70835}, {"Vermont", 85533}, {"Kentucky", 68705},
}

func TestUS1790(t *testing.T) {
	cases := []struct {
		name   string
		m      Method
		seats  int
		want   []int
		source string
	}{
		{
			// The apportionment act of 1792 (Jefferson's method, divisor
			// 33,000, 105 seats): constitution.org, Tucker's Blackstone,
			// note D, footnote 56, "Representation according to the
			// First Census".
			name: "Jefferson 105", m: DHondt, seats: 105,
			want: []int{4, 14, 2, 7, 10, 5, 13, 1, 8, 19, 10, 6, 2, 2, 2},
		},
		{
			// The bill Washington vetoed (Hamilton's method, 120 seats):
			// National Archives "The 1790 Census and the First Veto" and
			// COMAP, For All Practical Purposes, example 6 (quotas shown).
			name: "Hamilton 120", m: Hamilton, seats: 120,
			want: []int{5, 16, 2, 8, 11, 6, 14, 2, 9, 21, 12, 7, 2, 3, 2},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Apportion(tc.m, us1790, Options{Seats: tc.seats})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Seats, tc.want) {
				t.Fatalf("seats %v, want %v", res.Seats, tc.want)
			}
		})
	}
	res, _ := Apportion(Hamilton, us1790, Options{Seats: 120})
	// Standard divisor 3,615,920/120 = 30,132.666...
	if res.Quota != "30132.666666" {
		t.Fatalf("Hamilton quota %q", res.Quota)
	}
}

// Hand-checked examples: each comment shows the priorities.
func TestMethodsByHand(t *testing.T) {
	four := []Unit{{"A", 100000}, {"B", 80000}, {"C", 30000}, {"D", 20000}}
	two := []Unit{{"A", 100}, {"B", 5}}
	pair := []Unit{{"A", 100}, {"B", 40}}
	cases := []struct {
		name  string
		m     Method
		units []Unit
		opts  Options
		want  []int
	}{
		// Quotients (thousands) A 100 50 33.3 25 20, B 80 40 26.7 20, C 30
		// 15, D 20: the top eight are A4 B3 C1.
		{"dhondt 8", DHondt, four, Options{Seats: 8}, []int{4, 3, 1, 0}},
		// Divisors 1 3 5: A 100 33.3 20, B 80 26.7 16, C 30 10, D 20:
		// top eight 100 80 33.3 30 26.7 20 20 16 -> A3 B3 C1 D1.
		{"webster 8", Webster, four, Options{Seats: 8}, []int{3, 3, 1, 1}},
		// Quotas 100000*8/230000 = 3.478, 2.783, 1.043, 0.696: floors
		// 3 2 1 0, remainders .783 .696 .478 .043 -> B and D.
		{"hamilton 8", Hamilton, four, Options{Seats: 8}, []int{3, 3, 1, 1}},
		// Webster: A 200 66.7 40, B 10 -> A3 B0; HH and Adams give B a
		// first seat at infinite priority, then A 100/sqrt2 = 70.7 or 100/1.
		{"webster small unit", Webster, two, Options{Seats: 3}, []int{3, 0}},
		{"dhondt small unit", DHondt, two, Options{Seats: 3}, []int{3, 0}},
		{"hill small unit", HuntingtonHill, two, Options{Seats: 3}, []int{2, 1}},
		{"adams small unit", Adams, two, Options{Seats: 3}, []int{2, 1}},
		// HH: A,B inf; A 70.71 vs B 28.28; A 40.82; A 100/sqrt12 = 28.87
		// beats B 40/sqrt2 = 28.28 -> A4 B1. Adams: A 100, 50, then
		// B 40 beats A 33.3 -> A3 B2.
		{"hill 5", HuntingtonHill, pair, Options{Seats: 5}, []int{4, 1}},
		{"adams 5", Adams, pair, Options{Seats: 5}, []int{3, 2}},
		// Minimum of one: D'Hondt would give B nothing.
		{"dhondt min 1", DHondt, two, Options{Seats: 3, Min: 1}, []int{2, 1}},
		// Hamilton quotas 9.80 .098 .098 give A all ten; the minimum fixes
		// B and C at one and A takes the other eight.
		{"hamilton min 1", Hamilton, []Unit{{"A", 1000}, {"B", 10}, {"C", 10}}, Options{Seats: 10, Min: 1}, []int{8, 1, 1}},
		// Threshold 4%: B has exactly 4 of 100 and passes; C (3) does not.
		{"threshold boundary", DHondt, []Unit{{"A", 93}, {"B", 4}, {"C", 3}}, Options{Seats: 30, Threshold: big.NewRat(1, 25)}, []int{29, 1, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Apportion(tc.m, tc.units, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Seats, tc.want) {
				t.Fatalf("seats %v, want %v", res.Seats, tc.want)
			}
		})
	}
}

func TestPriorityStrings(t *testing.T) {
	res, err := Apportion(HuntingtonHill, []Unit{{"A", 100}, {"B", 40}}, Options{Seats: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []Award{
		{1, 0, "A", "inf", "100/0"},
		{2, 1, "B", "inf", "40/0"},
		{3, 0, "A", "70.710678", "100/sqrt(2)"},
		{4, 0, "A", "40.824829", "100/sqrt(6)"},
	}
	if !reflect.DeepEqual(res.Priority, want) {
		t.Fatalf("priority %+v\nwant %+v", res.Priority, want)
	}
	res, err = Apportion(Webster, []Unit{{"A", 100}, {"B", 40}}, Options{Seats: 3})
	if err != nil {
		t.Fatal(err)
	}
	want = []Award{
		{1, 0, "A", "200", "200"},
		{2, 1, "B", "80", "80"},
		{3, 0, "A", "66.666666", "200/3"},
	}
	if !reflect.DeepEqual(res.Priority, want) {
		t.Fatalf("priority %+v\nwant %+v", res.Priority, want)
	}
}

func TestTiesAndErrors(t *testing.T) {
	cases := []struct {
		name  string
		m     Method
		units []Unit
		opts  Options
		tie   bool
	}{
		{"dhondt tie for last seat", DHondt, []Unit{{"A", 10}, {"B", 10}}, Options{Seats: 1}, true},
		{"hamilton tie for last seat", Hamilton, []Unit{{"A", 10}, {"B", 10}, {"C", 10}}, Options{Seats: 2}, true},
		{"adams fewer seats than units", Adams, []Unit{{"A", 10}, {"B", 20}, {"C", 30}}, Options{Seats: 2}, true},
		{"no units", DHondt, nil, Options{Seats: 1}, false},
		{"zero seats", DHondt, []Unit{{"A", 1}}, Options{}, false},
		{"negative population", DHondt, []Unit{{"A", -1}}, Options{Seats: 1}, false},
		{"empty name", DHondt, []Unit{{" ", 1}}, Options{Seats: 1}, false},
		{"minimum too large", DHondt, []Unit{{"A", 1}, {"B", 2}}, Options{Seats: 3, Min: 2}, false},
		{"threshold above one", DHondt, []Unit{{"A", 1}}, Options{Seats: 1, Threshold: big.NewRat(3, 2)}, false},
		{"nobody passes", DHondt, []Unit{{"A", 1}, {"B", 1}}, Options{Seats: 1, Threshold: big.NewRat(2, 3)}, false},
		{"unknown method", Method("borda"), []Unit{{"A", 1}}, Options{Seats: 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apportion(tc.m, tc.units, tc.opts)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if errors.Is(err, ErrTie) != tc.tie {
				t.Fatalf("err = %v, tie %v", err, tc.tie)
			}
		})
	}
	// A tie inside the seats is no tie: both get one.
	res, err := Apportion(DHondt, []Unit{{"A", 10}, {"B", 10}}, Options{Seats: 2})
	if err != nil || !reflect.DeepEqual(res.Seats, []int{1, 1}) {
		t.Fatalf("%v %v", res.Seats, err)
	}
}

// divisorValue returns p/d(s) squared as an exact rational, or nil for an
// infinite value: an independent statement of each method's divisor.
func divisorValueSq(m Method, p int64, s int) *big.Rat {
	var dsq *big.Rat
	switch m {
	case DHondt:
		dsq = big.NewRat(int64((s+1)*(s+1)), 1)
	case Webster:
		dsq = big.NewRat(int64((2*s+1)*(2*s+1)), 4)
	case Adams:
		dsq = big.NewRat(int64(s*s), 1)
	case HuntingtonHill:
		dsq = big.NewRat(int64(s*(s+1)), 1)
	}
	if dsq.Sign() == 0 {
		return nil
	}
	psq := new(big.Rat).SetInt64(p)
	psq.Mul(psq, psq)
	return psq.Quo(psq, dsq)
}

// TestDivisorCriterion checks random apportionments against the divisor
// characterisation: the result is right iff some divisor rounds every
// population to its seats, i.e. the least priority a unit had for its last
// seat is at least the greatest priority any unit has for its next seat.
func TestDivisorCriterion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, m := range []Method{DHondt, Webster, Adams, HuntingtonHill} {
		for trial := 0; trial < 200; trial++ {
			n := 2 + rng.IntN(8)
			units := make([]Unit, n)
			for i := range units {
				units[i] = Unit{Name: string(rune('A' + i)), Population: 1 + rng.Int64N(1_000_000)}
			}
			seats := n + rng.IntN(60)
			res, err := Apportion(m, units, Options{Seats: seats})
			if errors.Is(err, ErrTie) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			var minLast, maxNext *big.Rat
			for i, u := range units {
				total += res.Seats[i]
				if next := divisorValueSq(m, u.Population, res.Seats[i]); next != nil && (maxNext == nil || next.Cmp(maxNext) > 0) {
					maxNext = next
				}
				if res.Seats[i] > 0 {
					last := divisorValueSq(m, u.Population, res.Seats[i]-1)
					if last != nil && (minLast == nil || last.Cmp(minLast) < 0) {
						minLast = last
					}
				}
			}
			if total != seats {
				t.Fatalf("%s: %d seats given, want %d", m, total, seats)
			}
			if minLast != nil && maxNext != nil && minLast.Cmp(maxNext) < 0 {
				t.Fatalf("%s %v seats %d: result %v violates the divisor criterion", m, units, seats, res.Seats)
			}
		}
	}
}

func TestHamiltonQuotaProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		n := 2 + rng.IntN(8)
		units := make([]Unit, n)
		var total int64
		for i := range units {
			units[i] = Unit{Name: string(rune('A' + i)), Population: 1 + rng.Int64N(1_000_000)}
			total += units[i].Population
		}
		seats := 1 + rng.IntN(100)
		res, err := Apportion(Hamilton, units, Options{Seats: seats})
		if errors.Is(err, ErrTie) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i, u := range units {
			sum += res.Seats[i]
			lower := u.Population * int64(seats) / total
			if int64(res.Seats[i]) != lower && int64(res.Seats[i]) != lower+1 {
				t.Fatalf("unit %d gets %d seats, quota floor %d", i, res.Seats[i], lower)
			}
		}
		if sum != seats {
			t.Fatalf("%d seats given, want %d", sum, seats)
		}
	}
}

func TestByRatio(t *testing.T) {
	units := []Unit{{"A", 270}, {"B", 400}, {"C", 30}, {"D", 37}, {"E", 112}, {"F", 113}, {"G", 0}}
	got, err := ByRatio(units, big.NewRat(75, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	// 270/75 = 3.6 -> 4; 400/75 = 5.33 -> 5; 30/75 = 0.4 -> 0 -> min 1;
	// 37/75 < 0.5 -> 1 by the minimum; 112/75 = 1.493 -> 1;
	// 112.5 would be exactly 1.5 -> 2 (half up), so 113 -> 2; 0 -> 1.
	if want := []int{4, 5, 1, 1, 1, 2, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Half up exactly: 150 members at 1:100 is 1.5 -> 2; ratio 2/3 exact.
	got, err = ByRatio([]Unit{{"A", 150}, {"B", 1}}, big.NewRat(100, 1), 0)
	if err != nil || !reflect.DeepEqual(got, []int{2, 0}) {
		t.Fatalf("got %v %v", got, err)
	}
	got, err = ByRatio([]Unit{{"A", 5}}, big.NewRat(2, 3), 0)
	if err != nil || !reflect.DeepEqual(got, []int{8}) { // 7.5 -> 8
		t.Fatalf("got %v %v", got, err)
	}
	for _, bad := range []*big.Rat{nil, big.NewRat(0, 1), big.NewRat(-1, 1)} {
		if _, err := ByRatio(units, bad, 1); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ratio %v: err %v", bad, err)
		}
	}
	if _, err := ByRatio(units, big.NewRat(1, 1), -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative min: err %v", err)
	}
}

func TestParseMethod(t *testing.T) {
	for in, want := range map[string]Method{"Jefferson": DHondt, "sainte-lague": Webster, "hill": HuntingtonHill, "largest-remainder": Hamilton, "adams": Adams} {
		if got, err := ParseMethod(in); err != nil || got != want {
			t.Fatalf("ParseMethod(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMethod("ratio"); !errors.Is(err, ErrInvalid) {
		t.Fatal("ratio is not a seat-count method")
	}
}
