package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
	"github.com/chapterhouse/chapterhouse/internal/demo"
)

// browserless is an HTTP client with a cookie jar, signed in through the
// real login flow: the app's /auth/login, the provider's login form, the
// callback that sets the session cookie.
type browserless struct {
	env *apptest.Env
	c   *http.Client
}

func signIn(t *testing.T, env *apptest.Env, username string) *browserless {
	t.Helper()
	var password string
	for _, a := range demo.Accounts() {
		if a.Username == username {
			password = a.Password
		}
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browserless{env: env, c: &http.Client{Jar: jar}}
	resp, body := b.get(t, "/auth/login?return_to=/me")
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || id == nil {
		t.Fatalf("login form: %d %.500s", resp.StatusCode, body)
	}
	loginURL := resp.Request.URL.ResolveReference(&url.URL{Path: "/login"})
	resp, err = b.c.PostForm(loginURL.String(), url.Values{"id": {id[1]}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/me" {
		t.Fatalf("after login: %d at %s: %.500s", resp.StatusCode, resp.Request.URL, page)
	}
	return b
}

func (b *browserless) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := b.c.Get(b.env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// postNoRedirect posts a form and returns the first response, without
// following a redirect.
func (b *browserless) postNoRedirect(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(b.env.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	b := signIn(t, env, "officer")
	var id string
	if err := env.Pool.QueryRow(context.Background(), `SELECT m.id::text FROM members m JOIN chapters c ON c.id = m.chapter_id
		WHERE c.slug = 'riverside' AND m.status = 'active' AND m.email LIKE '%@example.org' LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/members/" + id
	_, page := b.get(t, path)
	tok := csrfField.FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("the member page of a session has no CSRF token:\n%.2000s", page)
	}
	status := func() string {
		var s string
		if err := env.Pool.QueryRow(context.Background(), `SELECT status FROM members WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, form := range map[string]url.Values{
		"no token":    {"reason": {"csrf"}},
		"wrong token": {"reason": {"csrf"}, "csrf_token": {strings.Repeat("A", len(tok[1]))}},
	} {
		resp, body := b.postNoRedirect(t, path+"/deactivate", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF token") {
			t.Errorf("%s: status %d, want 403 naming the CSRF token:\n%.1500s", name, resp.StatusCode, body)
		}
		if s := status(); s != "active" {
			t.Fatalf("%s: the member is %s", name, s)
		}
	}
	resp, body := b.postNoRedirect(t, path+"/deactivate", url.Values{"reason": {"csrf test"}, "csrf_token": {tok[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the token: status %d:\n%.1500s", resp.StatusCode, body)
	}
	if s := status(); s != "inactive" {
		t.Fatalf("with the token the member is %s", s)
	}

	// The login routes carry the front end's security headers too.
	resp, _ = b.postNoRedirect(t, "/auth/logout", url.Values{})
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("/auth/logout has CSP %q", csp)
	}

	// Sign out needs the token too; with it the session ends.
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without token: %d", resp.StatusCode)
	}
	resp, _ = b.postNoRedirect(t, "/auth/logout", url.Values{"csrf_token": {tok[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout with token: %d", resp.StatusCode)
	}
	if resp, _ := b.get(t, "/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout /me gives %d", resp.StatusCode)
	}
}
