package main

import (
	"context"
	"fmt"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// runInit is `chapterhouse init`: found the organization on an empty,
// migrated database (DATABASE_URL): its national body and first national
// admin. A bad flag value is a usage error naming the flag; a database that
// already has a national body is an error and changes nothing.
func runInit(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("init", e)
	var in membership.Founding
	fs.StringVar(&in.Name, "name", "", "the organization's name, as its national body (required)")
	fs.StringVar(&in.Slug, "slug", "national", "the national body's slug")
	fs.StringVar(&in.AdminEmail, "admin-email", "", "the first national admin's email: they sign in with an OpenID account whose verified email this is (required)")
	fs.StringVar(&in.AdminGivenName, "admin-given-name", "", "the first national admin's given name (required)")
	fs.StringVar(&in.AdminFamilyName, "admin-family-name", "", "the first national admin's family name")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return usagef("DATABASE_URL is not set")
	}
	if err := requireSchema(ctx, url); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	c, m, err := membership.NewService(pool, time.Now).Found(ctx, in)
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		return usagef("-%s %s", e.Field, e.Msg)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Founded %s (national body %s, slug %s).\n", c.Name, c.ID, c.Slug)
	fmt.Fprintf(e.stdout, "National admin: %s %s <%s>, member %s.\n", m.GivenName, m.FamilyName, m.Email, m.ID)
	fmt.Fprintln(e.stdout, "They sign in through the OpenID provider with that verified email; the first sign-in links the account.")
	return nil
}
