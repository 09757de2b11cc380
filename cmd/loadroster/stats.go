package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// result is what one client saw.
type result struct {
	latencies []time.Duration // of successful and failed requests alike
	errors    map[string]int  // by kind: "HTTP 500", "timeout", ...
	sample    string          // the first error's full text
}

// summary is the outcome of a run.
type summary struct {
	Requests int
	Failed   int
	Elapsed  time.Duration
	P50, P90 time.Duration
	P99, Max time.Duration
	Errors   map[string]int
	Sample   string
}

// summarize merges the clients' results of a run that took elapsed.
func summarize(results []result, elapsed time.Duration) summary {
	s := summary{Elapsed: elapsed, Errors: map[string]int{}}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.latencies...)
		for k, n := range r.errors {
			s.Errors[k] += n
			s.Failed += n
		}
		if s.Sample == "" {
			s.Sample = r.sample
		}
	}
	s.Requests = len(all)
	slices.Sort(all)
	s.P50, s.P90, s.P99 = percentile(all, 50), percentile(all, 90), percentile(all, 99)
	if len(all) > 0 {
		s.Max = all[len(all)-1]
	}
	return s
}

// percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value with at least p % of the values at or below it; 0 for no
// values.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// rps is requests per second over the run.
func (s summary) rps() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// print writes the report.
func (s summary) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintf(w, "requests: %d in %.1f s = %.0f req/s\n", s.Requests, s.Elapsed.Seconds(), s.rps())
	fmt.Fprintf(w, "latency:  p50 %s  p90 %s  p99 %s  max %s\n", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
	fmt.Fprintf(w, "errors:   %d\n", s.Failed)
	kinds := make([]string, 0, len(s.Errors))
	for k := range s.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %6d  %s\n", s.Errors[k], k)
	}
	if s.Sample != "" {
		fmt.Fprintf(w, "first error: %s\n", s.Sample)
	}
}
