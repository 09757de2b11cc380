package blt

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// Write writes f as a ballot file that Read turns back into an identical
// File. Ballots are written with candidate numbers (nicknames are kept on
// the [nick] line), withdrawn candidates on a "-n" line. It returns an
// error wrapping tally.ErrInvalid, before writing anything, when f cannot
// be written faithfully: the contest does not validate; a ballot has an
// empty rank or ranks a candidate twice; a name or the title holds a quote
// or a line break; nicknames, tie order, ballot ids (ids need weight 1) or
// options are malformed. Errors from w are returned as they are.
func Write(w io.Writer, f *File) error {
	if f == nil {
		return tally.Invalidf("blt: nil file")
	}
	if err := check(f); err != nil {
		return err
	}
	c := &f.Contest
	bw := bufio.NewWriter(w)
	bw.WriteString(strconv.Itoa(len(c.Candidates)) + " " + strconv.Itoa(c.Seats) + "\n")
	if len(c.Withdrawn) > 0 {
		for i, id := range c.Withdrawn {
			if i > 0 {
				bw.WriteByte(' ')
			}
			bw.WriteString("-" + strconv.Itoa(id+1))
		}
		bw.WriteByte('\n')
	}
	if f.Nicknames != nil {
		bw.WriteString("[nick " + strings.Join(f.Nicknames, " ") + "]\n")
	}
	if f.TieOrder != nil {
		bw.WriteString("[tie")
		for _, id := range f.TieOrder {
			bw.WriteString(" " + strconv.Itoa(id+1))
		}
		bw.WriteString("]\n")
	}
	for _, o := range f.Options {
		bw.WriteString("[" + o.Name)
		for _, a := range o.Args {
			bw.WriteString(" " + a)
		}
		bw.WriteString("]\n")
	}
	var buf []byte
	for i, b := range c.Ballots {
		buf = buf[:0]
		if f.BallotIDs != nil {
			buf = append(buf, '(')
			buf = append(buf, f.BallotIDs[i]...)
			buf = append(buf, ')')
		} else {
			buf = strconv.AppendInt(buf, b.Weight, 10)
		}
		for _, rank := range b.Ranks {
			buf = append(buf, ' ')
			for j, id := range rank {
				if j > 0 {
					buf = append(buf, '=')
				}
				buf = strconv.AppendInt(buf, int64(id+1), 10)
			}
		}
		buf = append(buf, " 0\n"...)
		bw.Write(buf)
	}
	bw.WriteString("0\n")
	for _, name := range c.Candidates {
		bw.WriteString(`"` + name + "\"\n")
	}
	bw.WriteString(`"` + c.Title + "\"\n")
	if f.Source != "" || f.Comment != "" {
		bw.WriteString(`"` + f.Source + "\"\n")
	}
	if f.Comment != "" {
		bw.WriteString(`"` + f.Comment + "\"\n")
	}
	return bw.Flush()
}

// WriteContest writes a plain contest (no tie order, nicknames or ids); see
// Write for the errors.
func WriteContest(w io.Writer, c tally.Contest) error {
	return Write(w, &File{Contest: c})
}

func check(f *File) error {
	c := &f.Contest
	if err := c.Validate(); err != nil {
		return err
	}
	n := len(c.Candidates)
	if n > maxCandidates {
		return tally.Invalidf("blt: %d candidates is more than the format reader accepts (%d)", n, maxCandidates)
	}
	for i, name := range c.Candidates {
		if strings.ContainsAny(name, "\"\n\r") {
			return tally.Invalidf("blt: candidate %d name %q holds a quote or line break", i+1, name)
		}
	}
	if strings.ContainsAny(c.Title, "\"\n\r") {
		return tally.Invalidf("blt: title %q holds a quote or line break", c.Title)
	}
	for what, s := range map[string]string{"source": f.Source, "comment": f.Comment} {
		if strings.ContainsAny(s, "\"\n\r") {
			return tally.Invalidf("blt: %s %q holds a quote or line break", what, s)
		}
	}
	seenW := make([]bool, n)
	for _, id := range c.Withdrawn {
		if seenW[id] {
			return tally.Invalidf("blt: candidate %d withdrawn twice", id+1)
		}
		seenW[id] = true
	}
	for i, b := range c.Ballots {
		seen := map[int]bool{}
		for _, rank := range b.Ranks {
			if len(rank) == 0 {
				return tally.Invalidf("blt: ballot %d has an empty rank, which the format cannot express", i+1)
			}
			for _, id := range rank {
				if seen[id] {
					return tally.Invalidf("blt: ballot %d ranks candidate %d twice", i+1, id+1)
				}
				seen[id] = true
			}
		}
	}
	if f.Nicknames != nil {
		if len(f.Nicknames) != n {
			return tally.Invalidf("blt: %d nicknames for %d candidates", len(f.Nicknames), n)
		}
		seen := map[string]bool{}
		for _, nk := range f.Nicknames {
			if nk == "" || isDigits(nk) || strings.ContainsAny(nk, "=[]\"#() \t\r\n") || strings.HasPrefix(nk, "-") || strings.HasPrefix(nk, "/*") || seen[nk] {
				return tally.Invalidf("blt: nickname %q is empty, a number, repeated or holds a reserved character", nk)
			}
			seen[nk] = true
		}
	}
	if f.TieOrder != nil {
		if len(f.TieOrder) != n {
			return tally.Invalidf("blt: tie order lists %d of %d candidates", len(f.TieOrder), n)
		}
		seen := make([]bool, n)
		for _, id := range f.TieOrder {
			if id < 0 || id >= n || seen[id] {
				return tally.Invalidf("blt: tie order entry %d is out of range or repeated", id+1)
			}
			seen[id] = true
		}
	}
	if f.BallotIDs != nil {
		if len(f.BallotIDs) != len(c.Ballots) {
			return tally.Invalidf("blt: %d ballot ids for %d ballots", len(f.BallotIDs), len(c.Ballots))
		}
		seen := map[string]bool{}
		for i, id := range f.BallotIDs {
			if strings.TrimSpace(id) != id || id == "" || strings.ContainsAny(id, "()\"#\r\n") || strings.Contains(id, "/*") || strings.Contains(id, "  ") || seen[id] {
				return tally.Invalidf("blt: ballot id %q is empty, repeated or malformed", id)
			}
			seen[id] = true
			if c.Ballots[i].Weight != 1 {
				return tally.Invalidf("blt: ballot %d has an id and weight %d; ballots with ids have weight 1", i+1, c.Ballots[i].Weight)
			}
		}
	}
	for _, o := range f.Options {
		switch o.Name {
		case "tie", "nick", "withdrawn":
			return tally.Invalidf("blt: option [%s] belongs in its own File field", o.Name)
		}
		if !optionWord(o.Name) {
			return tally.Invalidf("blt: malformed option name %q", o.Name)
		}
		for _, a := range o.Args {
			if !optionWord(a) {
				return tally.Invalidf("blt: malformed argument %q of option [%s]", a, o.Name)
			}
		}
	}
	return nil
}

func optionWord(s string) bool {
	return s != "" && !strings.ContainsAny(s, "[]\"# \t\r\n") && !strings.HasPrefix(s, "/*")
}
