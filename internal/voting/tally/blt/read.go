package blt

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Read parses a ballot file. On any problem it returns a nil File and an
// error wrapping tally.ErrInvalid that names the line and the problem:
// a malformed header, option or ballot line; a weight that is not a
// positive whole number; a candidate number or nickname out of range or
// unknown; a candidate ranked twice on one ballot; a ballot line without
// its closing 0; a missing 0 line after the ballots; fewer or more quoted
// names than the header's candidate count; a missing title; ids on some
// ballots but not others, or repeated ids. Errors from r are returned as
// they are.
func Read(r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	toks, err := lex(data)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	f, err := p.parse()
	if err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct {
	toks  []token
	i     int
	ncand int
	nick  map[string]int
}

// line returns the tokens of the line of the next token and advances.
func (p *parser) line() []token {
	if p.i >= len(p.toks) {
		return nil
	}
	n := p.toks[p.i].line
	j := p.i
	for j < len(p.toks) && p.toks[j].line == n {
		j++
	}
	out := p.toks[p.i:j]
	p.i = j
	return out
}

func (p *parser) lastLine() int {
	if len(p.toks) == 0 {
		return 1
	}
	return p.toks[len(p.toks)-1].line
}

func errf(line int, format string, args ...any) error {
	return tally.Invalidf("blt line %d: %s", line, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (p *parser) parse() (*File, error) {
	f := &File{}
	c := &f.Contest

	// Header: candidates and seats (Droop also allows withdrawn
	// candidates on the same line).
	head := p.line()
	if len(head) == 0 {
		return nil, tally.Invalidf("blt line 1: empty file; expected \"candidates seats\"")
	}
	hl := head[0].line
	if len(head) < 2 {
		return nil, errf(hl, "header must give the number of candidates and the number of seats")
	}
	ncand, err := positive(head[0], "number of candidates")
	if err != nil {
		return nil, err
	}
	if ncand > maxCandidates {
		return nil, errf(hl, "%d candidates is more than this reader accepts (%d)", ncand, maxCandidates)
	}
	seats, err := positive(head[1], "number of seats")
	if err != nil {
		return nil, err
	}
	p.ncand = int(ncand)
	c.Seats = int(seats)
	withdrawn := make([]bool, p.ncand)
	addWithdrawn := func(t token, id int) error {
		if withdrawn[id] {
			return errf(t.line, "candidate %d is withdrawn twice", id+1)
		}
		withdrawn[id] = true
		c.Withdrawn = append(c.Withdrawn, id)
		return nil
	}
	for _, t := range head[2:] {
		id, err := p.negative(t)
		if err != nil {
			return nil, err
		}
		if err := addWithdrawn(t, id); err != nil {
			return nil, err
		}
	}

	// Option and withdrawn lines, then ballot lines.
	var tieToks []token
	var tieLine int
	var ballots [][]token
	terminated := false
	for p.i < len(p.toks) && !terminated {
		ln := p.line()
		first := ln[0]
		switch {
		case first.quoted:
			return nil, errf(first.line, "found quoted string %q where a ballot line or the 0 line ending the ballots was expected", first.text)
		case strings.HasPrefix(first.text, "[") && len(ballots) == 0:
			name, args, err := option(ln)
			if err != nil {
				return nil, err
			}
			switch name {
			case "tie":
				if tieToks != nil {
					return nil, errf(first.line, "second [tie] line")
				}
				tieToks, tieLine = args, first.line
				if tieToks == nil {
					tieToks = []token{}
				}
			case "nick":
				if err := p.setNicks(f, args, first.line); err != nil {
					return nil, err
				}
			case "withdrawn":

				for _, a := range args {
					id, err := p.cand(a)
					if err != nil {
						return nil, err
					}
					if err := addWithdrawn(a, id); err != nil {
						return nil, err
					}
				}
			default:
				o := Option{Name: name}
				for _, a := range args {
					o.Args = append(o.Args, a.text)
				}
				f.Options = append(f.Options, o)
			}
		case strings.HasPrefix(first.text, "-") && len(ballots) == 0:
			for _, t := range ln {
				id, err := p.negative(t)
				if err != nil {
					return nil, err
				}
				if err := addWithdrawn(t, id); err != nil {
					return nil, err
				}
			}
		case len(ln) == 1 && first.text == "0":
			terminated = true
		default:
			ballots = append(ballots, ln)
		}
	}
	if !terminated {
		return nil, errf(p.lastLine(), "the ballots are not ended by a line holding a single 0")
	}
	if tieToks != nil {
		order, err := p.tieOrder(tieToks, tieLine)
		if err != nil {
			return nil, err
		}
		f.TieOrder = order
	}

	// Ballot lines.
	var total int64
	ids := map[string]int{}
	for bi, ln := range ballots {
		b, id, hasID, err := p.ballot(ln)
		if err != nil {
			return nil, err
		}
		if bi > 0 && hasID != (f.BallotIDs != nil) {
			return nil, errf(ln[0].line, "some ballots have ids and some do not")
		}
		if hasID {
			if prev, dup := ids[id]; dup {
				return nil, errf(ln[0].line, "ballot id (%s) already used on line %d", id, prev)
			}
			ids[id] = ln[0].line
			f.BallotIDs = append(f.BallotIDs, id)
		}
		if b.Weight > math.MaxInt64-total {
			return nil, errf(ln[0].line, "total ballot weight overflows")
		}
		total += b.Weight
		c.Ballots = append(c.Ballots, b)
	}

	// Candidate names, then the title.
	for k := 0; k < p.ncand; k++ {
		if p.i >= len(p.toks) {
			return nil, errf(p.lastLine(), "found %d candidate names; the header says %d candidates", k, p.ncand)
		}
		t := p.toks[p.i]
		if !t.quoted {
			return nil, errf(t.line, "expected the quoted name of candidate %d of %d, found %q", k+1, p.ncand, t.text)
		}
		c.Candidates = append(c.Candidates, t.text)
		p.i++
	}
	if p.i >= len(p.toks) || !p.toks[p.i].quoted {
		if p.i < len(p.toks) {
			return nil, errf(p.toks[p.i].line, "expected the quoted title after the %d candidate names, found %q", p.ncand, p.toks[p.i].text)
		}
		return nil, errf(p.lastLine(), "missing the quoted title after the %d candidate names", p.ncand)
	}
	c.Title = strings.TrimSpace(p.toks[p.i].text)
	p.i++
	// Droop's optional source and comment strings.
	if p.i < len(p.toks) && p.toks[p.i].quoted {
		f.Source = strings.TrimSpace(p.toks[p.i].text)
		p.i++
		if p.i < len(p.toks) && p.toks[p.i].quoted {
			f.Comment = strings.TrimSpace(p.toks[p.i].text)
			p.i++
		}
	}
	if p.i < len(p.toks) && p.toks[p.i].quoted {
		return nil, errf(p.toks[p.i].line, "more quoted strings than the header's %d candidate names, a title, a source and a comment (wrong candidate count?)", p.ncand)
	}
	return f, nil
}

// positive parses a whole number >= 1.
func positive(t token, what string) (int64, error) {
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil || t.quoted || !isDigits(t.text) {
		return 0, errf(t.line, "%s %q is not a whole number", what, t.text)
	}
	if n < 1 {
		return 0, errf(t.line, "%s must be at least 1, is %d", what, n)
	}
	return n, nil
}

// negative parses a withdrawn candidate "-n".
func (p *parser) negative(t token) (int, error) {
	if !strings.HasPrefix(t.text, "-") || !isDigits(t.text[1:]) || t.quoted {
		return 0, errf(t.line, "expected a withdrawn candidate written -n, found %q", t.text)
	}
	n, err := strconv.Atoi(t.text[1:])
	if err != nil || n < 1 || n > p.ncand {
		return 0, errf(t.line, "withdrawn candidate %s is out of range 1..%d", t.text[1:], p.ncand)
	}
	return n - 1, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// option splits an option line "[name a b c]" into its name and args.
func option(ln []token) (string, []token, error) {
	first := ln[0]
	name := strings.TrimPrefix(first.text, "[")
	var args []token
	closed := false
	if strings.HasSuffix(name, "]") {
		name = strings.TrimSuffix(name, "]")
		closed = true
		if len(ln) > 1 {
			return "", nil, errf(first.line, "text after the option [%s]", name)
		}
	}
	if name == "" || strings.ContainsAny(name, "[]") {
		return "", nil, errf(first.line, "malformed option name %q", first.text)
	}
	for k, t := range ln[1:] {
		if closed {
			return "", nil, errf(t.line, "text after the end of option [%s]", name)
		}
		text := t.text
		if strings.HasSuffix(text, "]") {
			text = strings.TrimSuffix(text, "]")
			closed = true
			if k != len(ln)-2 {
				return "", nil, errf(t.line, "text after the end of option [%s]", name)
			}
		}
		if t.quoted || strings.ContainsAny(text, "[]") {
			return "", nil, errf(t.line, "malformed argument %q in option [%s]", t.text, name)
		}
		if text != "" {
			args = append(args, token{text: text, line: t.line})
		}
	}
	if !closed {
		return "", nil, errf(first.line, "option [%s is not closed with ] on its line", name)
	}
	return name, args, nil
}

func (p *parser) setNicks(f *File, args []token, line int) error {
	if f.Nicknames != nil {
		return errf(line, "second [nick] line")
	}
	if len(args) != p.ncand {
		return errf(line, "[nick] gives %d nicknames for %d candidates", len(args), p.ncand)
	}
	p.nick = make(map[string]int, len(args))
	for k, a := range args {
		if isDigits(a.text) || strings.Contains(a.text, "=") || strings.HasPrefix(a.text, "-") || strings.HasPrefix(a.text, "(") {
			return errf(line, "nickname %q must not be a number or contain = or start with - or (", a.text)
		}
		if _, dup := p.nick[a.text]; dup {
			return errf(line, "nickname %q used twice", a.text)
		}
		p.nick[a.text] = k
		f.Nicknames = append(f.Nicknames, a.text)
	}
	return nil
}

// cand resolves a candidate number (1-based) or nickname to an id.
func (p *parser) cand(t token) (int, error) {
	if isDigits(t.text) {
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 || n > p.ncand {
			return 0, errf(t.line, "candidate %s is out of range 1..%d", t.text, p.ncand)
		}
		return n - 1, nil
	}
	if id, ok := p.nick[t.text]; ok {
		return id, nil
	}
	if p.nick == nil {
		return 0, errf(t.line, "%q is not a candidate number", t.text)
	}
	return 0, errf(t.line, "%q is neither a candidate number nor a nickname", t.text)
}

func (p *parser) tieOrder(args []token, line int) ([]int, error) {
	if len(args) != p.ncand {
		return nil, errf(line, "[tie] lists %d candidates; it must list each of the %d candidates once", len(args), p.ncand)
	}
	seen := make([]bool, p.ncand)
	order := make([]int, 0, p.ncand)
	for _, a := range args {
		id, err := p.cand(a)
		if err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, errf(line, "[tie] lists candidate %d twice", id+1)
		}
		seen[id] = true
		order = append(order, id)
	}
	return order, nil
}

// ballot parses one ballot line.
func (p *parser) ballot(ln []token) (tally.Ballot, string, bool, error) {
	var b tally.Ballot
	first := ln[0]
	line := first.line
	rest := ln[1:]
	id, hasID := "", false
	if strings.HasPrefix(first.text, "(") && !first.quoted {
		parts := []string{first.text}
		k := 0
		for !strings.HasSuffix(parts[len(parts)-1], ")") {
			if k >= len(rest) {
				return b, "", false, errf(line, "ballot id is not closed with )")
			}
			parts = append(parts, rest[k].text)
			k++
		}
		rest = rest[k:]
		raw := strings.Join(parts, " ")
		id = strings.TrimSpace(raw[1 : len(raw)-1])
		if id == "" || strings.ContainsAny(id, "()") {
			return b, "", false, errf(line, "malformed ballot id %q", raw)
		}
		hasID = true
		b.Weight = 1
	} else {
		w, err := strconv.ParseInt(first.text, 10, 64)
		if err != nil || first.quoted || !isDigits(first.text) {
			return b, "", false, errf(line, "ballot weight %q is not a whole number", first.text)
		}
		if w < 1 {
			return b, "", false, errf(line, "ballot weight must be at least 1 (a 0 ends the ballots only on a line of its own)")
		}
		b.Weight = w
	}
	if len(rest) == 0 || rest[len(rest)-1].text != "0" || rest[len(rest)-1].quoted {
		return b, "", false, errf(line, "ballot line does not end with 0")
	}
	rest = rest[:len(rest)-1]
	seen := map[int]bool{}
	for _, t := range rest {
		if t.quoted {
			return b, "", false, errf(line, "unexpected quoted string %q in a ballot line", t.text)
		}
		parts := strings.Split(t.text, "=")
		rank := make([]int, 0, len(parts))
		for _, part := range parts {
			if part == "" {
				return b, "", false, errf(line, "malformed preference %q", t.text)
			}
			id, err := p.cand(token{text: part, line: line})
			if err != nil {
				return b, "", false, err
			}
			if seen[id] {
				return b, "", false, errf(line, "candidate %d is ranked twice on one ballot", id+1)
			}
			seen[id] = true
			rank = append(rank, id)
		}
		b.Ranks = append(b.Ranks, rank)
	}
	return b, id, hasID, nil
}
