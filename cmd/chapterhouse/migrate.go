package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

const migrateUsage = `usage: chapterhouse migrate up | down N | status | force VERSION

  up         apply every migration not yet applied (safe to run from several processes at once)
  down N     revert the last N applied migrations (N is required)
  status     print the schema version, whether it is dirty, and the latest version
  force V    record version V (-1: none) and clear the dirty flag, after repairing
             a failed migration by hand; runs no migration

The database is DATABASE_URL (postgres://user:password@host:port/db).`

// runMigrate implements `chapterhouse migrate up | down N | status |
// force VERSION` against DATABASE_URL.
func runMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("migrate", e)
	fs.Usage = func() { fmt.Fprintln(e.stderr, migrateUsage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("missing action: up, down N, status or force VERSION")
	}
	action, rest := args[0], args[1:]
	var n int
	switch action {
	case "up", "status":
		if len(rest) != 0 {
			return usagef("%s takes no arguments, got %q", action, rest)
		}
	case "down", "force":
		what := "the number of migrations to revert"
		if action == "force" {
			what = "the version to record"
		}
		if len(rest) != 1 {
			return usagef("%s needs exactly one argument: %s", action, what)
		}
		v, err := strconv.Atoi(rest[0])
		if err != nil || (action == "down" && v < 1) || (action == "force" && v < -1) {
			return usagef("%s: %q is not a valid %s", action, rest[0], what)
		}
		n = v
	default:
		return usagef("unknown action %q: want up, down N, status or force VERSION", action)
	}

	url := e.getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL is not set: set it to the database's URL, e.g. " +
			"DATABASE_URL=postgres://user:password@localhost:5432/chapterhouse")
	}
	before, err := postgres.MigrateStatus(ctx, url)
	if err != nil {
		return err
	}
	switch action {
	case "status":
		fmt.Fprintln(e.stdout, before)
		return nil
	case "up":
		err = postgres.MigrateUp(ctx, url)
	case "down":
		err = postgres.MigrateDown(ctx, url, n)
	case "force":
		err = postgres.MigrateForce(ctx, url, n)
	}
	if err != nil {
		return err
	}
	after, err := postgres.MigrateStatus(ctx, url)
	if err != nil {
		return err
	}
	switch {
	case action == "force":
		fmt.Fprintf(e.stdout, "forced version %d (dirty flag cleared): %v\n", n, after)
	case before.Version == after.Version:
		fmt.Fprintf(e.stdout, "no change: %v\n", after)
	case action == "up":
		fmt.Fprintf(e.stdout, "migrated up from version %d to %d: %v\n", before.Version, after.Version, after)
	default:
		fmt.Fprintf(e.stdout, "reverted %d migration(s), from version %d to %d: %v\n", n, before.Version, after.Version, after)
	}
	return nil
}

// requireSchema returns an error unless the database at url has every
// migration applied: commands that use the schema refuse to run on an old
// or half-migrated one.
func requireSchema(ctx context.Context, url string) error {
	st, err := postgres.MigrateStatus(ctx, url)
	if err != nil {
		return err
	}
	if !st.UpToDate() {
		return errors.New("the database schema is not up to date (" + st.String() + "): run `chapterhouse migrate up` first")
	}
	return nil
}
