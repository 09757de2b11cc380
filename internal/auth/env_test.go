package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth/devidp"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// env is a database with an organization, an in-process provider, and an
// HTTP server mounting the Authenticator's handlers.
type env struct {
	*fixture
	idp  *devidp.Provider
	srv  *httptest.Server
	auth atomic.Pointer[Authenticator]
	cfg  Config

	ada, bob, cat uuid.UUID
}

var devUsers = []devidp.User{
	{Username: "ada", Password: "pw-ada", Email: "ada@example.org", Name: "Ada"},
	{Username: "bob", Password: "pw-bob", Email: "bob@example.org", Name: "Bob", EmailUnverified: true},
	{Username: "cat", Password: "pw-cat", Email: "Cat@Example.org", Name: "Cat"},
	{Username: "eve", Password: "pw-eve", Email: "eve@example.org", Name: "Eve"},
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fixture: newFixture(t)}
	e.ada = e.member(t, e.north, "Ada", "ada@example.org")
	e.bob = e.member(t, e.north, "Bob", "bob@example.org")
	e.cat = e.member(t, e.south, "Cat", "cat@example.org")
	e.grant(t, e.ada, e.north, RoleChair, 0, 0, true)

	mux := http.NewServeMux()
	mux.Handle("/auth/login", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.auth.Load().LoginHandler().ServeHTTP(w, r) }))
	mux.Handle("/auth/callback", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.auth.Load().CallbackHandler().ServeHTTP(w, r) }))
	mux.Handle("/auth/logout", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.auth.Load().LogoutHandler().ServeHTTP(w, r) }))
	mux.HandleFunc("/me", e.me)
	mux.HandleFunc("/bye", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("bye")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("home")) })
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)

	redirect := e.srv.URL + "/auth/callback"
	idp, err := devidp.Start(t.Context(), devidp.Options{
		Users: devUsers,
		Clients: []devidp.Client{
			{ID: "web", Secret: "web-secret", RedirectURIs: []string{redirect}, PostLogoutRedirectURIs: []string{e.srv.URL + "/bye"}},
			{ID: "other", Secret: "other-secret", RedirectURIs: []string{redirect}},
			{ID: "short", Secret: "short-secret", RedirectURIs: []string{redirect}, AccessTokenLifetime: time.Second},
			{ID: "api-email", Secret: "api-secret", RedirectURIs: []string{redirect}, AccessTokenEmail: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	e.idp = idp
	e.cfg = Config{
		Issuer:        idp.Issuer(),
		ClientID:      "web",
		ClientSecret:  "web-secret",
		RedirectURL:   redirect,
		PostLogoutURL: e.srv.URL + "/bye",
		SessionTTL:    time.Hour,
	}
	e.restart(t)
	return e
}

// restart replaces the Authenticator by a new one on the same database, as
// a server restart (or another replica) would.
func (e *env) restart(t *testing.T) {
	t.Helper()
	a, err := New(t.Context(), e.cfg, e.pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e.auth.Store(a)
}

// withAudience returns a new Authenticator for the same provider that
// expects bearer tokens for audience.
func (e *env) withAudience(t *testing.T, audience string) *Authenticator {
	t.Helper()
	cfg := e.cfg
	cfg.Audience = audience
	a, err := New(t.Context(), cfg, e.pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// meJSON is what /me answers.
type meJSON struct {
	MemberID   uuid.UUID `json:"member_id"`
	Name       string    `json:"name"`
	CSRF       string    `json:"csrf"`
	ViaSession bool      `json:"via_session"`
	Error      string    `json:"error"`
}

func (e *env) me(w http.ResponseWriter, r *http.Request) {
	p, err := e.auth.Load().Authenticate(r)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusInternalServerError
		switch errs.KindOf(err) {
		case errs.Unauthenticated:
			status = http.StatusUnauthorized
		case errs.Forbidden:
			status = http.StatusForbidden
		}
		w.WriteHeader(status)
		msg := "internal"
		if e := errs.As(err); e != nil {
			msg = e.Msg
		}
		_ = json.NewEncoder(w).Encode(meJSON{Error: msg})
		return
	}
	_ = json.NewEncoder(w).Encode(meJSON{MemberID: p.MemberID, Name: p.DisplayName, CSRF: p.CSRFToken(), ViaSession: p.ViaSession()})
}

// browser returns an HTTP client with a cookie jar that follows redirects.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// noFollow returns a client sharing c's jar that does not follow redirects.
func noFollow(c *http.Client) *http.Client {
	return &http.Client{Jar: c.Jar, Timeout: c.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var hiddenID = regexp.MustCompile(`name="id" value="([^"]*)"`)

// startLogin GETs /auth/login and returns the provider's login form page's
// URL and the auth request id from its hidden field.
func (e *env) startLogin(t *testing.T, c *http.Client, returnTo string) (formURL *url.URL, id string) {
	t.Helper()
	resp, err := c.Get(e.srv.URL + "/auth/login?return_to=" + url.QueryEscape(returnTo))
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" {
		t.Fatalf("login start landed on %s with %s: %s", resp.Request.URL, resp.Status, body)
	}
	m := hiddenID.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no auth request id in the login form: %s", body)
	}
	return resp.Request.URL, m[1]
}

// postCredentials posts the login form with c.
func postCredentials(t *testing.T, c *http.Client, formURL *url.URL, id, user, password string) *http.Response {
	t.Helper()
	action := formURL.Scheme + "://" + formURL.Host + "/login"
	resp, err := c.PostForm(action, url.Values{"id": {id}, "username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// login runs the whole web login in browser c and returns the final
// response (after every redirect) and its body.
func (e *env) login(t *testing.T, c *http.Client, user, returnTo string) (*http.Response, string) {
	t.Helper()
	formURL, id := e.startLogin(t, c, returnTo)
	var password string
	for _, u := range devUsers {
		if u.Username == user {
			password = u.Password
		}
	}
	resp := postCredentials(t, c, formURL, id, user, password)
	return resp, readAll(t, resp)
}

// getMe asks /me with c.
func (e *env) getMe(t *testing.T, c *http.Client) (int, meJSON) {
	t.Helper()
	resp, err := c.Get(e.srv.URL + "/me")
	if err != nil {
		t.Fatal(err)
	}
	var m meJSON
	if err := json.Unmarshal([]byte(readAll(t, resp)), &m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b []byte
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			break
		}
	}
	return string(b)
}

// count runs a count query.
func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
