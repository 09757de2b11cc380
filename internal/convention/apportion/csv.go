package apportion

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// ReadCSV reads units from CSV with a header row naming the columns "name"
// and "population" (case-insensitive, in any order; other columns are
// ignored; a UTF-8 byte-order mark is skipped). Each later row is one unit:
// a non-empty name and a whole, non-negative population written with digits
// only. Blank lines are skipped.
//
// Errors wrap ErrInvalid and name the line and the column: malformed CSV, a
// missing or repeated header column, a row whose number of columns differs
// from the header's (an unquoted thousands separator, say), an empty or
// repeated name, a population that is not a whole number or is negative,
// or no data row.
func ReadCSV(r io.Reader) ([]Unit, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, invalidf("CSV is empty: want a header row name,population")
	}
	if err != nil {
		return nil, csvError(err)
	}
	nameCol, popCol := -1, -1
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "name":
			if nameCol >= 0 {
				return nil, invalidf("line 1: column \"name\" appears twice in the header")
			}
			nameCol = i
		case "population":
			if popCol >= 0 {
				return nil, invalidf("line 1: column \"population\" appears twice in the header")
			}
			popCol = i
		}
	}
	if nameCol < 0 || popCol < 0 {
		return nil, invalidf("line 1: header %q must name the columns name and population", strings.Join(header, ","))
	}
	var units []Unit
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, invalidf("line %d: %d column(s), the header has %d", line, len(rec), len(header))
		}
		name := strings.TrimSpace(rec[nameCol])
		if name == "" {
			return nil, invalidf("line %d, column name: empty name", line)
		}
		if first, dup := seen[name]; dup {
			return nil, invalidf("line %d, column name: %q already on line %d", line, name, first)
		}
		seen[name] = line
		raw := strings.TrimSpace(rec[popCol])
		pop, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || strings.HasPrefix(raw, "+") {
			return nil, invalidf("line %d, column population: %q is not a whole number", line, raw)
		}
		if pop < 0 {
			return nil, invalidf("line %d, column population: %d is negative", line, pop)
		}
		units = append(units, Unit{Name: name, Population: pop})
	}
	if len(units) == 0 {
		return nil, invalidf("CSV has a header but no units")
	}
	return units, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return invalidf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}
