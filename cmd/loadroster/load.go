package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec is one load run.
type loadSpec struct {
	chapterID   string
	query       string // without cursor
	concurrency int
	requests    int           // total; 0: until duration
	duration    time.Duration // 0: until requests
	pages       int           // pages each client walks before starting over
	// rate, when above zero, is the offered load in requests per second,
	// shared evenly by the clients (an open loop): each client starts its
	// requests on a fixed schedule, and a request's latency is measured
	// from when it was due, so a server that falls behind shows it in the
	// figures instead of slowing the client down (no coordinated omission).
	// Zero is a closed loop: each client sends its next request as soon as
	// the last one returns, which measures throughput at saturation.
	rate float64
}

// load runs spec and returns what the clients saw. It stops when the
// requests are spent or the duration is over, whichever comes first, or
// when ctx ends. Requests cut off by the end of the duration are not
// counted.
func (c *client) load(ctx context.Context, spec loadSpec) summary {
	runCtx, cancel := context.WithCancel(ctx)
	if spec.duration > 0 {
		runCtx, cancel = context.WithTimeout(ctx, spec.duration)
	}
	defer cancel()
	var budget atomic.Int64
	budget.Store(int64(spec.requests))
	results := make([]result, spec.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	var interval time.Duration
	if spec.rate > 0 {
		interval = time.Duration(float64(spec.concurrency) / spec.rate * float64(time.Second))
	}
	for i := range spec.concurrency {
		// Clients' schedules are staggered across one interval.
		due := start.Add(interval * time.Duration(i) / time.Duration(spec.concurrency))
		wg.Go(func() { results[i] = c.worker(runCtx, spec, &budget, due, interval) })
	}
	wg.Wait()
	return summarize(results, time.Since(start))
}

// worker fetches pages until the run ends. With a non-zero interval it
// starts a request every interval from due on, and measures each from when
// it was due.
func (c *client) worker(ctx context.Context, spec loadSpec, budget *atomic.Int64, due time.Time, interval time.Duration) result {
	r := result{errors: map[string]int{}}
	path := "/api/v1/chapters/" + url.PathEscape(spec.chapterID) + "/members?"
	cursor, page := "", 0
	for ctx.Err() == nil {
		if spec.requests > 0 && budget.Add(-1) < 0 {
			break
		}
		q := spec.query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		start := time.Now()
		if interval > 0 {
			if wait := time.Until(due); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return r
				}
			}
			start, due = due, due.Add(interval)
		}
		next, err := c.fetchPage(ctx, path+q, spec.pages > 1)
		d := time.Since(start)
		if err != nil && ctx.Err() != nil {
			break // cut off by the end of the run, not a failure
		}
		r.latencies = append(r.latencies, d)
		if err != nil {
			r.errors[errorKind(err)]++
			if r.sample == "" {
				r.sample = err.Error()
			}
			cursor, page = "", 0
			continue
		}
		page++
		if next != "" && page < spec.pages {
			cursor = next
		} else {
			cursor, page = "", 0
		}
	}
	return r
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
		return "", responseError(resp)
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

// errorKind groups errors for the report.
func errorKind(err error) string {
	var se *statusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return (&statusError{Status: se.Status}).Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, new(*json.SyntaxError)), errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed response"
	default:
		return "connection error"
	}
}
