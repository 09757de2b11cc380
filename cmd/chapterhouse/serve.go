package main

import (
	"context"
	"fmt"
	"net"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// runServe is `chapterhouse serve`: the API and web front end against the
// configured database and OpenID provider. It refuses to start on a schema
// that `chapterhouse migrate up` has not brought up to date.
func runServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("serve", e)
	addr := fs.String("addr", "", "listen address (overrides CHAPTERHOUSE_ADDR)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(e.getenv, ":8080")
	if err != nil {
		return usageError{err}
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	switch {
	case cfg.DatabaseURL == "":
		return usagef("DATABASE_URL is not set: point it at PostgreSQL, or use `chapterhouse dev` to run without set-up")
	case cfg.OIDCIssuer == "" || cfg.OIDCClientID == "":
		return usagef("CHAPTERHOUSE_OIDC_ISSUER and CHAPTERHOUSE_OIDC_CLIENT_ID must be set (see README, Configuration)")
	}
	log := cfg.logger(e)
	if err := requireSchema(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	drain := &drainer{delay: cfg.ShutdownDelay}
	a, err := newApp(ctx, cfg, pool, log, drain)
	if err != nil {
		return err
	}
	return listenAndServe(ctx, cfg.Addr, a.Handler, log, drain, func(addr net.Addr) {
		log.Info("serving", "addr", addr.String(), "base_url", cfg.BaseURL)
		fmt.Fprintf(e.stdout, "chapterhouse: serving on %s\n", addr)
	})
}
