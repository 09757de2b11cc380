package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/demo"
)

// setupSpec is the election the storm votes in.
type setupSpec struct {
	chapterSlug string
	voters      int
	candidates  int
}

// setupResult is what the storm needs from the set-up.
type setupResult struct {
	electionID string
	contestID  string
	candidates []string // candidate ids
	rollSize   int
}

// joinedOn is the join date of the imported voters: well before any record
// date, so all of them are on the roll.
var joinedOn = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// setup does, through the API as the election committee would: find or
// charter the chapter, import the voters into it (CSV import; a second
// import of the same voters changes nothing), create an election with one
// IRV contest, appoint the admin as its official, freeze the roll at today
// and open voting. It prints each step's time.
func setup(ctx context.Context, admin *api, s setupSpec, out io.Writer) (setupResult, error) {
	var r setupResult
	var self me
	if err := admin.call(ctx, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &self); err != nil {
		return r, fmt.Errorf("who is the admin: %w", err)
	}
	var list struct {
		Items []chapter `json:"items"`
	}
	if err := admin.call(ctx, http.MethodGet, "/api/v1/chapters", nil, http.StatusOK, &list); err != nil {
		return r, fmt.Errorf("list chapters: %w", err)
	}
	chapterID := ""
	for _, c := range list.Items {
		if c.Slug == s.chapterSlug {
			chapterID = c.ID
		}
	}
	if chapterID == "" {
		var c chapter
		if err := admin.call(ctx, http.MethodPost, "/api/v1/chapters", map[string]any{"slug": s.chapterSlug,
			"name": "Vote storm chapter (" + s.chapterSlug + ")", "chartered_on": joinedOn.Format(time.DateOnly)},
			http.StatusCreated, &c); err != nil {
			return r, fmt.Errorf("charter chapter %s: %w", s.chapterSlug, err)
		}
		chapterID = c.ID
		fmt.Fprintf(out, "chartered chapter %s\n", s.chapterSlug)
	}

	var csv bytes.Buffer
	if err := demo.LoadUsersCSV(&csv, s.voters, joinedOn, time.Now().UTC().AddDate(1, 0, 0)); err != nil {
		return r, err
	}
	start := time.Now()
	var rep importReport
	if err := admin.call(ctx, http.MethodPost, "/api/v1/chapters/"+chapterID+"/members/import",
		&rawBody{"text/csv", csv.Bytes()}, http.StatusOK, &rep); err != nil {
		return r, fmt.Errorf("import the voters: %w", err)
	}
	fmt.Fprintf(out, "imported %d voters into %s in %.1f s: %d created, %d updated, %d unchanged\n",
		rep.Rows, s.chapterSlug, time.Since(start).Seconds(), rep.Created, rep.Updated, rep.Unchanged)

	start = time.Now()
	today := time.Now().UTC().Format(time.DateOnly)
	var e election
	if err := admin.call(ctx, http.MethodPost, "/api/v1/elections", map[string]any{"chapter_id": chapterID,
		"title": "Vote storm " + time.Now().UTC().Format(time.RFC3339), "record_date": today}, http.StatusCreated, &e); err != nil {
		return r, fmt.Errorf("create the election: %w", err)
	}
	r.electionID = e.ID
	if err := admin.call(ctx, http.MethodPut, electionPath(e.ID)+"/officials",
		map[string]any{"officials": []string{self.Member.ID}}, http.StatusOK, nil); err != nil {
		return r, fmt.Errorf("appoint the official: %w", err)
	}
	names := make([]string, s.candidates)
	for i := range names {
		names[i] = fmt.Sprintf("Candidate %c", 'A'+i)
	}
	var c contest
	if err := admin.call(ctx, http.MethodPost, electionPath(e.ID)+"/contests", map[string]any{"title": "Chair",
		"method": "irv", "options": names}, http.StatusCreated, &c); err != nil {
		return r, fmt.Errorf("add the contest: %w", err)
	}
	r.contestID = c.ID
	for _, k := range c.Candidates {
		r.candidates = append(r.candidates, k.ID)
	}
	if len(r.candidates) != s.candidates {
		return r, fmt.Errorf("the contest has %d candidates, want %d", len(r.candidates), s.candidates)
	}
	if err := admin.call(ctx, http.MethodPost, electionPath(e.ID)+"/roll", nil, http.StatusOK, &e); err != nil {
		return r, fmt.Errorf("freeze the roll: %w", err)
	}
	if e.RollSize == nil || *e.RollSize < s.voters {
		size := 0
		if e.RollSize != nil {
			size = *e.RollSize
		}
		return r, fmt.Errorf("the frozen roll has %d members, fewer than the %d voters", size, s.voters)
	}
	r.rollSize = *e.RollSize
	if err := admin.call(ctx, http.MethodPost, electionPath(e.ID)+"/transition", map[string]any{"to": "open"}, http.StatusOK, &e); err != nil {
		return r, fmt.Errorf("open voting: %w", err)
	}
	fmt.Fprintf(out, "election %s: 1 IRV contest of %d candidates, roll of %d frozen at %s, open (%.1f s)\n",
		e.ID, s.candidates, r.rollSize, today, time.Since(start).Seconds())
	return r, nil
}
