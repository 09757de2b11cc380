package voting

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

func TestValidateBallot(t *testing.T) {
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	ballot := map[uuid.UUID]int{ids[0]: 0, ids[1]: 1, ids[2]: 2, ids[3]: 3}
	stranger := uuid.New()
	for _, tc := range []struct {
		name    string
		rules   ballotRules
		choices []uuid.UUID
		want    []int16
		field   string // empty: valid
	}{
		{"irv keeps preference order", ballotRules{method: "irv", seats: 1}, []uuid.UUID{ids[2], ids[0]}, []int16{2, 0}, ""},
		{"irv all four", ballotRules{method: "irv", seats: 1}, []uuid.UUID{ids[3], ids[2], ids[1], ids[0]}, []int16{3, 2, 1, 0}, ""},
		{"irv blank", ballotRules{method: "irv", seats: 1}, nil, []int16{}, ""},
		{"irv duplicate", ballotRules{method: "irv", seats: 1}, []uuid.UUID{ids[1], ids[1]}, nil, "/choices/1"},
		{"irv unknown candidate", ballotRules{method: "irv", seats: 1}, []uuid.UUID{stranger}, nil, "/choices/0"},
		{"stv max ranks", ballotRules{method: "stv-scottish", seats: 2, maxRanks: 2}, []uuid.UUID{ids[0], ids[1], ids[2]}, nil, "/choices"},
		{"stv within max ranks", ballotRules{method: "stv-scottish", seats: 2, maxRanks: 2}, []uuid.UUID{ids[0], ids[1]}, []int16{0, 1}, ""},
		{"schulze duplicate", ballotRules{method: "schulze", seats: 1}, []uuid.UUID{ids[0], ids[2], ids[0]}, nil, "/choices/2"},
		{"approval sorted", ballotRules{method: "approval", seats: 1}, []uuid.UUID{ids[3], ids[0]}, []int16{0, 3}, ""},
		{"approval limit", ballotRules{method: "approval", seats: 1, approvalLimit: 2}, []uuid.UUID{ids[3], ids[0], ids[1]}, nil, "/choices"},
		{"plurality one seat", ballotRules{method: "plurality", seats: 1}, []uuid.UUID{ids[1]}, []int16{1}, ""},
		{"plurality overvote", ballotRules{method: "plurality", seats: 1}, []uuid.UUID{ids[1], ids[2]}, nil, "/choices"},
		{"plurality block vote", ballotRules{method: "plurality", seats: 2}, []uuid.UUID{ids[2], ids[1]}, []int16{1, 2}, ""},
		{"yesno one", ballotRules{method: "yesno", seats: 1}, []uuid.UUID{ids[2]}, []int16{2}, ""},
		{"yesno none", ballotRules{method: "yesno", seats: 1}, nil, nil, "/choices"},
		{"yesno two", ballotRules{method: "yesno", seats: 1}, []uuid.UUID{ids[0], ids[1]}, nil, "/choices"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.rules.ballot = ballot
			got, err := validateBallot(tc.rules, tc.choices)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("ranking %v, want %v", got, tc.want)
				}
				return
			}
			e := errs.As(err)
			if e == nil || e.Kind != errs.Invalid || e.Field != tc.field {
				t.Fatalf("error %v, want Invalid on %s", err, tc.field)
			}
		})
	}
}
