// Package rctab is an RCTab-compatible ranked-choice tabulator: it reads
// RCTab contest configs and the CVR formats RCTab reads (NIST SP 1500-103
// CDF JSON, RCTab's generic CSV, ES&S sheets dumped to CSV), counts them with
// RCTab's rules and writes RCTab's detailed report JSON, so results compare
// field by field with RCTab's own (the 47 cases of its regression suite
// match). Arithmetic is fixed point with java.math.BigDecimal's scale and
// rounding semantics; random tie-breaks reproduce java.util.Random exactly.
//
// IRV counts a tally.Contest (ballots from a BLT file or the election
// database) with the same engine.
package rctab
