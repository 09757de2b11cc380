package rctab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/conformance"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// conformanceDir finds ../shared/conformance/rctab relative to the module
// root, skipping the test when it is absent.
func conformanceDir(t testing.TB) string {
	t.Helper()
	return conformance.Dir(t, "rctab")
}

type caseManifest struct {
	Case          string   `json:"case"`
	Config        string   `json:"config"`
	ExpectedFiles []string `json:"expected_files"`
}

// normalise decodes JSON keeping numbers as written and drops the keys
// RCTab's own test ignores (GeneratedDate) plus config.generatedBy.
func normalise(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	delete(m, "GeneratedDate")
	if cfg, ok := m["config"].(map[string]any); ok {
		delete(cfg, "generatedBy")
	}
	return m
}

// compareReport returns whether got equals want, how many leading rounds
// match, and a description of the first difference.
func compareReport(got, want map[string]any) (bool, int, string) {
	gr, _ := got["results"].([]any)
	wr, _ := want["results"].([]any)
	matched := 0
	firstDiff := ""
	for i := 0; i < len(gr) && i < len(wr); i++ {
		if !reflect.DeepEqual(gr[i], wr[i]) {
			g, _ := json.Marshal(gr[i])
			w, _ := json.Marshal(wr[i])
			firstDiff = fmt.Sprintf("round %d:\n got  %s\n want %s", i+1, g, w)
			break
		}
		matched++
	}
	if firstDiff == "" && len(gr) != len(wr) {
		firstDiff = fmt.Sprintf("got %d rounds, want %d", len(gr), len(wr))
	}
	for _, k := range []string{"summary", "config", "jsonFormatVersion"} {
		if !reflect.DeepEqual(got[k], want[k]) && firstDiff == "" {
			g, _ := json.Marshal(got[k])
			w, _ := json.Marshal(want[k])
			firstDiff = fmt.Sprintf("%s:\n got  %s\n want %s", k, g, w)
		}
	}
	return reflect.DeepEqual(got, want), matched, firstDiff
}

func TestConformance(t *testing.T) {
	root := conformanceDir(t)
	idx, err := os.ReadFile(filepath.Join(root, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []caseManifest
	if err := json.Unmarshal(idx, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 47 {
		t.Errorf("index lists %d cases, want 47", len(cases))
	}
	// Bad-input cases: RCTab stops with an error.
	wantError := map[string]bool{"max_ranking_enforcement": true}
	var table []string
	full := 0
	for _, cs := range cases {
		t.Run(cs.Case, func(t *testing.T) {
			dir := filepath.Join(root, "cases", cs.Case)
			cfg, err := LoadConfig(filepath.Join(dir, cs.Config))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			rep, err := cfg.Tabulate()
			if wantError[cs.Case] {
				if err == nil || !errors.Is(err, tally.ErrInvalid) {
					t.Fatalf("want an ErrInvalid error, got %v", err)
				}
				table = append(table, fmt.Sprintf("%-50s error as expected: %v", cs.Case, err))
				full++
				return
			}
			if err != nil {
				table = append(table, fmt.Sprintf("%-50s ERROR %v", cs.Case, err))
				t.Fatalf("tabulate: %v", err)
			}
			var expected []string
			for _, f := range cs.ExpectedFiles {
				if strings.HasSuffix(f, ".json") {
					expected = append(expected, f)
				}
			}
			sort.Strings(expected)
			reports := []*Report{rep}
			if rep.Passes != nil {
				reports = rep.Passes
			}
			if len(reports) != len(expected) {
				t.Errorf("got %d reports, want %d", len(reports), len(expected))
			}
			allOK := len(reports) == len(expected)
			var notes []string
			for i := 0; i < len(reports) && i < len(expected); i++ {
				wb, err := os.ReadFile(filepath.Join(dir, expected[i]))
				if err != nil {
					t.Fatal(err)
				}
				gb, err := json.Marshal(reports[i])
				if err != nil {
					t.Fatal(err)
				}
				ok, matched, diff := compareReport(normalise(t, gb), normalise(t, wb))
				wr := len(normalise(t, wb)["results"].([]any))
				notes = append(notes, fmt.Sprintf("%d/%d rounds", matched, wr))
				if !ok {
					allOK = false
					t.Errorf("%s differs; first difference at %s", expected[i], diff)
				}
			}
			for _, tb := range rep.Result().TieBreaks {
				notes = append(notes, fmt.Sprintf("tie r%d %s", tb.Round, tb.Reason))
			}
			status := "MATCH"
			if !allOK {
				status = "DIFF "
			} else {
				full++
			}
			table = append(table, fmt.Sprintf("%-50s %s %s", cs.Case, status, strings.Join(notes, ", ")))
		})
	}
	t.Logf("conformance: %d of %d cases match fully\n%s", full, len(cases), strings.Join(table, "\n"))
}
