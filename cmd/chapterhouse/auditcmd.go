package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// runAudit is `chapterhouse audit verify`: recompute the audit log's hash
// chain and name the first entry that breaks it. Exit status 1 when broken.
func runAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("usage: chapterhouse audit verify   (needs DATABASE_URL)")
	}
	fs := newFlagSet("audit verify", e)
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return usagef("DATABASE_URL is not set")
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	rep, err := audit.Verify(ctx, pool)
	if err != nil {
		return err
	}
	if !rep.OK() {
		return errors.New(fmt.Sprintf("audit log BROKEN at entry %d: %s (%d entries before it are intact)",
			rep.BrokenSeq, rep.Problem, rep.Entries-1))
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries; head entry %d, hash %s\n",
		rep.Entries, rep.HeadSeq, hex.EncodeToString(rep.HeadHash))
	fmt.Fprintln(e.stdout, "Keep the head hash somewhere the database's writers cannot reach: a later run that shows a different hash for the same entry means the log was rewritten.")
	return nil
}
