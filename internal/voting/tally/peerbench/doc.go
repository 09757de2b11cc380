// Package peerbench benchmarks Chapterhouse's counting methods side by side
// with independent open-source implementations (resenje.org/schulze for
// Schulze, github.com/shawntoffel/meekstv for Meek STV) and checks that
// both sides elect the same candidates where the rules are comparable. It
// is a separate Go module so the peers never enter the product's go.mod.
package peerbench
