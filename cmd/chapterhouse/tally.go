package main

import "context"

// runTally is written by the counting-engine work in progress.
func runTally(ctx context.Context, e env, args []string) error { return usagef("tally: not built yet") }
