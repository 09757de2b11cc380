package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/demo/rostergen"
	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// importTimeout bounds the seeding import: 500,000 rows (the import limit)
// take well under this on a laptop.
const importTimeout = 10 * time.Minute

// importReport is the import endpoint's answer.
type importReport struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// generate writes n generated members (seed picks them) with a blank
// chapter column, so they go to the chapter the file is imported into.
func generate(w io.Writer, n int, seed uint64) error {
	_, err := rostergen.Write(w, rostergen.Options{Seed: seed, Rows: n})
	return err
}

// seed imports n generated members into the chapter through the API and
// prints what the import did. The same n and seed import to no change.
func (c *client) seed(ctx context.Context, chapterID string, n int, seed uint64, out io.Writer) error {
	var buf bytes.Buffer
	if err := generate(&buf, n, seed); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, importTimeout)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodPost, "/api/v1/chapters/"+url.PathEscape(chapterID)+"/members/import", &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/csv")
	hc := *c.hc
	hc.Timeout = importTimeout
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("seed: import: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("seed: import: %w", loadtest.ResponseError(resp))
	}
	var rep importReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return fmt.Errorf("seed: import answer: %w", err)
	}
	d := time.Since(start)
	fmt.Fprintf(out, "seeded %d rows in %.1f s (%.0f rows/s): %d created, %d updated, %d unchanged\n",
		rep.Rows, d.Seconds(), float64(rep.Rows)/d.Seconds(), rep.Created, rep.Updated, rep.Unchanged)
	return nil
}
