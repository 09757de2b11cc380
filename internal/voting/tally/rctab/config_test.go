package rctab

import (
	"errors"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

func TestParseConfigNamesTheBadField(t *testing.T) {
	base := `{"candidates":[{"name":"A"},{"name":"B"}],"cvrFileSources":[{"filePath":"x.json","provider":"cdf"}],
"rules":{"tiebreakMode":"useCandidateOrder","overvoteRule":"exhaustImmediately","winnerElectionMode":"singleWinnerMajority",
"numberOfWinners":"1","decimalPlacesForVoteArithmetic":"4","maxSkippedRanksAllowed":"unlimited","maxRankingsAllowed":"max"}}`
	c, err := ParseConfig([]byte(base), "/cfg")
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxRankings != 2 || c.MaxSkippedRanks != unlimited || c.Sources[0].path != "/cfg/x.json" {
		t.Fatalf("parsed %+v", c)
	}
	tests := []struct{ from, to, field string }{
		{`"numberOfWinners":"1"`, `"numberOfWinners":"x"`, "rules.numberOfWinners"},
		{`"tiebreakMode":"useCandidateOrder"`, `"tiebreakMode":"random"`, "rules.randomSeed"},
		{`"overvoteRule":"exhaustImmediately"`, `"overvoteRule":"nope"`, "rules.overvoteRule"},
		{`"decimalPlacesForVoteArithmetic":"4"`, `"decimalPlacesForVoteArithmetic":"30"`, "rules.decimalPlacesForVoteArithmetic"},
		{`"provider":"cdf"`, `"provider":"dominion"`, "cvrFileSources[0].provider"},
		{`{"name":"B"}`, `{"name":"A"}`, "candidates[1]"},
		{`"maxRankingsAllowed":"max"`, `"maxRankingsAllowed":"0"`, "rules.maxRankingsAllowed"},
		{`"winnerElectionMode":"singleWinnerMajority"`, `"winnerElectionMode":"multiPassIrv"`, "rules.winnerElectionMode"},
		{`"candidates":[`, `"candidates":7,"x":[`, "candidates"},
	}
	for _, tc := range tests {
		_, err := ParseConfig([]byte(strings.Replace(base, tc.from, tc.to, 1)), "/cfg")
		if !errors.Is(err, tally.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want an ErrInvalid naming %s", tc.to, err, tc.field)
		}
	}
}

func TestReadersReportLineAndProblem(t *testing.T) {
	c, res := fuzzConfig("ess")
	_, err := readESS([]byte("id,r1\n1,A\n2,Zed\n"), &c.Sources[0], res, 6)
	if !errors.Is(err, tally.ErrInvalid) || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "Zed") {
		t.Errorf("ess: %v", err)
	}
	bs, err := readESS([]byte("id,r1\n1,A\r\n\r\n"), &c.Sources[0], res, 6)
	if err != nil || len(bs) != 2 || len(bs[1].ranks) != 0 {
		t.Errorf("blank sheet row must be an undervote ballot: %v %v", bs, err)
	}
	_, err = readGenericCSV([]byte("id,A,B\n1,1,x\n"), &c.Sources[0], res, 6)
	if !errors.Is(err, tally.ErrInvalid) || !strings.Contains(err.Error(), "line 2, column 3") {
		t.Errorf("generic: %v", err)
	}
	_, err = readCDF([]byte("{"), &c.Sources[0], res)
	if !errors.Is(err, tally.ErrInvalid) {
		t.Errorf("cdf: %v", err)
	}
	_, err = readCSVRows([]byte("a,\"b\n"))
	if !errors.Is(err, tally.ErrInvalid) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("csv: %v", err)
	}
}
