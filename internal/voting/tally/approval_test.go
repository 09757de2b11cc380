package tally_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

func TestApproval(t *testing.T) {
	// A ballot approving several candidates lists them in its single rank.
	c := contest(4, 2, append(ballots(t, 4, "A=B", 3, "B=C=D", 2, "D", 1, "A=A"), tally.Ballot{Weight: 2}))
	cases := []struct {
		name      string
		limit     int
		elected   []string
		tally     map[string]string
		exhausted string
		err       error
	}{
		{name: "no limit", elected: []string{"B", "A"}, tally: map[string]string{"A": "5", "B": "7", "C": "3", "D": "5"}, exhausted: "2", err: tally.ErrSeedRequired},
		{name: "limit 2 voids the triple", limit: 2, elected: []string{"A", "B"}, tally: map[string]string{"A": "5", "B": "4", "C": "0", "D": "2"}, exhausted: "5"},
		{name: "negative limit", limit: -1, err: tally.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tally.Approval(c, tally.ApprovalOptions{Limit: tc.limit})
			if tc.err != nil {
				// A and D tie on 5 for the second seat: a lot is needed.
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if tc.tally == nil {
					return
				}
				seed := int64(1)
				res, err = tally.Approval(c, tally.ApprovalOptions{Limit: tc.limit, Seed: &seed})
				if err != nil {
					t.Fatal(err)
				}
				if res.Elected[0] != "B" || len(res.TieBreaks) != 1 || !reflect.DeepEqual(res.TieBreaks[0].Between, []string{"A", "D"}) {
					t.Fatalf("result %+v", res)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(res.Elected, tc.elected) {
					t.Fatalf("elected %v, want %v", res.Elected, tc.elected)
				}
			}
			if !reflect.DeepEqual(res.Rounds[0].Tally, tc.tally) {
				t.Fatalf("tally %v, want %v", res.Rounds[0].Tally, tc.tally)
			}
			if res.Rounds[0].Exhausted != tc.exhausted {
				t.Fatalf("exhausted %s, want %s", res.Rounds[0].Exhausted, tc.exhausted)
			}
		})
	}
}

func TestApprovalProperties(t *testing.T) {
	seed := int64(5)
	countProperties(t, "approval",
		func(c tally.Contest) (tally.Result, error) {
			return tally.Approval(c, tally.ApprovalOptions{Seed: &seed})
		},
		// Every ranked candidate of a generated ballot is approved once.
		func(c tally.Contest) int64 {
			var n int64
			for _, b := range c.Ballots {
				n += b.Weight * int64(len(b.Ranks))
			}
			return n
		})
}
