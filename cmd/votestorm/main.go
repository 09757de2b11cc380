package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// Bounds that keep a run from going on by mistake.
const (
	maxConcurrency = 5000
	maxVoters      = demo.MaxLoadUsers
)

// Goals of the issue, reported as met or missed.
const (
	goalRatio = 0.5
	goalP99   = 100 * time.Millisecond
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errFailed means the run finished but casts failed or the count did not
// verify.
var errFailed = errors.New("some casts failed or the count did not verify")

// usageError is a bad command line.
type usageError struct{ error }

// run is the command: it returns the exit status (0 every cast succeeded
// and the count verified, 1 a cast, a step or the verification failed, 2 a
// usage error).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := runErr(ctx, args, getenv, stdout)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "votestorm: %v (see votestorm --help)\n", err)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "votestorm: %v\n", err)
		return 1
	}
}

// options is the parsed command line.
type options struct {
	url                *url.URL
	loadClient         string
	admin, adminPass   string
	chapter            string
	voters, candidates int
	concurrency        int
	loginConcurrency   int
	rate               float64
	recast             int
	timeout            time.Duration
	seed               uint64
	remote             bool
	bench              benchSpec
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("votestorm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8080", "the running Chapterhouse server")
	devDir := fs.String("dev-dir", "", "dev directory of `chapterhouse dev --load-users` (default $CHAPTERHOUSE_DEV_DIR, else .dev)")
	fs.StringVar(&o.loadClient, "load-client", "", "the load-test OAuth client file (default DEV-DIR/"+demo.LoadClientFile+")")
	admin := fs.String("admin", "admin:admin-demo", "USER:PASSWORD of a national admin, who sets the election up and is its official")
	fs.StringVar(&o.chapter, "chapter", "votestorm", "slug of the chapter the voters are imported into (chartered when missing)")
	fs.IntVar(&o.voters, "voters", 2000, "voters: load accounts voter00001..N, imported into the chapter; each casts once")
	fs.IntVar(&o.candidates, "candidates", 6, "candidates in the IRV contest (2..26)")
	fs.IntVar(&o.concurrency, "concurrency", 500, "voters casting at the same time")
	fs.IntVar(&o.loginConcurrency, "login-concurrency", 16, "concurrent logins while getting the voters' tokens")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: voters arriving per second (0: closed loop, each client casts as soon as the last cast returns)")
	fs.IntVar(&o.recast, "recast", 100, "voters who try to cast again (two requests each, at once) after the storm; each must get 409")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "per-request timeout (a cast cut off by it has an unknown outcome)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random ballots")
	fs.BoolVar(&o.remote, "allow-remote", false, "allow a server or provider that is not on a loopback address")
	fs.StringVar(&o.bench.dbURL, "pgbench-db", "", "PostgreSQL URL of the server's database for the pgbench baseline (dev prints it); empty skips the baseline")
	fs.IntVar(&o.bench.clients, "pgbench-clients", 0, "pgbench clients (default: --concurrency)")
	fs.IntVar(&o.bench.jobs, "pgbench-jobs", 2, "pgbench threads (-j)")
	fs.DurationVar(&o.bench.duration, "pgbench-duration", 15*time.Second, "pgbench run time (-T)")
	fs.IntVar(&o.bench.rows, "pgbench-rows", 400_000, "scratch members for pgbench (one per transaction)")
	fs.StringVar(&o.bench.binary, "pgbench", "pgbench", "the pgbench program")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	u, err := url.Parse(strings.TrimRight(*rawURL, "/"))
	if err != nil {
		return o, usageError{fmt.Errorf("--url: %w", err)}
	}
	if err := loadtest.CheckTarget(u, o.remote); err != nil {
		return o, usageError{err}
	}
	o.url = u
	var ok bool
	if o.admin, o.adminPass, ok = strings.Cut(*admin, ":"); !ok || o.admin == "" {
		return o, usageError{errors.New("--admin takes USER:PASSWORD")}
	}
	switch {
	case o.voters < 1 || o.voters > maxVoters:
		return o, usageError{fmt.Errorf("--voters must be 1..%d", maxVoters)}
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return o, usageError{fmt.Errorf("--concurrency must be 1..%d", maxConcurrency)}
	case o.loginConcurrency < 1 || o.loginConcurrency > maxConcurrency:
		return o, usageError{fmt.Errorf("--login-concurrency must be 1..%d", maxConcurrency)}
	case o.candidates < 2 || o.candidates > 26:
		return o, usageError{errors.New("--candidates must be 2..26")}
	case o.rate < 0:
		return o, usageError{errors.New("--rate must not be negative")}
	case o.recast < 0:
		return o, usageError{errors.New("--recast must not be negative")}
	case o.timeout <= 0:
		return o, usageError{errors.New("--timeout must be positive")}
	case o.bench.clients < 0 || o.bench.jobs < 1 || o.bench.duration < time.Second || o.bench.rows < 1:
		return o, usageError{errors.New("--pgbench-clients, -jobs, -duration (>= 1s) and -rows must be positive")}
	}
	if o.bench.clients == 0 {
		o.bench.clients = o.concurrency
	}
	if o.loadClient == "" {
		dir := *devDir
		if dir == "" {
			dir = getenv("CHAPTERHOUSE_DEV_DIR")
		}
		if dir == "" {
			dir = ".dev"
		}
		o.loadClient = filepath.Join(dir, demo.LoadClientFile)
	}
	return o, nil
}

func runErr(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	o, err := parseFlags(args, getenv, out)
	if err != nil {
		return err
	}
	lc, err := demo.ReadLoadClient(o.loadClient)
	if err != nil {
		return err
	}
	if lc.Users < o.voters {
		return usageError{fmt.Errorf("the provider knows %d load accounts (dev --load-users %d), fewer than --voters %d", lc.Users, lc.Users, o.voters)}
	}
	hc := loadtest.NewHTTPClient(max(o.concurrency, o.loginConcurrency), o.timeout, o.remote)
	login, err := newOIDCLogin(ctx, lc, hc, o.remote)
	if err != nil {
		return err
	}
	adminToken, err := login.token(ctx, o.admin, o.adminPass)
	if err != nil {
		return err
	}
	base := &api{base: o.url.String(), hc: hc}
	st, err := setup(ctx, base.as(adminToken), setupSpec{chapterSlug: o.chapter, voters: o.voters, candidates: o.candidates}, out)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== logins: %d voters through the provider's code flow, %d at a time\n", o.voters, o.loginConcurrency)
	tokens, ls := logins(ctx, login, o.voters, o.loginConcurrency)
	ls.Print(out)
	if ls.Failed > 0 || ctx.Err() != nil {
		return fmt.Errorf("%d logins failed", ls.Failed)
	}
	fmt.Fprintf(out, "\n== first requests: each voter loads the election with their new token, %d at a time\n", o.loginConcurrency)
	fr := firstRequests(ctx, base, tokens, st.electionID, o.loginConcurrency)
	fr.Print(out)
	if fr.Failed > 0 || ctx.Err() != nil {
		return fmt.Errorf("%d first requests failed", fr.Failed)
	}

	mode := "closed loop"
	if o.rate > 0 {
		mode = fmt.Sprintf("open loop at %g voters/s", o.rate)
	}
	fmt.Fprintf(out, "\n== storm: %d voters cast one ranked ballot each, %d concurrent (%s)\n", o.voters, o.concurrency, mode)
	ss, b := storm(ctx, base, tokens, st, stormSpec{concurrency: o.concurrency, rate: o.rate, seed: o.seed})
	ss.Print(out)
	withReceipt, _ := b.counts()
	accepted := float64(withReceipt) / ss.Elapsed.Seconds()
	fmt.Fprintf(out, "accepted: %d ballots = %.0f ballots/s\n", withReceipt, accepted)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	failed := ss.Failed > 0

	if o.recast > 0 {
		second, rs := recast(ctx, base, tokens, st, b, o.recast)
		fmt.Fprintf(out, "\n== recast: %d voters cast again, twice each at once: %d refused with 409, %d second receipts, %d other errors\n",
			rs.Requests/2, rs.Requests-rs.Failed, second, rs.Failed-second)
		if rs.Failed > 0 {
			rs.Print(out)
			failed = true
		}
	}
	fmt.Fprintln(out, "\n== verify")
	verr := verify(ctx, base.as(adminToken), st, b, out)
	if verr != nil {
		fmt.Fprintln(out, verr)
		failed = true
	}

	var bench benchResult
	if o.bench.dbURL != "" {
		fmt.Fprintf(out, "\n== baseline: pgbench, the same two inserts in one transaction, %d clients\n", o.bench.clients)
		bench, err = pgbenchBaseline(ctx, o.bench, out)
		if err != nil {
			fmt.Fprintf(out, "baseline failed: %v\n", err)
			failed = true
		} else {
			fmt.Fprintf(out, "pgbench: %.0f tps, average latency %.1f ms, %d transactions, %d clients\n",
				bench.tps, bench.latencyMs, bench.transactions, bench.clients)
		}
	}

	fmt.Fprintln(out, "\n== goals")
	metOr := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	if bench.tps > 0 {
		ratio := accepted / bench.tps
		fmt.Fprintf(out, "throughput: %.0f ballots/s / %.0f pgbench tps = %.2f (goal >= %.1f): %s\n", accepted, bench.tps, ratio, goalRatio, metOr(ratio >= goalRatio))
	} else {
		fmt.Fprintln(out, "throughput: no baseline (give --pgbench-db)")
	}
	fmt.Fprintf(out, "latency:    p99 %s at %d concurrent (goal < %s): %s\n", loadtest.Ms(ss.P99), o.concurrency, loadtest.Ms(goalP99), metOr(ss.P99 < goalP99))
	fmt.Fprintf(out, "count:      %s\n", map[bool]string{true: "ballots stored = voters with a receipt, exactly: met", false: "MISSED (see verify)"}[verr == nil])
	if failed {
		return errFailed
	}
	return nil
}
