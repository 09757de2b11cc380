package rctab

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzConfig is a small config the CVR fuzzers read against.
func fuzzConfig(provider string) (*Config, *resolver) {
	c := &Config{
		Candidates: []Candidate{{Name: "A", Aliases: []string{"a1"}}, {Name: "B", Code: "BC"}, {Name: "C"}},
		Sources: []CvrSource{{FilePath: "fuzz", Provider: provider, FirstVoteColumnIndex: "2", FirstVoteRowIndex: "2",
			IDColumnIndex: "1", OvervoteDelimiter: "|", SkippedRankLabel: "undervote", UndeclaredWriteInLabel: "UWI", ContestID: "x"}},
		MaxRankings: 6,
	}
	return c, newResolver(c)
}

// addSuiteSeeds adds every conformance file with the given suffix to the
// corpus (when the data is present).
func addSuiteSeeds(f *testing.F, match func(string) bool) {
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			return
		}
		dir = filepath.Dir(dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "conformance", "rctab", "cases", "*", "*"))
	for _, p := range files {
		if match(filepath.Base(p)) {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

func FuzzReadESS(f *testing.F) {
	f.Add([]byte("id,r1,r2\n1,A,B\n2,a1|C,undervote\r\n\r\n3,\"B\",UWI\n"))
	addSuiteSeeds(f, func(n string) bool { return filepath.Ext(n) == ".csv" && !contains(n, "expected") })
	c, res := fuzzConfig("ess")
	f.Fuzz(func(t *testing.T, data []byte) {
		bs, err := readESS(data, &c.Sources[0], res, c.MaxRankings)
		if err == nil {
			for _, b := range bs {
				for _, r := range b.ranks {
					if r.rank < 1 || r.rank > c.MaxRankings {
						t.Fatalf("rank %d out of range", r.rank)
					}
				}
			}
		}
	})
}

func FuzzReadGenericCSV(f *testing.F) {
	f.Add([]byte("id,A,B,C\n1,1,2,\n2,,1,1\n"))
	addSuiteSeeds(f, func(n string) bool { return filepath.Ext(n) == ".csv" && !contains(n, "expected") })
	c, res := fuzzConfig("genericCsv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = readGenericCSV(data, &c.Sources[0], res, c.MaxRankings)
	})
}

func FuzzReadCDF(f *testing.F) {
	f.Add([]byte(`{"Election":[{"Candidate":[{"@id":"c1","Name":"A"}],"Contest":[{"@id":"k","Name":"x","ContestSelection":[{"@id":"s1","CandidateIds":["c1"]}]}]}],"CVR":[{"CurrentSnapshotId":"s","CVRSnapshot":[{"@id":"s","CVRContest":[{"ContestId":"k","CVRContestSelection":[{"ContestSelectionId":"s1","SelectionPosition":[{"Rank":1}]}]}]}]}]}`))
	addSuiteSeeds(f, func(n string) bool { return filepath.Ext(n) == ".json" && contains(n, "cvr") })
	c, res := fuzzConfig("cdf")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = readCDF(data, &c.Sources[0], res)
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"candidates":[{"name":"A"}],"cvrFileSources":[{"filePath":"x","provider":"cdf"}],"rules":{"tiebreakMode":"useCandidateOrder","overvoteRule":"exhaustImmediately","winnerElectionMode":"singleWinnerMajority","numberOfWinners":"1","decimalPlacesForVoteArithmetic":"4","maxSkippedRanksAllowed":"unlimited","maxRankingsAllowed":"max"}}`))
	addSuiteSeeds(f, func(n string) bool { return contains(n, "_config.json") })
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "base")
		if err == nil && (c.Decimals < 1 || c.Decimals > maxScale || c.MaxRankings < 1) {
			t.Fatalf("accepted config with decimals %d, maxRankings %d", c.Decimals, c.MaxRankings)
		}
	})
}

func contains(s, sub string) bool { return len(sub) <= len(s) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
