// Package duesbench holds the dues benchmarks that need the whole HTTP
// stack (webhook ingestion through the real endpoint) or a large ledger
// (reports for 100,000 members). It has no non-test code.
package duesbench
