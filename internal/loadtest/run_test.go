package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type kinded struct{ k string }

func (e kinded) Error() string { return "kinded " + e.k }
func (e kinded) Kind() string  { return e.k }

func TestRunClosedLoopNumbersEachRequestOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	workers := map[int]bool{}
	s := Run(context.Background(), Spec{Concurrency: 7, Requests: 500}, func(_ context.Context, w, n int) error {
		mu.Lock()
		defer mu.Unlock()
		seen[n]++
		workers[w] = true
		if n%50 == 0 {
			return kinded{"odd"}
		}
		return nil
	})
	if s.Requests != 500 || s.Failed != 10 || s.Errors["odd"] != 10 {
		t.Errorf("summary %+v, want 500 requests and 10 failures of kind odd", s)
	}
	for n := range 500 {
		if seen[n] != 1 {
			t.Fatalf("request %d sent %d times", n, seen[n])
		}
	}
	for w := range workers {
		if w < 0 || w >= 7 {
			t.Errorf("worker id %d out of range", w)
		}
	}
}

func TestRunStopsByDurationAndDropsCutOffRequests(t *testing.T) {
	start := time.Now()
	s := Run(context.Background(), Spec{Concurrency: 3, Duration: 150 * time.Millisecond}, func(ctx context.Context, _, _ int) error {
		select {
		case <-time.After(10 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a 150ms run took %v", d)
	}
	if s.Requests == 0 || s.Failed != 0 {
		t.Errorf("summary %+v: want requests and no failures (cut-off requests are not failures)", s)
	}
}

func TestRunOpenLoopKeepsTheRate(t *testing.T) {
	s := Run(context.Background(), Spec{Concurrency: 4, Rate: 200, Duration: 500 * time.Millisecond}, func(context.Context, int, int) error {
		return nil
	})
	// 200/s for 0.5 s is 100 requests; allow for timer slack on a busy machine.
	if s.Requests < 70 || s.Requests > 104 {
		t.Errorf("%d requests at 200/s in 0.5 s, want about 100", s.Requests)
	}
}

func TestRunOpenLoopMeasuresFromDueTime(t *testing.T) {
	// One client, 100/s, each request takes 30 ms: the client falls behind,
	// and latencies must grow with the backlog instead of staying at 30 ms.
	s := Run(context.Background(), Spec{Concurrency: 1, Rate: 100, Requests: 10}, func(context.Context, int, int) error {
		time.Sleep(30 * time.Millisecond)
		return nil
	})
	if s.Max < 150*time.Millisecond {
		t.Errorf("max latency %v: the backlog is not counted (coordinated omission)", s.Max)
	}
}

func TestResponseErrorAndKinds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "upstream down")
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"title":"Conflict","detail":"you have already voted","status":409}`)
	}))
	defer srv.Close()
	for path, want := range map[string]string{"/p": "HTTP 409: Conflict: you have already voted", "/plain": "HTTP 502: upstream down"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		err = ResponseError(resp)
		resp.Body.Close()
		if err.Error() != want {
			t.Errorf("%s: %q, want %q", path, err, want)
		}
		if k := ErrorKind(fmt.Errorf("wrapped: %w", err)); !strings.HasPrefix(want, k) {
			t.Errorf("%s: kind %q", path, k)
		}
	}
	if k := ErrorKind(kinded{"mine"}); k != "mine" {
		t.Errorf("kinded error: %q", k)
	}
	if k := ErrorKind(errors.New("x")); k != "connection error" {
		t.Errorf("plain error: %q", k)
	}
	if k := ErrorKind(io.ErrUnexpectedEOF); k != "malformed response" {
		t.Errorf("EOF: %q", k)
	}
}
