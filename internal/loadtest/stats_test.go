package loadtest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    int
		want time.Duration
	}{{50, 100 * time.Millisecond}, {90, 180 * time.Millisecond}, {99, 198 * time.Millisecond}, {100, 200 * time.Millisecond}} {
		if got := Percentile(d, tt.p); got != tt.want {
			t.Errorf("p%d = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
	if got := Percentile(d[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one = %v", got)
	}
}

func TestSummarizeMergesClients(t *testing.T) {
	rs := []Result{
		{Latencies: []time.Duration{3 * time.Millisecond, time.Millisecond}, Errors: map[string]int{"HTTP 500": 1}, Sample: "HTTP 500: boom"},
		{Latencies: []time.Duration{2 * time.Millisecond}, Errors: map[string]int{"HTTP 500": 1, "timeout": 1}},
		{},
	}
	s := Summarize(rs, 2*time.Second)
	if s.Requests != 3 || s.Failed != 3 || s.Max != 3*time.Millisecond || s.P50 != 2*time.Millisecond {
		t.Errorf("summary %+v", s)
	}
	if s.RPS() != 1.5 || s.OKPerSecond() != 0 {
		t.Errorf("rps %v ok/s %v", s.RPS(), s.OKPerSecond())
	}
	var out bytes.Buffer
	s.Print(&out)
	for _, want := range []string{"requests: 3 in 2.0 s", "errors:   3\n", "     2  HTTP 500\n", "     1  timeout\n", "first error: HTTP 500: boom"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
