package main

import "context"

// runApportion is written by the counting-engine work in progress.
func runApportion(ctx context.Context, e env, args []string) error { return usagef("apportion: not built yet") }
