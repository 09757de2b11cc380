package auth

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

func TestNewValidatesConfig(t *testing.T) {
	pool := &pgxpool.Pool{} // never used: New fails before touching it
	full := Config{Issuer: "http://127.0.0.1:1", ClientID: "web", RedirectURL: "http://127.0.0.1:2/cb"}
	for name, mutate := range map[string]func(*Config){
		"no issuer":       func(c *Config) { c.Issuer = "" },
		"no client id":    func(c *Config) { c.ClientID = "" },
		"no redirect URL": func(c *Config) { c.RedirectURL = "" },
		"negative TTL":    func(c *Config) { c.SessionTTL = -1 },
	} {
		cfg := full
		mutate(&cfg)
		if _, err := New(context.Background(), cfg, pool, slog.New(slog.DiscardHandler)); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: %v, want errs.Invalid", name, err)
		}
	}
	// Nothing listens on port 1: discovery fails with a plain error.
	if _, err := New(context.Background(), full, pool, nil); err == nil || errs.KindOf(err) != errs.Internal {
		t.Errorf("unreachable issuer: %v, want an internal error", err)
	}
}
