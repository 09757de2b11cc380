package loadtest

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// Result is what one client saw.
type Result struct {
	Latencies []time.Duration // of successful and failed requests alike
	Errors    map[string]int  // by kind (see ErrorKind)
	Sample    string          // the first error's full text
}

// Summary is the outcome of a run.
type Summary struct {
	Requests int // requests that completed, successfully or not
	Failed   int // of which failed
	Elapsed  time.Duration
	P50, P90 time.Duration
	P99, Max time.Duration
	Errors   map[string]int
	Sample   string
}

// Summarize merges the clients' results of a run that took elapsed.
func Summarize(results []Result, elapsed time.Duration) Summary {
	s := Summary{Elapsed: elapsed, Errors: map[string]int{}}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.Latencies...)
		for k, n := range r.Errors {
			s.Errors[k] += n
			s.Failed += n
		}
		if s.Sample == "" {
			s.Sample = r.Sample
		}
	}
	s.Requests = len(all)
	slices.Sort(all)
	s.P50, s.P90, s.P99 = Percentile(all, 50), Percentile(all, 90), Percentile(all, 99)
	if len(all) > 0 {
		s.Max = all[len(all)-1]
	}
	return s
}

// Percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value with at least p % of the values at or below it; 0 for no
// values.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// RPS is completed requests per second over the run.
func (s Summary) RPS() float64 { return perSecond(s.Requests, s.Elapsed) }

// OKPerSecond is successful requests per second over the run.
func (s Summary) OKPerSecond() float64 { return perSecond(s.Requests-s.Failed, s.Elapsed) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Ms formats a duration in milliseconds with one decimal.
func Ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// Print writes the report: requests and rate, latency percentiles, errors
// by kind (sorted) and the first error's text.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "requests: %d in %.1f s = %.0f req/s\n", s.Requests, s.Elapsed.Seconds(), s.RPS())
	fmt.Fprintf(w, "latency:  p50 %s  p90 %s  p99 %s  max %s\n", Ms(s.P50), Ms(s.P90), Ms(s.P99), Ms(s.Max))
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
