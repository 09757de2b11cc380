// Package debian reads the tally sheets Debian publishes for its votes (the
// devotee format) into a tally.Contest, so a Debian vote can be recounted
// with the Schulze method (or any other ranked method).
package debian

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// legendLine matches an option legend line such as
// "   |/  Option 2---->: Sruthi Chandran".
var legendLine = regexp.MustCompile(`^[\s|/]*Option\s+([0-9]+)\s*-*>:\s*(.*?)\s*$`)

// maxLine bounds a single line of a tally sheet.
const maxLine = 1 << 16

// Read parses a Debian tally sheet: free text, then an option legend (one
// "Option N--->: Name" line per option, numbered 1..n in order), then one
// line per voter "V: <vote> <token>". The vote holds one character per
// option in legend order: a digit 1-9 is the rank given to the option
// (1 = first; equal digits = equal preference; numbers may skip, leaving an
// empty rank) and '-' leaves the option unranked, which Debian counts as
// tied below every ranked option (the tally.Contest default). The token (the
// voter's HMAC) is optional; a token used twice is an error. Lines before
// the legend are ignored; after it, only blank lines and vote lines may
// follow. The contest has one seat, the legend's names as candidates, and
// the ballots grouped (tally.Group); a vote ranking nothing is kept as a
// blank ballot.
//
// Errors wrap tally.ErrInvalid and name the line: a vote of the wrong length,
// a character other than 1-9 or '-', a legend out of order, a vote before
// the legend, an unexpected line, a repeated token, or a sheet with no
// options or no votes. Read errors of r are returned wrapped.
func Read(r io.Reader) (tally.Contest, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var (
		options []string
		ballots []tally.Ballot
		tokens  = map[string]int{}
		lineNo  int
	)
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "V:") {
			if len(options) == 0 {
				return tally.Contest{}, tally.Invalidf("line %d: vote before any option legend", lineNo)
			}
			b, token, err := parseVote(trimmed, len(options))
			if err != nil {
				return tally.Contest{}, tally.Invalidf("line %d: %v", lineNo, err)
			}
			if token != "" {
				if first, dup := tokens[token]; dup {
					return tally.Contest{}, tally.Invalidf("line %d: token %s already voted on line %d", lineNo, token, first)
				}
				tokens[token] = lineNo
			}
			ballots = append(ballots, b)
			continue
		}
		if m := legendLine.FindStringSubmatch(line); m != nil {
			if len(ballots) > 0 {
				return tally.Contest{}, tally.Invalidf("line %d: option legend after votes", lineNo)
			}
			n, err := strconv.Atoi(m[1])
			if err != nil || n != len(options)+1 {
				return tally.Contest{}, tally.Invalidf("line %d: option %s out of order, want option %d", lineNo, m[1], len(options)+1)
			}
			if m[2] == "" {
				return tally.Contest{}, tally.Invalidf("line %d: option %d has no name", lineNo, n)
			}
			options = append(options, m[2])
			continue
		}
		if len(ballots) > 0 && trimmed != "" {
			return tally.Contest{}, tally.Invalidf("line %d: unexpected text among the votes: %q", lineNo, clip(trimmed))
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return tally.Contest{}, tally.Invalidf("line %d: longer than %d bytes", lineNo+1, maxLine)
		}
		return tally.Contest{}, err
	}
	if len(options) == 0 {
		return tally.Contest{}, tally.Invalidf("no option legend (\"Option 1--->: name\" lines) found")
	}
	if len(ballots) == 0 {
		return tally.Contest{}, tally.Invalidf("no votes (\"V: ...\" lines) found")
	}
	c := tally.Contest{Title: "Debian tally sheet", Candidates: options, Seats: 1, Ballots: tally.Group(ballots)}
	if err := c.Validate(); err != nil {
		return tally.Contest{}, err
	}
	return c, nil
}

// parseVote parses "V: <vote> [token]" against n options.
func parseVote(line string, n int) (tally.Ballot, string, error) {
	fields := strings.Fields(strings.TrimPrefix(line, "V:"))
	if len(fields) == 0 || len(fields) > 2 {
		return tally.Ballot{}, "", errors.New(`want "V: <vote> <token>"`)
	}
	vote := fields[0]
	token := ""
	if len(fields) == 2 {
		token = fields[1]
	}
	if len(vote) != n {
		return tally.Ballot{}, "", errors.New("vote " + strconv.Quote(clip(vote)) + " has " + strconv.Itoa(len(vote)) +
			" characters, want one per option (" + strconv.Itoa(n) + ")")
	}
	var ranks [][]int
	for i := 0; i < n; i++ {
		ch := vote[i]
		switch {
		case ch == '-':
			continue
		case ch >= '1' && ch <= '9':
			lvl := int(ch - '1')
			for len(ranks) <= lvl {
				ranks = append(ranks, nil)
			}
			ranks[lvl] = append(ranks[lvl], i)
		default:
			return tally.Ballot{}, "", errors.New("vote " + strconv.Quote(vote) + ": character " + strconv.Quote(string(rune(ch))) +
				" for option " + strconv.Itoa(i+1) + " is neither a rank 1-9 nor '-'")
		}
	}
	return tally.Ballot{Weight: 1, Ranks: ranks}, token, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Looks reports whether data (the start of a file) looks like a Debian tally
// sheet: it holds an option legend line and a line starting "V:". It is a
// guess for format detection, not a validation.
func Looks(data []byte) bool {
	hasLegend, hasVote := false, false
	for _, line := range bytes.Split(data, []byte("\n")) {
		if legendLine.Match(bytes.TrimRight(line, "\r")) {
			hasLegend = true
		}
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("V:")) {
			hasVote = true
		}
	}
	return hasLegend && hasVote
}
