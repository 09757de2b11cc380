package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// client talks to one Chapterhouse server with one set of credentials.
type client struct {
	base   *url.URL
	hc     *http.Client
	token  string       // bearer token, or ""
	cookie *http.Cookie // session cookie after --login, or nil
	csrf   string       // the session's CSRF token, with cookie
	remote bool         // non-loopback addresses allowed
}

// newRequest builds a request to path (with query) on the server, with the
// client's credentials.
func (c *client) newRequest(ctx context.Context, method, pathQuery string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+pathQuery, body)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
		if method != http.MethodGet && method != http.MethodHead {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// getJSON fetches pathQuery and decodes a 200 answer into out.
func (c *client) getJSON(ctx context.Context, pathQuery string, out any) error {
	req, err := c.newRequest(ctx, http.MethodGet, pathQuery, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return loadtest.ResponseError(resp)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// sessionCookieNames are the names the server gives its session cookie
// (the __Host- form when it runs on https).
var sessionCookieNames = []string{"chapterhouse_session", "__Host-chapterhouse_session"}

// login signs in as a browser does: the server's /auth/login redirects to
// its OpenID provider, whose login form takes the username and password;
// the provider redirects back to the server's callback, which sets the
// session cookie. Redirects are followed only to loopback addresses (unless
// remote), as every other request. It fails when any step does.
func (c *client) login(ctx context.Context, username, password string) error {
	jar, _ := cookiejar.New(nil)
	hc := *c.hc
	hc.Jar = jar
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects while signing in")
		}
		return loadtest.CheckTarget(req.URL, c.remote)
	}
	get := func(u string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		return hc.Do(req)
	}
	resp, err := get(c.base.String() + "/auth/login?return_to=/api/v1/me")
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	form := resp.Request.URL
	id := form.Query().Get("authRequestID")
	if resp.StatusCode != http.StatusOK || id == "" {
		return fmt.Errorf("sign in: expected the provider's login form, got %s from %s", resp.Status, form.Redacted())
	}
	post := &url.URL{Scheme: form.Scheme, Host: form.Host, Path: form.Path}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, post.String(), strings.NewReader(url.Values{
		"id": {id}, "username": {username}, "password": {password}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = hc.Do(req)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Host != c.base.Host {
		return fmt.Errorf("sign in as %s: %w (at %s)", username, loadtest.ResponseError(resp), resp.Request.URL.Redacted())
	}
	for _, ck := range jar.Cookies(c.base) {
		for _, name := range sessionCookieNames {
			if ck.Name == name {
				c.cookie = &http.Cookie{Name: ck.Name, Value: ck.Value}
				c.csrf = csrfFor(ck.Value)
				return nil
			}
		}
	}
	return errors.New("sign in: the server set no session cookie")
}

// csrfFor is the CSRF token of a session, which the holder of the session
// cookie derives from it (HMAC-SHA-256 keyed with the cookie's value over a
// fixed label, base64url), as the server does. A web page would instead
// read it from the form the server rendered; this client has no page.
func csrfFor(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("chapterhouse csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// chapter is the part of a chapter we use.
type chapter struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

// resolveChapter returns the id of the chapter named by id or slug.
func (c *client) resolveChapter(ctx context.Context, idOrSlug string) (string, error) {
	var list struct {
		Items []chapter `json:"items"`
	}
	if err := c.getJSON(ctx, "/api/v1/chapters", &list); err != nil {
		return "", fmt.Errorf("list chapters: %w", err)
	}
	for _, ch := range list.Items {
		if ch.ID == idOrSlug || ch.Slug == idOrSlug {
			return ch.ID, nil
		}
	}
	return "", fmt.Errorf("no chapter has the id or slug %q", idOrSlug)
}
