package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// api calls the server's JSON API with one bearer token.
type api struct {
	base  string // server URL without trailing slash
	hc    *http.Client
	token string
}

// as returns the same API client with another bearer token.
func (a *api) as(token string) *api { c := *a; c.token = token; return &c }

// call sends method path with in as JSON (none when nil), or with body
// of contentType when in is a *rawBody, expects status want and decodes
// the answer into out (when not nil). A different status is a
// *loadtest.StatusError carrying the problem's title and detail.
func (a *api) call(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	ctype := ""
	switch b := in.(type) {
	case nil:
	case *rawBody:
		body, ctype = bytes.NewReader(b.data), b.contentType
	default:
		j, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return loadtest.ResponseError(resp)
	}
	if out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// rawBody is a request body sent as is.
type rawBody struct {
	contentType string
	data        []byte
}

// Shapes of the API's answers, the parts used here.
type (
	member struct {
		ID string `json:"id"`
	}
	me struct {
		Member member `json:"member"`
	}
	chapter struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
	}
	importReport struct {
		Rows      int `json:"rows"`
		Created   int `json:"created"`
		Updated   int `json:"updated"`
		Unchanged int `json:"unchanged"`
	}
	candidate struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	contest struct {
		ID         string      `json:"id"`
		Candidates []candidate `json:"candidates"`
	}
	election struct {
		ID       string    `json:"id"`
		State    string    `json:"state"`
		RollSize *int      `json:"roll_size"`
		Contests []contest `json:"contests"`
	}
	receipt struct {
		Receipt     string `json:"receipt"`
		ReceiptHash string `json:"receipt_hash"`
	}
	contestResult struct {
		Ballots  int      `json:"ballots"`
		RollSize int      `json:"roll_size"`
		Winners  []string `json:"winners"`
	}
	publishedBallot struct {
		ReceiptHash string   `json:"receipt_hash"`
		Choices     []string `json:"choices"`
	}
)

func electionPath(id string) string { return "/api/v1/elections/" + url.PathEscape(id) }

func contestPath(e, c string) string { return electionPath(e) + "/contests/" + url.PathEscape(c) }
