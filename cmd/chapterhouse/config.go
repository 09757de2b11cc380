package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config is everything the server reads from its environment. Secrets
// (database password, OIDC client secret) arrive only this way and are never
// logged.
type Config struct {
	DatabaseURL      string        // DATABASE_URL
	Addr             string        // CHAPTERHOUSE_ADDR, default :8080 (serve), 127.0.0.1:8080 (dev)
	BaseURL          string        // CHAPTERHOUSE_BASE_URL, the public URL of the service
	OIDCIssuer       string        // CHAPTERHOUSE_OIDC_ISSUER
	OIDCClientID     string        // CHAPTERHOUSE_OIDC_CLIENT_ID
	OIDCClientSecret string        // CHAPTERHOUSE_OIDC_CLIENT_SECRET
	OIDCAudience     string        // CHAPTERHOUSE_OIDC_AUDIENCE, default the client id
	SessionTTL       time.Duration // CHAPTERHOUSE_SESSION_TTL, default 12h
	LogLevel         slog.Level    // CHAPTERHOUSE_LOG_LEVEL: debug, info, warn, error
	LogFormat        string        // CHAPTERHOUSE_LOG_FORMAT: text or json
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
	if v := getenv("CHAPTERHOUSE_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("CHAPTERHOUSE_LOG_LEVEL: %q is not debug, info, warn or error", v)
		}
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
