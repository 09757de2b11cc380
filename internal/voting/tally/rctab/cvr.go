package rctab

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Reserved labels, as RCTab writes them in reports.
const (
	uwiName      = "Undeclared Write-ins"
	overvoteName = "overvote"
)

// Candidate ids used inside a count. Config candidates take 0..n-1 in config
// order; the undeclared write-in pseudo-candidate (if any) takes n.
const overvoteID int32 = -2

// rankSet is the set of candidates a ballot marks at one rank.
type rankSet struct {
	rank  int
	cands []int32
}

// ballot is one cast vote record (or Weight identical ones), rankings
// sorted by rank with empty ranks left out.
type ballot struct {
	id       string
	precinct string
	weight   int64
	ranks    []rankSet
}

// resolver maps the strings found in CVRs to candidate ids.
type resolver struct {
	byKey map[string]int32
	uwi   int32 // -1 when no source declares an undeclared write-in label
	names []string
}

func newResolver(c *Config) *resolver {
	r := &resolver{byKey: map[string]int32{}, uwi: -1}
	for i, cand := range c.Candidates {
		id := int32(i)
		r.names = append(r.names, cand.Name)
		r.byKey[cand.Name] = id
		if cand.Code != "" {
			r.byKey[strings.TrimSpace(cand.Code)] = id
		}
		for _, a := range cand.Aliases {
			if a = strings.TrimSpace(a); a != "" {
				r.byKey[a] = id
			}
		}
	}
	if c.hasUWI() {
		r.uwi = int32(len(c.Candidates))
		r.names = append(r.names, uwiName)
	}
	return r
}

// lookup resolves a trimmed, non-empty CVR string for a source.
func (r *resolver) lookup(s string, src *CvrSource) (int32, bool) {
	if src.UndeclaredWriteInLabel != "" && s == src.UndeclaredWriteInLabel {
		return r.uwi, true
	}
	if src.OvervoteLabel != "" && s == src.OvervoteLabel {
		return overvoteID, true
	}
	id, ok := r.byKey[s]
	return id, ok
}

// addRank adds cand at rank to a ballot's rankings, keeping them sorted and
// each rank's set free of repeats.
func addRank(ranks []rankSet, rank int, cand int32) []rankSet {
	i, found := slices.BinarySearchFunc(ranks, rank, func(a rankSet, r int) int { return a.rank - r })
	if found {
		if !slices.Contains(ranks[i].cands, cand) {
			ranks[i].cands = append(ranks[i].cands, cand)
		}
		return ranks
	}
	return slices.Insert(ranks, i, rankSet{rank: rank, cands: []int32{cand}})
}

// readSources reads every CVR source of the config in order.
func readSources(c *Config, res *resolver) ([]ballot, error) {
	var all []ballot
	for i := range c.Sources {
		src := &c.Sources[i]
		data, err := os.ReadFile(src.path)
		if err != nil {
			return nil, fmt.Errorf("rctab: cvrFileSources[%d]: %w", i, err)
		}
		var bs []ballot
		switch src.Provider {
		case "ess":
			bs, err = readESS(data, src, res, c.MaxRankings)
		case "genericCsv":
			bs, err = readGenericCSV(data, src, res, c.MaxRankings)
		case "cdf":
			bs, err = readCDF(data, src, res)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.FilePath, err)
		}
		all = append(all, bs...)
	}
	return all, nil
}

// csvRow is one line of a CSV file; an empty line gives an empty row.
type csvRow struct {
	line   int
	fields []string
}

// readCSVRows parses RFC 4180 CSV keeping empty lines as empty rows (a sheet
// dumped to CSV keeps its blank rows, which RCTab counts as ballots).
func readCSVRows(data []byte) ([]csvRow, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var rows []csvRow
	line := 1
	i := 0
	n := len(data)
	for i < n {
		start := line
		var fields []string
		var field strings.Builder
		inQuotes := false
		atFieldStart := true
		quotedField := false
		endRow := false
		for i < n && !endRow {
			ch := data[i]
			switch {
			case inQuotes:
				if ch == '"' {
					if i+1 < n && data[i+1] == '"' {
						field.WriteByte('"')
						i++
					} else {
						inQuotes = false
					}
				} else {
					if ch == '\n' {
						line++
					}
					field.WriteByte(ch)
				}
			case ch == '"' && atFieldStart:
				inQuotes = true
				quotedField = true
			case ch == ',':
				fields = append(fields, field.String())
				field.Reset()
				atFieldStart = true
				quotedField = false
				i++
				continue
			case ch == '\r' && i+1 < n && data[i+1] == '\n':
				i++
				line++
				endRow = true
			case ch == '\n':
				line++
				endRow = true
			default:
				if quotedField {
					return nil, tally.Invalidf("line %d: unexpected character after closing quote", line)
				}
				field.WriteByte(ch)
			}
			atFieldStart = false
			i++
		}
		if inQuotes {
			return nil, tally.Invalidf("line %d: unterminated quoted field", start)
		}
		if len(fields) > 0 || field.Len() > 0 || quotedField {
			fields = append(fields, field.String())
		}
		rows = append(rows, csvRow{line: start, fields: fields})
	}
	return rows, nil
}

// colIndex parses an optional 1-based column index; 0 when unset.
func colIndex(v flexString) int {
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func cell(fields []string, col int) string {
	if col < 1 || col > len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[col-1])
}
