package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// loadSpec is one load run.
type loadSpec struct {
	chapterID   string
	query       string // without cursor
	concurrency int
	requests    int           // total; 0: until duration
	duration    time.Duration // 0: until requests
	pages       int           // pages each client walks before starting over
	// rate, when above zero, is the offered load in requests per second
	// (an open loop; see loadtest.Spec.Rate). Zero is a closed loop.
	rate float64
}

// load runs spec and returns what the clients saw. It stops when the
// requests are spent or the duration is over, whichever comes first, or
// when ctx ends. Requests cut off by the end of the duration are not
// counted.
func (c *client) load(ctx context.Context, spec loadSpec) loadtest.Summary {
	path := "/api/v1/chapters/" + url.PathEscape(spec.chapterID) + "/members?"
	// Each client walks its own pages: its cursor and how deep it is.
	type walk struct {
		cursor string
		page   int
	}
	walks := make([]walk, spec.concurrency)
	return loadtest.Run(ctx, loadtest.Spec{Concurrency: spec.concurrency, Requests: spec.requests,
		Duration: spec.duration, Rate: spec.rate}, func(ctx context.Context, worker, _ int) error {
		w := &walks[worker]
		q := spec.query
		if w.cursor != "" {
			q += "&cursor=" + url.QueryEscape(w.cursor)
		}
		next, err := c.fetchPage(ctx, path+q, spec.pages > 1)
		if err != nil {
			*w = walk{}
			return err
		}
		w.page++
		if next != "" && w.page < spec.pages {
			w.cursor = next
		} else {
			*w = walk{}
		}
		return nil
	})
}

// fetchPage gets one roster page and, when decode is set, returns its next
// cursor. Without decode the body is read but not parsed: the client shares
// the machine with the server, and parsing 50 members costs about as much
// CPU as the server's encoding of them, which would be taken from the server.
func (c *client) fetchPage(ctx context.Context, pathQuery string, decode bool) (string, error) {
	req, err := c.newRequest(ctx, http.MethodGet, pathQuery, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", loadtest.ResponseError(resp)
	}
	if !decode {
		_, err := io.Copy(io.Discard, resp.Body)
		return "", err
	}
	var page struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return page.NextCursor, nil
}
