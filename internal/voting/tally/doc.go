// Package tally counts ballots. It is pure Go: it imports nothing of
// Chapterhouse's database or HTTP layers, so a count can be reproduced from a
// ballot file alone.
//
// This package holds the types every counting method shares (Contest,
// Ballot, Result) and the methods that need no rule engine of their own
// (plurality, approval, yes/no with thresholds, Schulze). Ranked
// proportional methods live in sub-packages: stv (Scottish STV, the PR
// Foundation's reference WIGM and Meek rules) and rctab (the RCTab rule set
// for instant-runoff and its multi-seat variants). File formats live in blt
// and debian. Votes are never float64: every method uses integers, exact
// rationals or the fixed-point arithmetic its rule prescribes.
package tally
