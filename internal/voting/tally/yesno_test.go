package tally_test

import (
	"errors"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

func TestYesNo(t *testing.T) {
	cases := []struct {
		name       string
		v          tally.YesNoVotes
		th         tally.Threshold
		electorate int64
		passed     bool
		err        bool
	}{
		{"majority passes", tally.YesNoVotes{Yes: 51, No: 49, Abstain: 100}, tally.MajorityOfCast, 0, true, false},
		{"exact half fails", tally.YesNoVotes{Yes: 50, No: 50}, tally.MajorityOfCast, 0, false, false},
		{"abstentions are not votes cast", tally.YesNoVotes{Yes: 3, No: 2, Abstain: 10}, tally.MajorityOfCast, 0, true, false},
		{"nothing cast fails", tally.YesNoVotes{Abstain: 4}, tally.MajorityOfCast, 0, false, false},
		{"two thirds exactly passes", tally.YesNoVotes{Yes: 20, No: 10}, tally.TwoThirdsOfCast, 0, true, false},
		{"just under two thirds fails", tally.YesNoVotes{Yes: 19, No: 10}, tally.TwoThirdsOfCast, 0, false, false},
		{"two thirds ignores abstentions", tally.YesNoVotes{Yes: 2, No: 1, Abstain: 100}, tally.TwoThirdsOfCast, 0, true, false},
		{"two thirds of nothing fails", tally.YesNoVotes{}, tally.TwoThirdsOfCast, 0, false, false},
		{"two thirds tie fails", tally.YesNoVotes{Yes: 7, No: 7}, tally.TwoThirdsOfCast, 0, false, false},
		{"electorate majority passes", tally.YesNoVotes{Yes: 51, No: 0}, tally.MajorityOfElectorate, 100, true, false},
		{"electorate exact half fails", tally.YesNoVotes{Yes: 50, No: 1}, tally.MajorityOfElectorate, 100, false, false},
		{"big majority of cast but not of electorate", tally.YesNoVotes{Yes: 40, No: 2}, tally.MajorityOfElectorate, 100, false, false},
		{"electorate missing", tally.YesNoVotes{Yes: 1}, tally.MajorityOfElectorate, 0, false, true},
		{"more ballots than electorate", tally.YesNoVotes{Yes: 6, No: 5}, tally.MajorityOfElectorate, 10, false, true},
		{"negative count", tally.YesNoVotes{Yes: -1}, tally.MajorityOfCast, 0, false, true},
		{"unknown threshold", tally.YesNoVotes{Yes: 1}, tally.Threshold(99), 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tally.YesNo(tc.v, tc.th, tc.electorate)
			if tc.err {
				if !errors.Is(err, tally.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Passed != tc.passed {
				t.Fatalf("passed = %v, want %v (%s)", o.Passed, tc.passed, o.Reason)
			}
			if o.Cast != tc.v.Yes+tc.v.No {
				t.Fatalf("cast = %d", o.Cast)
			}
			res := o.Result()
			want := "No"
			if tc.passed {
				want = "Yes"
			}
			if res.Method != "yesno" || res.Elected[0] != want || res.Rounds[0].Tally["Abstain"] == "" {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

func TestParseThreshold(t *testing.T) {
	for _, th := range []tally.Threshold{tally.MajorityOfCast, tally.TwoThirdsOfCast, tally.MajorityOfElectorate} {
		got, err := tally.ParseThreshold(th.String())
		if err != nil || got != th {
			t.Fatalf("ParseThreshold(%q) = %v, %v", th.String(), got, err)
		}
	}
	if _, err := tally.ParseThreshold("simple"); !errors.Is(err, tally.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}
