package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// castError is a refused cast, grouped in the report by status and the
// problem's text (409 "already voted" is not 409 "voting not open").
type castError struct{ *loadtest.StatusError }

func (e castError) Kind() string {
	d := e.Detail
	if len(d) > 70 {
		d = d[:70] + "..."
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, d)
}

func (e castError) Unwrap() error { return e.StatusError }

// asCastError gives a status error its finer kind.
func asCastError(err error) error {
	var se *loadtest.StatusError
	if errors.As(err, &se) {
		return castError{se}
	}
	return err
}

// logins gets a bearer token for each of the first n load accounts,
// concurrently, through the provider's code flow.
func logins(ctx context.Context, l *oidcLogin, n, concurrency int) ([]string, loadtest.Summary) {
	tokens := make([]string, n)
	s := loadtest.Run(ctx, loadtest.Spec{Concurrency: min(concurrency, n), Requests: n}, func(ctx context.Context, _, i int) error {
		a, err := demo.LoadAccount(i + 1)
		if err != nil {
			return err
		}
		tokens[i], err = l.token(ctx, a.Username, a.Password)
		return err
	})
	return tokens, s
}

// firstRequests sends each voter's first request with their token: the
// election, as a voter's ballot page loads it. The server resolves a new
// token's subject to its member (asking the provider's userinfo once and
// linking the identity) on the first request, as the web login's callback
// does; doing it here keeps that one-time cost out of the casts.
func firstRequests(ctx context.Context, a *api, tokens []string, electionID string, concurrency int) loadtest.Summary {
	return loadtest.Run(ctx, loadtest.Spec{Concurrency: min(concurrency, len(tokens)), Requests: len(tokens)},
		func(ctx context.Context, _, i int) error {
			var e election
			if err := a.as(tokens[i]).call(ctx, http.MethodGet, electionPath(electionID), nil, http.StatusOK, &e); err != nil {
				return err
			}
			if e.State != "open" {
				return fmt.Errorf("voter %d sees the election %s", i+1, e.State)
			}
			return nil
		})
}

// ballots collects the receipts of a storm, by voter.
type ballots struct {
	mu       sync.Mutex
	receipts [][]receipt // by voter index
	// unknown counts casts whose outcome the client cannot know (the
	// connection failed or timed out after the request was sent): the
	// server may or may not have stored the ballot.
	unknown int
}

func (b *ballots) add(voter int, r receipt) {
	b.mu.Lock()
	b.receipts[voter] = append(b.receipts[voter], r)
	b.mu.Unlock()
}

// counts returns how many voters got a receipt and how many got more
// than one.
func (b *ballots) counts() (withReceipt, twice int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, rs := range b.receipts {
		if len(rs) > 0 {
			withReceipt++
		}
		if len(rs) > 1 {
			twice++
		}
	}
	return withReceipt, twice
}

// stormSpec is the storm.
type stormSpec struct {
	concurrency int
	rate        float64 // open loop when above zero
	seed        uint64
}

// randomRanking is a random IRV ballot: a random order of a random number
// (one to all) of the candidates.
func randomRanking(rng *rand.Rand, candidates []string) []string {
	out := append([]string(nil), candidates...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:1+rng.IntN(len(out))]
}

// storm has every voter cast one random ranked ballot, spec.concurrency at
// a time, each voter once (a closed loop over the voter list unless
// spec.rate is set). It returns what the clients saw and the receipts.
func storm(ctx context.Context, a *api, tokens []string, st setupResult, spec stormSpec) (loadtest.Summary, *ballots) {
	b := &ballots{receipts: make([][]receipt, len(tokens))}
	rngs := make([]*rand.Rand, spec.concurrency)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(spec.seed, uint64(i)))
	}
	path := contestPath(st.electionID, st.contestID) + "/ballot"
	s := loadtest.Run(ctx, loadtest.Spec{Concurrency: spec.concurrency, Requests: len(tokens), Rate: spec.rate},
		func(ctx context.Context, w, n int) error {
			var r receipt
			err := a.as(tokens[n]).call(ctx, http.MethodPost, path, map[string]any{"choices": randomRanking(rngs[w], st.candidates)},
				http.StatusCreated, &r)
			if err != nil {
				var se *loadtest.StatusError
				if !errors.As(err, &se) {
					b.mu.Lock()
					b.unknown++
					b.mu.Unlock()
				}
				return asCastError(err)
			}
			if r.Receipt == "" || r.ReceiptHash == "" {
				return errors.New("a 201 answer without a receipt")
			}
			b.add(n, r)
			return nil
		})
	return s, b
}

// recast has k voters who got a receipt cast again, all at once, two
// requests each: every one must be refused with 409. It returns the number
// of second receipts handed out (which must be zero) and what the clients
// saw.
func recast(ctx context.Context, a *api, tokens []string, st setupResult, b *ballots, k int) (int, loadtest.Summary) {
	var voters []int
	for i, rs := range b.receipts {
		if len(rs) == 1 && len(voters) < k {
			voters = append(voters, i)
		}
	}
	path := contestPath(st.electionID, st.contestID) + "/ballot"
	n := 2 * len(voters)
	var second int
	var mu sync.Mutex
	s := loadtest.Run(ctx, loadtest.Spec{Concurrency: max(n, 1), Requests: n}, func(ctx context.Context, _, i int) error {
		v := voters[i/2]
		var r receipt
		err := a.as(tokens[v]).call(ctx, http.MethodPost, path, map[string]any{"choices": st.candidates[:1]}, http.StatusCreated, &r)
		if err == nil {
			mu.Lock()
			second++
			mu.Unlock()
			b.add(v, r)
			return errors.New("a voter who had voted got a second receipt")
		}
		var se *loadtest.StatusError
		if errors.As(err, &se) && se.Status == http.StatusConflict {
			return nil
		}
		return asCastError(err)
	})
	return second, s
}

// verify closes the election through the API and checks that the ballots
// counted are exactly the receipts handed out: the result's ballot count,
// and the published ballots' receipt hashes against the receipts' hashes
// (none missing, none extra, none twice). It prints what it found and
// returns an error describing any mismatch.
func verify(ctx context.Context, admin *api, st setupResult, b *ballots, out io.Writer) error {
	start := time.Now()
	var e election
	if err := admin.call(ctx, http.MethodPost, electionPath(st.electionID)+"/transition", map[string]any{"to": "closed"},
		http.StatusOK, &e); err != nil {
		return fmt.Errorf("close the election: %w", err)
	}
	fmt.Fprintf(out, "closed the election (decrypt, shuffle, publish, count) in %.1f s\n", time.Since(start).Seconds())
	var res contestResult
	if err := admin.call(ctx, http.MethodGet, contestPath(st.electionID, st.contestID)+"/results", nil, http.StatusOK, &res); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	var pub struct {
		Items []publishedBallot `json:"items"`
	}
	if err := admin.call(ctx, http.MethodGet, contestPath(st.electionID, st.contestID)+"/ballots", nil, http.StatusOK, &pub); err != nil {
		return fmt.Errorf("published ballots: %w", err)
	}
	want := map[string]bool{}
	receipts := 0
	for _, rs := range b.receipts {
		for _, r := range rs {
			want[r.ReceiptHash] = true
			receipts++
		}
	}
	withReceipt, twice := b.counts()
	seen := map[string]int{}
	var extra, dup int
	for _, p := range pub.Items {
		seen[p.ReceiptHash]++
		if seen[p.ReceiptHash] == 2 {
			dup++
		}
		if !want[p.ReceiptHash] {
			extra++
		}
	}
	missing := 0
	for h := range want {
		if seen[h] == 0 {
			missing++
		}
	}
	fmt.Fprintf(out, "receipts: %d (voters with a receipt %d, with two or more %d, outcome unknown %d)\n",
		receipts, withReceipt, twice, b.unknown)
	fmt.Fprintf(out, "counted:  %d ballots (result), %d published; roll %d; winner %s\n",
		res.Ballots, len(pub.Items), res.RollSize, strings.Join(res.Winners, ", "))
	fmt.Fprintf(out, "match:    %d receipts missing from the published ballots, %d published ballots without a receipt, %d published twice\n",
		missing, extra, dup)
	var problems []string
	if twice > 0 {
		problems = append(problems, fmt.Sprintf("%d voters got two receipts", twice))
	}
	if res.Ballots != receipts || len(pub.Items) != receipts {
		problems = append(problems, fmt.Sprintf("ballots counted %d, published %d, receipts %d", res.Ballots, len(pub.Items), receipts))
	}
	if missing+extra+dup > 0 {
		problems = append(problems, "the published receipt hashes differ from the receipts handed out")
	}
	if len(problems) > 0 {
		if b.unknown > 0 {
			problems = append(problems, fmt.Sprintf("(%d casts had an unknown outcome: the client gave up before the answer)", b.unknown))
		}
		return errors.New("verification failed: " + strings.Join(problems, "; "))
	}
	fmt.Fprintln(out, "verified: ballots stored = voters who got a receipt, exactly; no voter got two receipts")
	return nil
}
