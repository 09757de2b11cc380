package rctab

import (
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// readGenericCSV reads RCTab's generic CSV: a header row naming one
// candidate per column from firstVoteColumnIndex on, then one row per ballot
// whose cells hold the rank the voter gave that candidate (blank: not
// ranked). Two candidates given the same rank form an overvote at that
// rank. A rank above maxRankings stops the count with an error, as RCTab
// does (CastVoteRecordGenericParseException).
func readGenericCSV(data []byte, src *CvrSource, res *resolver, maxRankings int) ([]ballot, error) {
	rows, err := readCSVRows(data)
	if err != nil {
		return nil, err
	}
	firstRow, firstCol := colIndex(src.FirstVoteRowIndex), colIndex(src.FirstVoteColumnIndex)
	idCol, precCol := colIndex(src.IDColumnIndex), colIndex(src.PrecinctColumnIndex)
	if firstRow < 2 {
		return nil, tally.Invalidf("firstVoteRowIndex %d leaves no row for the candidate header", firstRow)
	}
	if len(rows) < firstRow-1 {
		return nil, tally.Invalidf("no header row")
	}
	header := rows[firstRow-2]
	var cols []int32
	for col := firstCol; col <= len(header.fields); col++ {
		name := cell(header.fields, col)
		if name == "" {
			return nil, tally.Invalidf("line %d, column %d: empty candidate name in header", header.line, col)
		}
		id, ok := res.lookup(name, src)
		if !ok || id == overvoteID {
			return nil, tally.Invalidf("line %d, column %d: unrecognized candidate %q in header", header.line, col, name)
		}
		cols = append(cols, id)
	}
	if len(cols) == 0 {
		return nil, tally.Invalidf("line %d: header has no candidate columns from column %d", header.line, firstCol)
	}
	var out []ballot
	for _, row := range rows[firstRow-1:] {
		if len(row.fields) == 0 {
			continue // a blank line in a text CSV is not a ballot
		}
		b := ballot{weight: 1, id: cell(row.fields, idCol), precinct: cell(row.fields, precCol)}
		if b.id == "" {
			b.id = src.FilePath + "-" + itoa(row.line)
		}
		for k, id := range cols {
			col := firstCol + k
			v := cell(row.fields, col)
			if v == "" {
				continue
			}
			rank, err := strconv.Atoi(v)
			if err != nil || rank < 1 {
				return nil, tally.Invalidf("line %d, column %d: rank %q is not a positive integer", row.line, col, v)
			}
			if rank > maxRankings {
				return nil, tally.Invalidf("line %d, column %d: rank %d exceeds maxRankingsAllowed %d", row.line, col, rank, maxRankings)
			}
			b.ranks = addRank(b.ranks, rank, id)
		}
		out = append(out, b)
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

var _ = strings.TrimSpace
