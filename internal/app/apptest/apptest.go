// Package apptest runs the whole Chapterhouse service in-process for
// end-to-end tests: a fresh PostgreSQL database with the demo organization,
// the built-in OpenID provider with the demo accounts, and the assembled app
// behind an httptest server on 127.0.0.1.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/app"
	"github.com/chapterhouse/chapterhouse/internal/auth/devidp"
	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// ClientID and ClientSecret are the OAuth client the app is registered as
// with the provider.
const (
	ClientID     = "chapterhouse-test"
	ClientSecret = "test-secret"
)

// Env is a running service.
type Env struct {
	URL  string
	Pool *pgxpool.Pool
	// DatabaseURL is the test database the service runs on.
	DatabaseURL string
	IdP         *devidp.Provider
	App         *app.App
}

// Options adjust Start.
type Options struct {
	// ExtraUsers are provider accounts besides the demo accounts (load
	// tests register their voters here).
	ExtraUsers []devidp.User
}

// Start runs the service with the demo accounts for the length of the test.
func Start(t testing.TB) *Env {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith runs the service for the length of the test, as opts say. The
// service's logs are discarded, to keep test output readable.
func StartWith(t testing.TB, opts Options) *Env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dbURL := pgtest.NewURL(t)
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := demo.Seed(ctx, pool, time.Now().UTC()); err != nil {
		t.Fatalf("seed demo organization: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	var users []devidp.User
	for _, a := range demo.Accounts() {
		users = append(users, devidp.User{Username: a.Username, Password: a.Password, Email: a.Email, Name: a.Name})
	}
	users = append(users, opts.ExtraUsers...)
	idp, err := devidp.Start(ctx, devidp.Options{Addr: "127.0.0.1:0", Users: users, Clients: []devidp.Client{{
		ID: ClientID, Secret: ClientSecret,
		RedirectURIs:           []string{base + "/auth/callback"},
		PostLogoutRedirectURIs: []string{base + "/"},
	}}})
	if err != nil {
		t.Fatalf("start OpenID provider: %v", err)
	}
	t.Cleanup(func() { idp.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, app.Config{BaseURL: base, OIDCIssuer: idp.Issuer(), OIDCClientID: ClientID,
		OIDCClientSecret: ClientSecret, SessionTTL: time.Hour, BallotKey: ballotKey(t)}, pool, log)
	if err != nil {
		t.Fatalf("assemble app: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &Env{URL: base, Pool: pool, DatabaseURL: dbURL, IdP: idp, App: a}
}

// Token returns a bearer access token for a demo account, obtained through
// the provider's real authorization code flow.
func (e *Env) Token(t testing.TB, username string) string {
	t.Helper()
	tok, err := e.IdP.TokenFor(context.Background(), username, ClientID)
	if err != nil {
		t.Fatalf("token for %s: %v", username, err)
	}
	return tok
}

// Do sends a request with the bearer token (none when token is empty) and
// returns the response with its body read.
func (e *Env) Do(t testing.TB, token, method, path string, body io.Reader, contentType string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// ballotKey returns a fresh ballot key for the test's service.
func ballotKey(t testing.TB) []byte {
	k, err := voting.ParseBallotKey(voting.NewBallotKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}
