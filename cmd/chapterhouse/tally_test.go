package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

func decodeResult(t *testing.T, stdout string) tally.Result {
	t.Helper()
	var res tally.Result
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not one tally.Result: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatal("stdout holds more than one JSON value")
	}
	return res
}

func TestTallyDebianSchulze(t *testing.T) {
	conf := offlineConformanceDir(t)
	raw, err := os.ReadFile(filepath.Join(conf, "debian", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]struct {
		Options        []string `json:"options"`
		OfficialWinner string   `json:"official_winner"`
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	sheet := filepath.Join(conf, "debian", "dpl2020_tally.txt")
	// Flags after the file, format detected from the content.
	code, stdout, stderr := runOffline(t, "tally", sheet, "--method", "schulze", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := decodeResult(t, stdout)
	want := exp["dpl2020_tally.txt"]
	if res.Method != "schulze" || !reflect.DeepEqual(res.Elected, []string{want.OfficialWinner}) {
		t.Fatalf("result %+v, want %s elected", res, want.OfficialWinner)
	}
	if len(res.Ranking) != len(want.Options) || res.Ranking[0] != want.OfficialWinner {
		t.Fatalf("ranking %v", res.Ranking)
	}
	// --seats overrides the sheet's single seat.
	code, stdout, stderr = runOffline(t, "tally", "--seats", "2", "--format", "debian", "--method=schulze", "--json", sheet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if res := decodeResult(t, stdout); res.Seats != 2 || len(res.Elected) != 2 || res.Elected[1] != res.Ranking[1] {
		t.Fatalf("--seats 2: %+v", res)
	}
	// The readable form names the winner.
	code, stdout, _ = runOffline(t, "tally", "--method", "schulze", sheet)
	if code != 0 || !strings.Contains(stdout, "Elected: "+want.OfficialWinner) || !strings.Contains(stdout, "Round 1") {
		t.Fatalf("exit %d, text:\n%s", code, stdout)
	}
}

type droopRecord struct {
	BLT     string `json:"blt"`
	Variant string `json:"variant"`
	Seats   string `json:"seats"`
	Final   []struct {
		Name string `json:"name"`
	} `json:"final_elected"`
}

func TestTallyBLTWithSTVRules(t *testing.T) {
	conf := offlineConformanceDir(t)
	raw, err := os.ReadFile(filepath.Join(conf, "droop", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []droopRecord
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{
		"meek-prf-o6-fixed-p9-d9": "stv-meek-prf",
		"wigm-prf-fixed-p4-d4":    "stv-wigm-prf",
		"scotland-fixed-p5-d5":    "stv-scottish",
	}
	ran := map[string]int{}
	for _, r := range recs {
		m, ok := methods[r.Variant]
		if !ok || ran[m] >= 3 {
			continue
		}
		ran[m]++
		t.Run(r.BLT+"/"+m, func(t *testing.T) {
			code, stdout, stderr := runOffline(t, "tally", "--json", filepath.Join(conf, "droop", "blt", r.BLT), "--method", m)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			res := decodeResult(t, stdout)
			var want []string
			for _, f := range r.Final {
				want = append(want, f.Name)
			}
			got := slices.Clone(res.Elected)
			slices.Sort(got)
			slices.Sort(want)
			if res.Method != m || !reflect.DeepEqual(got, want) {
				t.Fatalf("elected %v, want %v", res.Elected, want)
			}
		})
	}
	if len(ran) != len(methods) {
		t.Fatalf("ran %v: a rule has no reference count", ran)
	}
}

func TestTallyRCTabConfig(t *testing.T) {
	conf := offlineConformanceDir(t)
	dir := filepath.Join(conf, "rctab", "cases", "2015_portland_mayor")
	code, stdout, stderr := runOffline(t, "tally", "--json", filepath.Join(dir, "2015_portland_mayor_config.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "2015_portland_mayor_expected_detailed_report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"results", "summary"} {
		if !reflect.DeepEqual(got[key], want[key]) {
			t.Fatalf("%s differs from RCTab's report", key)
		}
	}
	// Without --json: the shared result as a table; --method irv is allowed.
	code, stdout, stderr = runOffline(t, "tally", "--method", "irv", filepath.Join(dir, "2015_portland_mayor_config.json"))
	if code != 0 || !strings.Contains(stdout, "Method: irv") || !strings.Contains(stdout, "Round 14") {
		t.Fatalf("exit %d %s\n%s", code, stderr, stdout)
	}
}

func TestTallyPluralityAndApprovalOnBLT(t *testing.T) {
	path := writeOfflineTemp(t, "small.blt", "3 1\n4 1 2 0\n3 2 0\n2 3 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"small\"\n")
	code, stdout, stderr := runOffline(t, "tally", "--method", "plurality", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := decodeResult(t, stdout)
	if !reflect.DeepEqual(res.Elected, []string{"A"}) || res.Rounds[0].Tally["B"] != "3" {
		t.Fatalf("plurality %+v", res)
	}
	code, stdout, stderr = runOffline(t, "tally", "--method", "approval", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Approval of every ranked candidate: A 4+2, B 4+3, C 2.
	if res := decodeResult(t, stdout); !reflect.DeepEqual(res.Elected, []string{"B"}) || res.Rounds[0].Tally["A"] != "6" {
		t.Fatalf("approval %+v", res)
	}
	// A tie for the only seat needs a seed; with one it is recorded.
	tie := writeOfflineTemp(t, "tie.blt", "2 1\n1 1 0\n1 2 0\n0\n\"A\"\n\"B\"\n\"tie\"\n")
	code, stdout, stderr = runOffline(t, "tally", "--method", "plurality", tie)
	wantOfflineError(t, code, stdout, stderr, 1, "no seed")
	code, stdout, stderr = runOffline(t, "tally", "--method", "plurality", "--seed", "9", "--json", tie)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if res := decodeResult(t, stdout); res.Seed == nil || *res.Seed != 9 || len(res.TieBreaks) != 1 {
		t.Fatalf("seeded tie %+v", res)
	}
}

func TestTallyBadInput(t *testing.T) {
	conf := offlineConformanceDir(t)
	sheet := filepath.Join(conf, "debian", "dpl2020_tally.txt")
	badSheet := writeOfflineTemp(t, "bad.txt", "Option 1--->: A\nOption 2--->: B\nV: 12 x\nV: 1 y\n")
	badBLT := writeOfflineTemp(t, "bad.blt", "2 1\n1 3 0\n0\n\"A\"\n\"B\"\n\"t\"\n")
	unknown := writeOfflineTemp(t, "ballots.txt", "hello\n")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{"tally", "--method", "schulze"}, 2, "want exactly one ballot file"},
		{"two files", []string{"tally", "--method", "schulze", sheet, sheet}, 2, "want exactly one ballot file"},
		{"unknown method", []string{"tally", "--method", "borda", sheet}, 2, "unknown method \"borda\""},
		{"no method", []string{"tally", sheet}, 2, "--method is required"},
		{"bad seats", []string{"tally", "--method", "schulze", "--seats", "0", sheet}, 2, "--seats must be at least 1"},
		{"seats not a number", []string{"tally", "--method", "schulze", "--seats", "two", sheet}, 2, "invalid value \"two\""},
		{"bad format", []string{"tally", "--method", "schulze", "--format", "csv", sheet}, 2, "unknown format \"csv\""},
		{"missing file", []string{"tally", "--method", "schulze", "/nonexistent/x.blt"}, 1, "no such file"},
		{"bad sheet line", []string{"tally", "--method", "schulze", badSheet}, 1, "line 4: vote \"1\" has 1 characters"},
		{"bad blt", []string{"tally", "--method", "plurality", badBLT}, 1, "bad.blt"},
		{"undetectable", []string{"tally", "--method", "plurality", unknown}, 1, "cannot tell the ballot file format"},
		{"rctab with other method", []string{"tally", "--method", "schulze", "--format", "rctab", sheet}, 2, "RCTab config states its own rules"},
		{"rctab bad config", []string{"tally", "--format", "rctab", sheet}, 1, "config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runOffline(t, tc.args...)
			if tc.code == 2 {
				// Flag errors also print the usage; the first line names
				// the problem.
				if code != 2 || !strings.Contains(strings.SplitN(stderr, "\n", 2)[0], tc.want) {
					t.Fatalf("exit %d, stderr %q, want 2 and %q", code, stderr, tc.want)
				}
				return
			}
			wantOfflineError(t, code, stdout, stderr, tc.code, tc.want)
		})
	}
}
