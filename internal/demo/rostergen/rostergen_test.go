package rostergen

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"
)

func TestWriteIsDeterministicUniqueAndParses(t *testing.T) {
	o := Options{Seed: 7, Rows: 20000, Chapters: ChapterSlugs(50)}
	var a, b bytes.Buffer
	st, err := Write(&a, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(&b, o); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same options gave different files")
	}
	recs, err := csv.NewReader(bytes.NewReader(a.Bytes())).ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	if !slices.Equal(recs[0], Header) {
		t.Errorf("header = %v", recs[0])
	}
	if got := len(recs) - 1; got != o.Rows || st.Rows != o.Rows {
		t.Fatalf("rows = %d (stats %d), want %d", got, st.Rows, o.Rows)
	}
	emails, exts := map[string]bool{}, map[string]bool{}
	perChapter := map[string]int{}
	inactive := 0
	oldest, newest := "9999", "0000"
	for _, r := range recs[1:] {
		if emails[r[0]] {
			t.Fatalf("email %s repeated", r[0])
		}
		emails[r[0]] = true
		if r[6] != "" {
			if exts[r[6]] {
				t.Fatalf("external id %s repeated", r[6])
			}
			exts[r[6]] = true
		}
		if r[7] == "inactive" {
			inactive++
		}
		perChapter[r[8]]++
		oldest, newest = min(oldest, r[5]), max(newest, r[5])
	}
	if len(exts) != st.ExternalID || inactive != st.Inactive {
		t.Errorf("stats %+v disagree with file: %d external ids, %d inactive", st, len(exts), inactive)
	}
	if share := 100 * len(exts) / o.Rows; share < 85 || share > 95 {
		t.Errorf("%d%% of rows have an external id, want about 90%%", share)
	}
	if len(perChapter) != 50 {
		t.Errorf("rows spread over %d chapters, want 50", len(perChapter))
	}
	for slug, n := range perChapter {
		if n != st.PerChapter[slug] {
			t.Errorf("chapter %s: %d rows, stats say %d", slug, n, st.PerChapter[slug])
		}
	}
	if oldest > "2006-06-01" || newest < "2025-10-01" || newest > "2026-01-01" {
		t.Errorf("join dates span %s..%s, want about 2006..2026", oldest, newest)
	}
}

func TestBadRowsSpoilExactlyThoseRows(t *testing.T) {
	today := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	var clean, spoiled bytes.Buffer
	o := Options{Seed: 1, Rows: 100, Today: today, Chapters: ChapterSlugs(3)}
	if _, err := Write(&clean, o); err != nil {
		t.Fatal(err)
	}
	o.BadRows = []int{2, 10, 50, 77, 101, 500}
	if _, err := Write(&spoiled, o); err != nil {
		t.Fatal(err)
	}
	c, _ := csv.NewReader(&clean).ReadAll()
	s, _ := csv.NewReader(&spoiled).ReadAll()
	var diff []int
	for i := range c {
		if !slices.Equal(c[i], s[i]) {
			diff = append(diff, i+1)
		}
	}
	if want := []int{2, 10, 50, 77, 101}; !slices.Equal(diff, want) {
		t.Errorf("rows changed: %v, want %v", diff, want)
	}
}

func TestNegativeRowsIsAnError(t *testing.T) {
	if _, err := Write(&bytes.Buffer{}, Options{Rows: -1}); err == nil {
		t.Error("want an error for a negative row count")
	}
}
