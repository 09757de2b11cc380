// Package stv counts single-transferable-vote contests under three
// published rules, each with the arithmetic the rule prescribes:
//
//   - Scottish: the Scottish Local Government Elections Order 2007 (a
//     weighted inclusive Gregory method; transfer values truncated to five
//     decimals; ties broken by the most recent preceding stage at which
//     the tied candidates had unequal votes, then by lot: rules 49, 51).
//   - WIGMPRF and WIGMPRFBatch: the Proportional Representation
//     Foundation's reference WIGM rule (four decimals, every product and
//     quotient truncated), with single defeat or with batch defeat of sure
//     losers.
//   - MeekPRF: the Proportional Representation Foundation's reference Meek
//     rule (nine decimals, rounding as the rule prescribes, omega 10^-6).
//
// # The report
//
// Every Result carries the round-by-round report, with every figure a
// decimal string at the rule's precision:
//
//   - WIGM rules (Scottish, WIGMPRF, WIGMPRFBatch): a round is one stage,
//     one surplus transfer or one exclusion (a batch of exclusions for
//     WIGMPRFBatch). Round.Tally is every hopeful or elected candidate's
//     vote at the start of the stage; Round.Elected lists who reached the
//     quota then; Round.Exhausted is the non-transferable vote so far.
//     Each Transfer gives what every candidate received, "exhausted" for
//     papers with no further preference, and "residue" for the value lost
//     to truncating transfer values; Transfer.Value is the transfer value
//     of a paper of value one. Invariant: sum(Tally) + Exhausted + the
//     residue of earlier rounds = valid ballots, exactly. The last round
//     holds the final votes and the candidates elected or defeated at the
//     end. Result.Quota is the quota.
//   - MeekPRF: a round is one iteration to convergence, ending in
//     elections or one defeat. Round.Tally is the votes at that point,
//     Round.Quota the quota then, Round.Exhausted the residual (what no
//     candidate keeps: exhausted weight and rounding), so sum(Tally) +
//     Exhausted = valid ballots, exactly. Result.Quota is the final quota;
//     Result.Notes records the initial one.
//
// Result.TieBreaks names the round, the tied candidates, the choice and
// the reason ("defeat low candidate: votes at an earlier stage",
// "surplus: lot, tie-break order", "defeat: lot, random (seed 42)").
//
// Counts are reproducible: the same contest, rule and options always give
// the same Result. No floating point is used; values are fixed-point
// integers with 128-bit intermediates. Results match the reference counts
// of Droop (jklundell/droop) for these rules; see the conformance tests.
package stv
