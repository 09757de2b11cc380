package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/convention/apportion"
)

// methodRatio is the membership-convention rule round(members / ratio).
const methodRatio = "ratio"

// apportionJSON is the --json output of the apportion command.
type apportionJSON struct {
	Method string         `json:"method"`
	Total  int            `json:"total"`
	Seats  map[string]int `json:"seats"`
	// Priority is the divisor methods' order of seats.
	Priority []apportion.Award `json:"priority,omitempty"`
	// Excluded names the units below the threshold.
	Excluded []string `json:"excluded,omitempty"`
}

// runApportion implements `chapterhouse apportion --method M --seats N
// [--ratio R] [--min M] [--threshold FRACTION] [--json] FILE.csv`.
func runApportion(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("apportion", e)
	method := fs.String("method", "", "huntington-hill, webster, dhondt, adams, hamilton or ratio")
	ratioS := fs.String("ratio", "", "members per seat for --method ratio (a number such as 75, 75.5 or 151/2)")
	thresholdS := fs.String("threshold", "", "fraction of the total population a unit needs (0.04, 4% or 1/25)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	var seats, minimum intFlag
	fs.Var(&seats, "seats", "number of seats to apportion (not with --method ratio)")
	fs.Var(&minimum, "min", "minimum seats per unit (default 0; 1 for --method ratio)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: chapterhouse apportion --method huntington-hill|webster|dhondt|adams|hamilton|ratio --seats N [--ratio R] [--min M] [--threshold FRACTION] [--json] FILE.csv")
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
		return usagef("want exactly one CSV file, got %d arguments", len(pos))
	}
	if minimum.set && (minimum.v < 0 || minimum.v > 1<<20) {
		return usagef("--min must be between 0 and %d, got %d", 1<<20, minimum.v)
	}
	if *method == "" {
		return usagef("--method is required (huntington-hill, webster, dhondt, adams, hamilton or ratio)")
	}
	var m apportion.Method
	if *method != methodRatio {
		if m, err = apportion.ParseMethod(*method); err != nil {
			return usageError{err}
		}
		if !seats.set {
			return usagef("--seats is required for --method %s", *method)
		}
		if seats.v < 1 || seats.v > 1<<24 {
			return usagef("--seats must be between 1 and %d, got %d", 1<<24, seats.v)
		}
		if *ratioS != "" {
			return usagef("--ratio applies only to --method ratio")
		}
	} else {
		if seats.set {
			return usagef("--seats does not apply to --method ratio: the ratio sets the number of seats")
		}
		if *thresholdS != "" {
			return usagef("--threshold does not apply to --method ratio")
		}
	}
	units, err := readUnits(pos[0])
	if err != nil {
		return err
	}
	out := apportionJSON{Method: *method, Seats: make(map[string]int, len(units))}
	result := make([]int, len(units))
	if *method == methodRatio {
		ratio, ok := parseRational(*ratioS)
		if *ratioS == "" || !ok || ratio.Sign() <= 0 {
			return usagef("--method ratio needs --ratio, a positive number of members per seat, got %q", *ratioS)
		}
		min := 1
		if minimum.set {
			min = int(minimum.v)
		}
		if result, err = apportion.ByRatio(units, ratio, min); err != nil {
			return err
		}
	} else {
		opts := apportion.Options{Seats: int(seats.v), Min: int(minimum.v)}
		if *thresholdS != "" {
			th, ok := parseRational(*thresholdS)
			if !ok {
				return usagef("--threshold %q is not a fraction (0.04, 4%% or 1/25)", *thresholdS)
			}
			opts.Threshold = th
		}
		res, err := apportion.Apportion(m, units, opts)
		if err != nil {
			return err
		}
		result = res.Seats
		out.Method = string(m)
		out.Priority = res.Priority
		for i, ok := range res.Eligible {
			if !ok {
				out.Excluded = append(out.Excluded, units[i].Name)
			}
		}
	}
	for i, u := range units {
		out.Seats[u.Name] = result[i]
		out.Total += result[i]
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printApportionment(e.stdout, units, result, out)
}

func readUnits(path string) ([]apportion.Unit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	units, err := apportion.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return units, nil
}

// parseRational reads "0.04", "1/25", "75" or "4%" exactly.
func parseRational(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	if s == "" || strings.ContainsAny(s, "eE") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, true
}

func printApportionment(w io.Writer, units []apportion.Unit, seats []int, out apportionJSON) error {
	var b strings.Builder
	width := len("total")
	for _, u := range units {
		width = max(width, len(u.Name))
	}
	fmt.Fprintf(&b, "Method: %s\n\n  %-*s %12s %6s\n", out.Method, width, "name", "population", "seats")
	var pop int64
	for i, u := range units {
		pop += u.Population
		fmt.Fprintf(&b, "  %-*s %12d %6d\n", width, u.Name, u.Population, seats[i])
	}
	fmt.Fprintf(&b, "  %-*s %12d %6d\n", width, "total", pop, out.Total)
	if len(out.Excluded) > 0 {
		fmt.Fprintf(&b, "\nBelow the threshold: %s\n", strings.Join(out.Excluded, ", "))
	}
	if len(out.Priority) > 0 {
		b.WriteString("\nPriority order:\n")
		for _, a := range out.Priority {
			fmt.Fprintf(&b, "  seat %3d  %-*s %s\n", a.Seat, width, a.Name, a.Priority)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
