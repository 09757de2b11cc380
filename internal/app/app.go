// Package app assembles Chapterhouse from its parts: domain services, the
// authenticator, the API and the web front end. `chapterhouse serve`,
// `chapterhouse dev` and end-to-end tests all build the service here, so
// what the tests run is what production runs.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chapterhouse/chapterhouse/internal/api"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/voting"
	"github.com/chapterhouse/chapterhouse/internal/web"
)

// Config is what the assembled service needs beyond the database.
type Config struct {
	// BaseURL is the public URL of the service (no trailing slash); login
	// redirects come back to BaseURL + "/auth/callback".
	BaseURL          string
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCAudience     string
	SessionTTL       time.Duration
	// BallotKey is the server's ballot key (voting.KeySize bytes) that
	// wraps each election's data key; without it elections cannot open.
	BallotKey []byte
	// Dues configures payments and standing; the zero value means the
	// default policy, no Stripe (payments not configured) and no workers.
	Dues DuesConfig
	// Draining, when set and reporting true, makes /readyz answer 503: the
	// process is shutting down and should get no new requests.
	Draining func() bool
}

// DuesConfig configures the dues service.
type DuesConfig struct {
	// Policy is the dues and standing policy; zero Currency means
	// dues.DefaultPolicy().
	Policy dues.Policy
	// StripeSecretKey enables payments; StripeAPIBase replaces Stripe's URL
	// (stripe-mock); StripeWebhookSecret verifies webhooks.
	StripeSecretKey     string
	StripeAPIBase       string
	StripeWebhookSecret string
	// Workers is how many River workers run in this process (webhook
	// processing, the daily standing sweep); 0 runs none.
	Workers int
}

// App is the assembled service.
type App struct {
	// Handler serves everything: API, web pages, login, docs, metrics.
	Handler http.Handler
	Auth    *auth.Authenticator
	Members *membership.Service
	Voting  *voting.Service
	Dues    *dues.Service
}

// New wires the service on pool. It fails when the OpenID provider cannot
// be discovered or the API description does not load.
func New(ctx context.Context, cfg Config, pool *pgxpool.Pool, log *slog.Logger) (*App, error) {
	authn, err := auth.New(ctx, auth.Config{
		Issuer:        cfg.OIDCIssuer,
		ClientID:      cfg.OIDCClientID,
		ClientSecret:  cfg.OIDCClientSecret,
		RedirectURL:   cfg.BaseURL + "/auth/callback",
		PostLogoutURL: cfg.BaseURL + "/",
		SessionTTL:    cfg.SessionTTL,
		SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
		Audience:      cfg.OIDCAudience,
	}, pool, log)
	if err != nil {
		return nil, fmt.Errorf("set up login with %s: %w", cfg.OIDCIssuer, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := &App{Auth: authn, Members: membership.NewService(pool, time.Now)}
	if a.Dues, err = newDues(ctx, cfg.Dues, pool, log); err != nil {
		return nil, err
	}
	settle := func(ctx context.Context) error { _, err := a.Dues.DrainStanding(ctx); return err }
	if a.Voting, err = voting.NewService(pool, time.Now, cfg.BallotKey, settle); err != nil {
		return nil, err
	}
	site, err := web.New(web.Deps{Members: a.Members, Voting: a.Voting, Dues: a.Dues, BaseURL: cfg.BaseURL, Auth: authn,
		Logger: log, SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://")})
	if err != nil {
		return nil, err
	}
	a.Handler, err = api.New(api.Deps{
		Pool: pool, Members: a.Members, Voting: a.Voting, Dues: a.Dues, Auth: authn, Logger: log, Registry: reg, Gatherer: reg,
		Draining: cfg.Draining,
		Mount:    func(r *gin.Engine) { a.mount(r, site) },
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// mount adds the routes that live outside the API: login and the web pages
// (web.Site.Mount registers both, with the front end's security headers).
func (a *App) mount(r *gin.Engine, site *web.Site) {
	site.Mount(r, web.AuthHandlers{
		Login: a.Auth.LoginHandler(), Callback: a.Auth.CallbackHandler(), Logout: a.Auth.LogoutHandler()})
}

// newDues builds the dues service and starts its River workers, which run
// until ctx ends.
func newDues(ctx context.Context, cfg DuesConfig, pool *pgxpool.Pool, log *slog.Logger) (*dues.Service, error) {
	if cfg.Policy.Currency == "" {
		cfg.Policy = dues.DefaultPolicy()
	}
	dc := dues.Config{Policy: cfg.Policy, WebhookSecret: cfg.StripeWebhookSecret, Workers: cfg.Workers, Logger: log}
	if cfg.StripeSecretKey != "" {
		dc.Stripe = dues.NewStripeClient(cfg.StripeSecretKey, cfg.StripeAPIBase, nil)
	}
	svc, err := dues.NewService(pool, time.Now, dc)
	if err != nil {
		return nil, fmt.Errorf("dues: %w", err)
	}
	if err := svc.Start(ctx); err != nil {
		return nil, fmt.Errorf("dues: start workers: %w", err)
	}
	return svc, nil
}
