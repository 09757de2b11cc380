package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chapterhouse/chapterhouse/internal/api"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// app is the assembled service: every dependency built once, in one place.
type app struct {
	handler http.Handler
	auth    *auth.Authenticator
}

// newApp wires the domain services, the authenticator and the HTTP layer.
func newApp(ctx context.Context, cfg Config, pool *pgxpool.Pool, log *slog.Logger) (*app, error) {
	authn, err := auth.New(ctx, auth.Config{
		Issuer:        cfg.OIDCIssuer,
		ClientID:      cfg.OIDCClientID,
		ClientSecret:  cfg.OIDCClientSecret,
		RedirectURL:   cfg.BaseURL + "/auth/callback",
		PostLogoutURL: cfg.BaseURL + "/",
		SessionTTL:    cfg.SessionTTL,
		SecureCookies: len(cfg.BaseURL) > 8 && cfg.BaseURL[:8] == "https://",
		Audience:      cfg.OIDCAudience,
	}, pool, log)
	if err != nil {
		return nil, fmt.Errorf("set up login with %s: %w", cfg.OIDCIssuer, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	members := membership.NewService(pool, time.Now)
	h, err := api.New(api.Deps{
		Pool: pool, Members: members, Auth: authn, Logger: log, Registry: reg, Gatherer: reg,
		Mount: func(r *gin.Engine) {
			r.GET("/auth/login", gin.WrapH(authn.LoginHandler()))
			r.GET("/auth/callback", gin.WrapH(authn.CallbackHandler()))
			r.POST("/auth/logout", gin.WrapH(authn.LogoutHandler()))
		},
	})
	if err != nil {
		return nil, err
	}
	return &app{handler: h, auth: authn}, nil
}

// listenAndServe serves h on addr until ctx ends, then drains requests for
// up to 10 s. ready, when set, receives the bound address.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a large roster import
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
