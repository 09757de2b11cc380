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
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// ClientID is the OAuth client the app is registered as with the provider.
const ClientID = "chapterhouse-test"

// Env is a running service.
type Env struct {
	URL  string
	Pool *pgxpool.Pool
	IdP  *devidp.Provider
	App  *app.App
}

// Start runs the service for the length of the test. Logs go to t.Log only
// when CHAPTERHOUSE_TEST_LOG is set, to keep output readable.
func Start(t testing.TB) *Env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pool := pgtest.New(t)
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
	idp, err := devidp.Start(ctx, devidp.Options{Addr: "127.0.0.1:0", Users: users, Clients: []devidp.Client{{
		ID: ClientID, Secret: "test-secret",
		RedirectURIs:           []string{base + "/auth/callback"},
		PostLogoutRedirectURIs: []string{base + "/"},
	}}})
	if err != nil {
		t.Fatalf("start OpenID provider: %v", err)
	}
	t.Cleanup(func() { idp.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, app.Config{BaseURL: base, OIDCIssuer: idp.Issuer(), OIDCClientID: ClientID,
		OIDCClientSecret: "test-secret", SessionTTL: time.Hour, BallotKey: ballotKey(t)}, pool, log)
	if err != nil {
		t.Fatalf("assemble app: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &Env{URL: base, Pool: pool, IdP: idp, App: a}
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
