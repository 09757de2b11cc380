package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/app"
	"github.com/chapterhouse/chapterhouse/internal/dues"

	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// Config is everything the server reads from its environment. Secrets
// (database password, OIDC client secret) arrive only this way and are never
// logged.
type Config struct {
	DatabaseURL      string         // DATABASE_URL
	Addr             string         // CHAPTERHOUSE_ADDR, default :8080 (serve), 127.0.0.1:8080 (dev)
	BaseURL          string         // CHAPTERHOUSE_BASE_URL, the public URL of the service
	OIDCIssuer       string         // CHAPTERHOUSE_OIDC_ISSUER
	OIDCClientID     string         // CHAPTERHOUSE_OIDC_CLIENT_ID
	OIDCClientSecret string         // CHAPTERHOUSE_OIDC_CLIENT_SECRET
	OIDCAudience     string         // CHAPTERHOUSE_OIDC_AUDIENCE, default the client id
	SessionTTL       time.Duration  // CHAPTERHOUSE_SESSION_TTL, default 12h
	LogLevel         slog.Level     // CHAPTERHOUSE_LOG_LEVEL: debug, info, warn, error
	LogFormat        string         // CHAPTERHOUSE_LOG_FORMAT: text or json
	Dues             app.DuesConfig // CHAPTERHOUSE_STRIPE_*, CHAPTERHOUSE_DUES_*: see loadDuesConfig
	BallotKey        []byte         // CHAPTERHOUSE_BALLOT_KEY, 32 bytes in base64; without it elections cannot open
	ShutdownDelay    time.Duration  // CHAPTERHOUSE_SHUTDOWN_DELAY, default 0
}

// envVars documents every variable, for `chapterhouse help` and the README.
var envVars = [][2]string{
	{"DATABASE_URL", "PostgreSQL connection URL (required by serve and migrate; dev starts its own server when unset)"},
	{"CHAPTERHOUSE_ADDR", "listen address (serve: :8080; dev: 127.0.0.1:8080)"},
	{"CHAPTERHOUSE_BASE_URL", "public URL of the service, used for OIDC redirects (default http://ADDR)"},
	{"CHAPTERHOUSE_OIDC_ISSUER", "OpenID provider issuer URL (required by serve)"},
	{"CHAPTERHOUSE_OIDC_CLIENT_ID", "OIDC client id (required by serve)"},
	{"CHAPTERHOUSE_OIDC_CLIENT_SECRET", "OIDC client secret"},
	{"CHAPTERHOUSE_OIDC_AUDIENCE", "audience API bearer tokens must carry (default: the client id)"},
	{"CHAPTERHOUSE_SESSION_TTL", "life of a web session, a Go duration (default 12h)"},
	{"CHAPTERHOUSE_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"CHAPTERHOUSE_LOG_FORMAT", "text or json (default text)"},
	{"CHAPTERHOUSE_SHUTDOWN_DELAY", "after SIGTERM, how long the server keeps serving while /readyz answers 503, so that a load balancer stops sending it requests before it closes, a Go duration (default 0s; 5s suits Kubernetes)"},
	{"CHAPTERHOUSE_BALLOT_KEY", "32 random bytes in base64 (openssl rand -base64 32) that protect sealed ballots; elections cannot open without it, and an open election cannot close if it changes (dev generates one and keeps it in its dev dir)"},
	{"CHAPTERHOUSE_STRIPE_SECRET_KEY", "Stripe secret key (sk_...); without it dues pages say payments are not configured"},
	{"CHAPTERHOUSE_STRIPE_WEBHOOK_SECRET", "signing secret (whsec_...) of the Stripe webhook endpoint POST /api/v1/stripe/webhook (API version 2023-10-16)"},
	{"CHAPTERHOUSE_STRIPE_API_BASE", "replaces https://api.stripe.com, e.g. http://127.0.0.1:12111 for stripe-mock (dev uses stripe-mock there when it answers)"},
	{"CHAPTERHOUSE_DUES_CURRENCY", "the organization's one currency, ISO 4217 lower case (default usd)"},
	{"CHAPTERHOUSE_DUES_GRACE_DAYS", "days after the paid-through date a member stays in good standing (default 30)"},
	{"CHAPTERHOUSE_DUES_WAIVER_DAYS", "length of a dues waiver when no end is given (default 365)"},
	{"CHAPTERHOUSE_DUES_SHARE_TIERS", "chapters' dues share tiers FROM:PERCENT,... (default 1:30%,51:25%,201:20%)"},
	{"CHAPTERHOUSE_DUES_WORKERS", "River workers in this process for webhook processing and the daily standing sweep (default 4; 0: none)"},
	{"CHAPTERHOUSE_DEV_DIR", "dev only: where dev keeps its PostgreSQL data (default ./.dev)"},
}

// loadConfig reads the environment; defaultAddr applies when
// CHAPTERHOUSE_ADDR is unset. It returns an error naming the variable at
// fault.
func loadConfig(getenv func(string) string, defaultAddr string) (Config, error) {
	c := Config{
		DatabaseURL:      getenv("DATABASE_URL"),
		Addr:             or(getenv("CHAPTERHOUSE_ADDR"), defaultAddr),
		OIDCIssuer:       getenv("CHAPTERHOUSE_OIDC_ISSUER"),
		OIDCClientID:     getenv("CHAPTERHOUSE_OIDC_CLIENT_ID"),
		OIDCClientSecret: getenv("CHAPTERHOUSE_OIDC_CLIENT_SECRET"),
		OIDCAudience:     getenv("CHAPTERHOUSE_OIDC_AUDIENCE"),
		SessionTTL:       12 * time.Hour,
		LogFormat:        or(getenv("CHAPTERHOUSE_LOG_FORMAT"), "text"),
	}
	c.BaseURL = strings.TrimRight(or(getenv("CHAPTERHOUSE_BASE_URL"), "http://"+hostPort(c.Addr)), "/")
	if v := getenv("CHAPTERHOUSE_SESSION_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("CHAPTERHOUSE_SESSION_TTL: %q is not a positive duration such as 12h", v)
		}
		c.SessionTTL = d
	}
	if v := getenv("CHAPTERHOUSE_SHUTDOWN_DELAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return c, fmt.Errorf("CHAPTERHOUSE_SHUTDOWN_DELAY: %q is not a duration from 0s to 1m such as 5s", v)
		}
		c.ShutdownDelay = d
	}
	if v := getenv("CHAPTERHOUSE_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("CHAPTERHOUSE_LOG_LEVEL: %q is not debug, info, warn or error", v)
		}
	}
	if v := getenv("CHAPTERHOUSE_BALLOT_KEY"); v != "" {
		k, err := voting.ParseBallotKey(v)
		if err != nil {
			return c, fmt.Errorf("CHAPTERHOUSE_BALLOT_KEY: %w", err)
		}
		c.BallotKey = k
	}
	var err error
	if c.Dues, err = loadDuesConfig(getenv); err != nil {
		return c, err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("CHAPTERHOUSE_LOG_FORMAT: %q is not text or json", c.LogFormat)
	}
	return c, nil
}

// hostPort makes a listen address usable in a URL (":8080" -> "localhost:8080").
func hostPort(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	return addr
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (c Config) logger(e env) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// loadDuesConfig reads the Stripe and dues policy variables; it returns an
// error naming the variable at fault.
func loadDuesConfig(getenv func(string) string) (app.DuesConfig, error) {
	c := app.DuesConfig{Policy: dues.DefaultPolicy(), Workers: 4,
		StripeSecretKey: getenv("CHAPTERHOUSE_STRIPE_SECRET_KEY"), StripeAPIBase: getenv("CHAPTERHOUSE_STRIPE_API_BASE"),
		StripeWebhookSecret: getenv("CHAPTERHOUSE_STRIPE_WEBHOOK_SECRET")}
	if v := getenv("CHAPTERHOUSE_DUES_CURRENCY"); v != "" {
		c.Policy.Currency = v
	}
	for _, iv := range []struct {
		name string
		dst  *int
	}{{"CHAPTERHOUSE_DUES_GRACE_DAYS", &c.Policy.GraceDays}, {"CHAPTERHOUSE_DUES_WAIVER_DAYS", &c.Policy.WaiverDays},
		{"CHAPTERHOUSE_DUES_WORKERS", &c.Workers}} {
		if v := getenv(iv.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return c, fmt.Errorf("%s: %q is not a whole number >= 0", iv.name, v)
			}
			*iv.dst = n
		}
	}
	if v := getenv("CHAPTERHOUSE_DUES_SHARE_TIERS"); v != "" {
		t, err := dues.ParseTiers(v)
		if err != nil {
			return c, fmt.Errorf("CHAPTERHOUSE_DUES_SHARE_TIERS: %w", err)
		}
		c.Policy.Tiers = t
	}
	if err := c.Policy.Validate(); err != nil {
		return c, fmt.Errorf("dues policy (CHAPTERHOUSE_DUES_*): %w", err)
	}
	return c, nil
}
