package rctab

import (
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// readESS reads an ES&S cast-vote-record sheet dumped cell by cell to CSV.
// Rows from firstVoteRowIndex (1-based) are ballots, including entirely
// blank rows (undervotes); columns from firstVoteColumnIndex hold the
// choice at rank 1, 2, ... up to maxRankings. A cell holds a candidate
// name, code or alias, the source's skipped-rank, overvote or undeclared
// write-in label, several candidates joined by overvoteDelimiter, or
// nothing. Unknown names are errors naming the line and column.
func readESS(data []byte, src *CvrSource, res *resolver, maxRankings int) ([]ballot, error) {
	rows, err := readCSVRows(data)
	if err != nil {
		return nil, err
	}
	firstRow, firstCol := colIndex(src.FirstVoteRowIndex), colIndex(src.FirstVoteColumnIndex)
	idCol, precCol := colIndex(src.IDColumnIndex), colIndex(src.PrecinctColumnIndex)
	var out []ballot
	for ri, row := range rows {
		if ri+1 < firstRow {
			continue
		}
		b := ballot{weight: 1, id: cell(row.fields, idCol), precinct: cell(row.fields, precCol)}
		if idCol == 0 || b.id == "" {
			b.id = strings.TrimSpace(src.FilePath) + "-" + itoa(row.line)
		}
		for k := 0; k < maxRankings; k++ {
			col := firstCol + k
			rank := k + 1
			v := cell(row.fields, col)
			var parts []string
			switch {
			case v == "":
				if !src.TreatBlankAsUndeclaredWriteIn {
					continue
				}
				parts = []string{src.UndeclaredWriteInLabel}
			case src.SkippedRankLabel != "" && v == src.SkippedRankLabel:
				continue
			case src.OvervoteDelimiter != "" && strings.Contains(v, src.OvervoteDelimiter):
				for _, p := range strings.Split(v, src.OvervoteDelimiter) {
					if p = strings.TrimSpace(p); p != "" {
						parts = append(parts, p)
					}
				}
			default:
				parts = []string{v}
			}
			for _, p := range parts {
				id, ok := res.lookup(p, src)
				if !ok {
					return nil, tally.Invalidf("line %d, column %d (rank %d): unrecognized candidate %q", row.line, col, rank, p)
				}
				if id == overvoteID && len(parts) > 1 {
					return nil, tally.Invalidf("line %d, column %d: overvote label mixed with candidates", row.line, col)
				}
				b.ranks = addRank(b.ranks, rank, id)
			}
		}
		out = append(out, b)
	}
	return out, nil
}
