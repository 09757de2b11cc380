// Package blt reads and writes ballot files in the BLT format used by
// OpenSTV, Droop and most STV tools.
//
// The format, as Droop reads it:
//
//	3 2                  number of candidates, number of seats
//	-2                   optional: withdrawn candidates, negated
//	[withdrawn 2]        optional: the same as an option line
//	[tie 3 2 1]          optional: predetermined tie-break order
//	[nick a b c]         optional: nicknames usable in ballot lines
//	4 1 2 0              ballots: weight, preferences, 0
//	1 b=c 0              equal ranking: several candidates in one rank
//	(ballot-7) 3 1 0     a ballot id instead of a weight (weight 1)
//	0                    end of ballots
//	"Castor"             one quoted name per candidate
//	"Pollux"
//	"Helen"
//	"Title"              the contest title
//	"Source"             optional: where the ballots come from
//	"Comment"            optional: a comment
//
// Outside quoted strings, "#" starts a comment running to the end of the
// line and "/* ... */" is a comment. A UTF-8 byte-order mark is skipped.
// Inside quoted strings, runs of white space read as one space (as Droop
// reads them); the title is also trimmed. Unquoted material after the title
// is ignored, as Droop ignores it.
package blt

import (
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// File is a parsed ballot file: the contest plus the options BLT files
// carry. Candidate ids everywhere are 0-based indexes into
// Contest.Candidates.
type File struct {
	// Contest holds the title, candidate names, seats, withdrawn
	// candidates (in file order) and one Ballot per ballot line, in file
	// order. A ballot line ranking nobody ("2 0") gives a Ballot with no
	// Ranks.
	Contest tally.Contest
	// TieOrder is the [tie] line: every candidate once, earliest first;
	// nil when the file has none.
	TieOrder []int
	// Nicknames is the [nick] line: one nickname per candidate; nil when
	// the file has none.
	Nicknames []string
	// BallotIDs holds each ballot's id, parallel to Contest.Ballots, when
	// the file gives ids; nil otherwise. A ballot with an id has weight 1.
	BallotIDs []string
	// Source and Comment are Droop's optional quoted strings after the
	// title; empty when absent.
	Source  string
	Comment string
	// Options holds any other option lines ([droop ...], [undeclared ...])
	// in file order, so they survive a read and write.
	Options []Option
}

// Option is an option line "[name arg arg ...]" that this package does
// not interpret.
type Option struct {
	Name string
	Args []string
}

// maxCandidates bounds the header's candidate count, so a hostile file
// cannot make the reader allocate without limit.
const maxCandidates = 1 << 16
