package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type apportionOut struct {
	Method   string         `json:"method"`
	Total    int            `json:"total"`
	Seats    map[string]int `json:"seats"`
	Priority []struct {
		Seat     int    `json:"seat"`
		Unit     int    `json:"unit"`
		Name     string `json:"name"`
		Priority string `json:"priority"`
		Exact    string `json:"exact"`
	} `json:"priority"`
	Excluded []string `json:"excluded"`
}

func decodeApportion(t *testing.T, stdout string) apportionOut {
	t.Helper()
	var out apportionOut
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("stdout: %v\n%s", err, stdout)
	}
	return out
}

func TestApportionAustria(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(offlineConformanceDir(t), "apportionment", "dhondt_austria.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Year      int      `json:"year"`
		Seats     int      `json:"seats"`
		Threshold float64  `json:"threshold_fraction_of_total_votes"`
		Parties   []string `json:"parties"`
		Votes     []int64  `json:"votes"`
		Official  []int    `json:"official_seats"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	tested := 0
	for _, c := range cases {
		var csv strings.Builder
		csv.WriteString("name,population\n")
		seen := map[string]bool{}
		dup := false
		for i, p := range c.Parties {
			dup = dup || seen[p]
			seen[p] = true
			fmt.Fprintf(&csv, "%q,%d\n", p, c.Votes[i])
		}
		if dup {
			// The CSV keys units by name; a year with two lists under one
			// short name is covered by the package test.
			continue
		}
		tested++
		path := writeOfflineTemp(t, fmt.Sprintf("austria%d.csv", c.Year), csv.String())
		code, stdout, stderr := runOffline(t, "apportion", path, "--method", "dhondt", "--seats", fmt.Sprint(c.Seats),
			"--threshold", fmt.Sprint(c.Threshold), "--json")
		if code != 0 {
			t.Fatalf("%d: exit %d: %s", c.Year, code, stderr)
		}
		out := decodeApportion(t, stdout)
		want := map[string]int{}
		for i, p := range c.Parties {
			want[p] = c.Official[i]
		}
		if !reflect.DeepEqual(out.Seats, want) || out.Total != c.Seats || len(out.Priority) != c.Seats {
			t.Fatalf("%d: seats %v, official %v", c.Year, out.Seats, want)
		}
	}
	if tested < 8 {
		t.Fatalf("only %d Austrian elections tested", tested)
	}
}

func TestApportionRatioAndMethods(t *testing.T) {
	path := writeOfflineTemp(t, "chapters.csv", "name,population\nNorth,270\nSouth,400\nEast,30\n")
	code, stdout, stderr := runOffline(t, "apportion", "--method", "ratio", "--ratio", "75", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := decodeApportion(t, stdout)
	if want := map[string]int{"North": 4, "South": 5, "East": 1}; !reflect.DeepEqual(out.Seats, want) || out.Priority != nil {
		t.Fatalf("ratio: %+v", out)
	}
	// --min 0 lets a small chapter round to zero.
	code, stdout, _ = runOffline(t, "apportion", "--method", "ratio", "--ratio", "75", "--min", "0", "--json", path)
	if code != 0 || decodeApportion(t, stdout).Seats["East"] != 0 {
		t.Fatalf("ratio min 0: %s", stdout)
	}
	for _, m := range []string{"huntington-hill", "webster", "dhondt", "adams", "hamilton"} {
		code, stdout, stderr := runOffline(t, "apportion", "--method", m, "--seats", "10", "--json", path)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", m, code, stderr)
		}
		out := decodeApportion(t, stdout)
		if out.Total != 10 || (m == "hamilton") != (out.Priority == nil) {
			t.Fatalf("%s: %+v", m, out)
		}
	}
	code, stdout, _ = runOffline(t, "apportion", "--method", "webster", "--seats", "10", path)
	if code != 0 || !strings.Contains(stdout, "Priority order:") || !strings.Contains(stdout, "South") {
		t.Fatalf("text output:\n%s", stdout)
	}
}

func TestApportionBadInput(t *testing.T) {
	good := writeOfflineTemp(t, "good.csv", "name,population\nA,10\nB,20\n")
	badPop := writeOfflineTemp(t, "badpop.csv", "name,population\nA,10\nB,twenty\n")
	noHeader := writeOfflineTemp(t, "nohead.csv", "A,10\nB,20\n")
	tie := writeOfflineTemp(t, "tie.csv", "name,population\nA,10\nB,10\n")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad population", []string{"apportion", "--method", "dhondt", "--seats", "3", badPop}, 1, "line 3, column population: \"twenty\" is not a whole number"},
		{"no header", []string{"apportion", "--method", "dhondt", "--seats", "3", noHeader}, 1, "line 1: header"},
		{"tie", []string{"apportion", "--method", "dhondt", "--seats", "1", tie}, 1, "A, B tie"},
		{"missing file", []string{"apportion", "--method", "dhondt", "--seats", "3", "/nonexistent.csv"}, 1, "no such file"},
		{"no seats", []string{"apportion", "--method", "dhondt", good}, 2, "--seats is required"},
		{"no method", []string{"apportion", "--seats", "3", good}, 2, "--method is required"},
		{"unknown method", []string{"apportion", "--method", "borda", "--seats", "3", good}, 2, "unknown method"},
		{"ratio without ratio", []string{"apportion", "--method", "ratio", good}, 2, "needs --ratio"},
		{"ratio with seats", []string{"apportion", "--method", "ratio", "--ratio", "5", "--seats", "3", good}, 2, "--seats does not apply"},
		{"bad threshold", []string{"apportion", "--method", "dhondt", "--seats", "3", "--threshold", "lots", good}, 2, "--threshold \"lots\""},
		{"threshold above one", []string{"apportion", "--method", "dhondt", "--seats", "3", "--threshold", "150%", good}, 1, "threshold 3/2"},
		{"no file", []string{"apportion", "--method", "dhondt", "--seats", "3"}, 2, "want exactly one CSV file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runOffline(t, tc.args...)
			if tc.code == 2 {
				if code != 2 || !strings.Contains(strings.SplitN(stderr, "\n", 2)[0], tc.want) {
					t.Fatalf("exit %d, stderr %q, want 2 and %q", code, stderr, tc.want)
				}
				return
			}
			wantOfflineError(t, code, stdout, stderr, tc.code, tc.want)
		})
	}
}
