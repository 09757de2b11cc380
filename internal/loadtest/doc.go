// Package loadtest holds what the load-test commands under cmd/ share: an
// HTTP client that can reach only loopback addresses unless told
// otherwise, problem+json error reading, a runner that drives many
// concurrent clients in a closed loop or at an open-loop rate, and the
// statistics of a run (requests per second, nearest-rank latency
// percentiles, errors by kind).
//
// Load tests are pointed at this machine only by default: CheckTarget and
// NewHTTPClient refuse other addresses unless remote is set, and the
// client checks the address it actually dials, so neither DNS nor a
// redirect can send load elsewhere.
package loadtest
