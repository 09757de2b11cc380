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
	"strings"
	"syscall"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// Bounds that keep a run from going on by mistake.
const (
	maxDuration    = 30 * time.Minute
	maxConcurrency = 2000
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errFailed means the run finished but some requests failed.
var errFailed = errors.New("some requests failed")

// usageError is a bad command line.
type usageError struct{ error }

// run is the command: it returns the exit status (0 all requests
// succeeded, 1 a request or a step failed, 2 a usage error).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := runErr(ctx, args, getenv, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "loadroster: %v\n", err)
		return 2
	case errors.Is(err, errFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "loadroster: %v\n", err)
		return 1
	}
}

func runErr(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadroster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of the running server (loopback only unless --allow-remote)")
	token := fs.String("token", "", "bearer access token (default $CHAPTERHOUSE_TOKEN)")
	login := fs.String("login", "", "USER:PASSWORD: sign in through the server's web login instead of a token (dev server)")
	chapterArg := fs.String("chapter", "", "chapter id or slug whose roster is loaded (required unless --write-csv)")
	concurrency := fs.Int("concurrency", 100, "concurrent clients")
	rate := fs.Float64("rate", 0, "offered load in requests/s shared by the clients (open loop); 0 sends as fast as answers come (closed loop)")
	duration := fs.Duration("duration", 0, "how long to run (default 20s when --requests is not given)")
	requests := fs.Int("requests", 0, "total requests to send, then stop")
	query := fs.String("query", "status=active&sort=name&limit=50", "roster filter, as the listing's query string")
	pages := fs.Int("pages", 1, "pages each client walks by next_cursor before starting over")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	seedMembers := fs.Int("seed-members", 0, "before measuring, import this many generated members into the chapter")
	seed := fs.Uint64("seed", 1, "random seed of the generated members")
	writeCSV := fs.String("write-csv", "", "write --seed-members generated members to this file and exit (no network)")
	remote := fs.Bool("allow-remote", false, "allow a server that is not on a loopback address")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadroster --url URL (--token T | --login USER:PASSWORD) --chapter ID|SLUG [flags]\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}

	if *writeCSV != "" {
		if *seedMembers <= 0 {
			return usageError{errors.New("--write-csv needs --seed-members N")}
		}
		return writeFile(*writeCSV, *seedMembers, *seed, stdout)
	}

	u, err := url.Parse(strings.TrimRight(*base, "/"))
	if err != nil {
		return usageError{fmt.Errorf("--url: %w", err)}
	}
	if err := loadtest.CheckTarget(u, *remote); err != nil {
		return usageError{fmt.Errorf("--url: %w", err)}
	}
	switch {
	case *chapterArg == "":
		return usageError{errors.New("--chapter is required")}
	case *rate < 0:
		return usageError{fmt.Errorf("--rate must not be negative")}
	case *concurrency < 1 || *concurrency > maxConcurrency:
		return usageError{fmt.Errorf("--concurrency must be between 1 and %d", maxConcurrency)}
	case *requests < 0 || *duration < 0 || *seedMembers < 0:
		return usageError{errors.New("--requests, --duration and --seed-members must not be negative")}
	case *duration > maxDuration:
		return usageError{fmt.Errorf("--duration must be at most %v", maxDuration)}
	case *pages < 1:
		return usageError{errors.New("--pages must be at least 1")}
	case strings.Contains(*query, "cursor="):
		return usageError{errors.New("--query must not carry a cursor; use --pages to walk pages")}
	}
	if *requests == 0 && *duration == 0 {
		*duration = 20 * time.Second
	}
	if *token == "" {
		*token = getenv("CHAPTERHOUSE_TOKEN")
	}
	if *login != "" {
		*token = "" // --login wins over a token in the environment
	}
	if *token == "" && *login == "" {
		return usageError{errors.New("give --token, CHAPTERHOUSE_TOKEN or --login USER:PASSWORD")}
	}

	c := &client{base: u, hc: loadtest.NewHTTPClient(*concurrency, *timeout, *remote), token: *token, remote: *remote}
	if *login != "" {
		user, password, ok := strings.Cut(*login, ":")
		if !ok || user == "" {
			return usageError{errors.New("--login takes USER:PASSWORD")}
		}
		if err := c.login(ctx, user, password); err != nil {
			return err
		}
	}
	chapterID, err := c.resolveChapter(ctx, *chapterArg)
	if err != nil {
		return err
	}
	if *seedMembers > 0 {
		if err := c.seed(ctx, chapterID, *seedMembers, *seed, stdout); err != nil {
			return err
		}
	}
	// One request first: a wrong filter or missing permission shows as
	// one clear error instead of thousands.
	if _, err := c.fetchPage(ctx, "/api/v1/chapters/"+url.PathEscape(chapterID)+"/members?"+*query, true); err != nil {
		return fmt.Errorf("first request: %w", err)
	}
	spec := loadSpec{chapterID: chapterID, query: *query, concurrency: *concurrency, requests: *requests, rate: *rate,
		duration: *duration, pages: *pages}
	fmt.Fprintf(stdout, "GET %s/api/v1/chapters/%s/members?%s  (%d clients, ", u, chapterID, *query, *concurrency)
	if *requests > 0 {
		fmt.Fprintf(stdout, "%d requests", *requests)
		if *duration > 0 {
			fmt.Fprintf(stdout, " or %v", *duration)
		}
	} else {
		fmt.Fprintf(stdout, "%v", *duration)
	}
	if *rate > 0 {
		fmt.Fprintf(stdout, ", open loop at %g req/s", *rate)
	}
	fmt.Fprintf(stdout, ", %d page(s) deep)\n", *pages)
	s := c.load(ctx, spec)
	s.Print(stdout)
	if s.Failed > 0 {
		return errFailed
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// writeFile writes n generated members to path.
func writeFile(path string, n int, seed uint64, stdout io.Writer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := generate(f, n, seed); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d members to %s\n", n, path)
	return nil
}
