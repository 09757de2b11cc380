package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/blt"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/count"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/debian"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/rctab"
)

// Ballot file formats the tally command reads.
const (
	formatBLT    = "blt"
	formatRCTab  = "rctab"
	formatDebian = "debian"
)

// intFlag is an integer flag that remembers whether it was given.
type intFlag struct {
	v   int64
	set bool
}

func (f *intFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatInt(f.v, 10)
}

func (f *intFlag) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not a whole number")
	}
	f.v, f.set = v, true
	return nil
}

// parseInterleaved parses flags that may come before or after the
// positional arguments and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// runTally implements `chapterhouse tally --method METHOD [--seats N]
// [--seed S] [--format blt|rctab|debian] [--json] FILE`.
func runTally(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("tally", e)
	method := fs.String("method", "", "counting method: "+strings.Join(count.Methods(), ", ")+" (optional for an RCTab config)")
	format := fs.String("format", "", "ballot file format: blt, rctab or debian (default: from the file name or content)")
	asJSON := fs.Bool("json", false, "print the result as JSON (RCTab's report shape for an RCTab config)")
	var seats, seed intFlag
	fs.Var(&seats, "seats", "number of seats (overrides the file's)")
	fs.Var(&seed, "seed", "seed for random tie-breaks (recorded in the result)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: chapterhouse tally --method METHOD [--seats N] [--seed S] [--format blt|rctab|debian] [--json] FILE")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if len(pos) != 1 {
		return usagef("want exactly one ballot file, got %d arguments", len(pos))
	}
	path := pos[0]
	if *method != "" && !count.Known(*method) {
		return usagef("unknown method %q (want one of %s)", *method, strings.Join(count.Methods(), ", "))
	}
	if seats.set && seats.v < 1 {
		return usagef("--seats must be at least 1, got %d", seats.v)
	}
	var seedPtr *int64
	if seed.set {
		s := seed.v
		seedPtr = &s
	}
	f, err := detectFormat(path, *format)
	if err != nil {
		return err
	}
	if f == formatRCTab {
		return tallyRCTab(e, path, *method, seats, seedPtr, *asJSON)
	}
	if *method == "" {
		return usagef("--method is required for a %s file (one of %s)", f, strings.Join(count.Methods(), ", "))
	}
	c, opts, err := readContest(path, f)
	if err != nil {
		return err
	}
	if seats.set {
		c.Seats = int(seats.v)
	}
	opts.Seed = seedPtr
	res, err := count.Count(*method, c, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return printResult(e.stdout, res, *asJSON)
}

// detectFormat returns the ballot file's format: the one given, or one
// guessed from the name (.blt, *.json) or the content (a Debian tally
// sheet, or a BLT file whose first line is two numbers).
func detectFormat(path, given string) (string, error) {
	switch given {
	case formatBLT, formatRCTab, formatDebian:
		return given, nil
	case "":
	default:
		return "", usagef("unknown format %q (want blt, rctab or debian)", given)
	}
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".blt"):
		return formatBLT, nil
	case strings.HasSuffix(lower, ".json"):
		return formatRCTab, nil
	}
	head, err := readHead(path, 64<<10)
	if err != nil {
		return "", err
	}
	if debian.Looks(head) {
		return formatDebian, nil
	}
	first, _, _ := bytes.Cut(bytes.TrimPrefix(head, []byte("\ufeff")), []byte("\n"))
	if fields := strings.Fields(string(first)); len(fields) == 2 {
		if _, err := strconv.Atoi(fields[0]); err == nil {
			if _, err := strconv.Atoi(fields[1]); err == nil {
				return formatBLT, nil
			}
		}
	}
	return "", fmt.Errorf("%s: cannot tell the ballot file format (not .blt, not an RCTab *_config.json, not a Debian tally sheet); give --format", path)
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	k, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buf[:k], nil
}

// readContest reads a BLT file or a Debian tally sheet.
func readContest(path, format string) (tally.Contest, count.Options, error) {
	f, err := os.Open(path)
	if err != nil {
		return tally.Contest{}, count.Options{}, err
	}
	defer f.Close()
	switch format {
	case formatBLT:
		file, err := blt.Read(f)
		if err != nil {
			return tally.Contest{}, count.Options{}, fmt.Errorf("%s: %w", path, err)
		}
		return file.Contest, count.Options{TieOrder: file.TieOrder}, nil
	default:
		c, err := debian.Read(f)
		if err != nil {
			return tally.Contest{}, count.Options{}, fmt.Errorf("%s: %w", path, err)
		}
		return c, count.Options{}, nil
	}
}

// tallyRCTab counts an RCTab contest config with the rules it states.
func tallyRCTab(e env, path, method string, seats intFlag, seed *int64, asJSON bool) error {
	if method != "" && method != count.IRV {
		return usagef("an RCTab config states its own rules: --method must be %s or omitted, got %q", count.IRV, method)
	}
	cfg, err := rctab.LoadConfig(path)
	if err != nil {
		return err
	}
	if seats.set {
		cfg.NumberOfWinners = int(seats.v)
	}
	if seed != nil {
		cfg.RandomSeed = seed
	}
	rep, err := cfg.Tabulate()
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printResult(e.stdout, rep.Result(), false)
}

// printResult writes res as JSON or as a readable round-by-round table.
func printResult(w io.Writer, res tally.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Method: %s\nSeats:  %d\n", res.Method, res.Seats)
	if res.Quota != "" {
		fmt.Fprintf(&b, "Quota:  %s\n", res.Quota)
	}
	fmt.Fprintf(&b, "Elected: %s\n", strings.Join(res.Elected, ", "))
	if len(res.Ranking) > 0 {
		fmt.Fprintf(&b, "Ranking: %s\n", strings.Join(res.Ranking, " > "))
	}
	for _, r := range res.Rounds {
		fmt.Fprintf(&b, "\nRound %d", r.Number)
		if r.Quota != "" {
			fmt.Fprintf(&b, " (quota %s)", r.Quota)
		}
		b.WriteString("\n")
		names := make([]string, 0, len(r.Tally))
		width := len("exhausted")
		for name := range r.Tally {
			names = append(names, name)
			width = max(width, len(name))
		}
		slices.SortFunc(names, func(x, y string) int {
			if c := compareDecimal(r.Tally[y], r.Tally[x]); c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		for _, name := range names {
			mark := ""
			switch {
			case slices.Contains(r.Elected, name):
				mark = "  elected"
			case slices.Contains(r.Eliminated, name):
				mark = "  eliminated"
			}
			fmt.Fprintf(&b, "  %-*s %15s%s\n", width, name, r.Tally[name], mark)
		}
		if r.Exhausted != "" {
			fmt.Fprintf(&b, "  %-*s %15s\n", width, "exhausted", r.Exhausted)
		}
		for _, t := range r.Transfers {
			to := make([]string, 0, len(t.To))
			for k, v := range t.To {
				to = append(to, k+" "+v)
			}
			slices.Sort(to)
			fmt.Fprintf(&b, "  transfer from %s", t.From)
			if t.Value != "" {
				fmt.Fprintf(&b, " at %s", t.Value)
			}
			fmt.Fprintf(&b, ": %s\n", strings.Join(to, ", "))
		}
		if r.Note != "" {
			fmt.Fprintf(&b, "  %s\n", r.Note)
		}
	}
	if len(res.TieBreaks) > 0 {
		b.WriteString("\nTie-breaks:\n")
		for _, t := range res.TieBreaks {
			fmt.Fprintf(&b, "  round %d: %s chosen among %s (%s)\n", t.Round, t.Chosen, strings.Join(t.Between, ", "), t.Reason)
		}
	}
	if res.Seed != nil {
		fmt.Fprintf(&b, "\nSeed: %d\n", *res.Seed)
	}
	if len(res.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range res.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// compareDecimal compares two decimal strings numerically; strings that
// are not numbers sort after numbers.
func compareDecimal(x, y string) int {
	a, okA := new(big.Rat).SetString(x)
	b, okB := new(big.Rat).SetString(y)
	switch {
	case okA && okB:
		return a.Cmp(b)
	case okA:
		return 1
	case okB:
		return -1
	}
	return strings.Compare(x, y)
}
