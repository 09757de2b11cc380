package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/loadtest"
)

// maxHops bounds the redirects one login follows.
const maxHops = 10

// oidcLogin logs users in through an OpenID provider's authorization code
// flow with PKCE, over HTTP as a browser and the server would: the
// authorization request, the provider's login form, its redirect to the
// client's redirect URI (read, never followed: the code is taken off it),
// and the token request with the client's credentials. The access token
// is the bearer token the server accepts.
type oidcLogin struct {
	cfg      oauth2.Config
	redirect string
	hc       *http.Client // loopback-only unless remote; no redirects followed
	remote   bool
}

// newOIDCLogin discovers the provider's endpoints from lc.Issuer and checks
// that the issuer is a loopback address unless remote.
func newOIDCLogin(ctx context.Context, lc demo.LoadClient, hc *http.Client, remote bool) (*oidcLogin, error) {
	iu, err := url.Parse(lc.Issuer)
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", lc.Issuer, err)
	}
	if err := loadtest.CheckTarget(iu, remote); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(lc.Issuer, "/")+"/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("OpenID discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("OpenID discovery: %w", loadtest.ResponseError(resp))
	}
	var d struct {
		Auth  string `json:"authorization_endpoint"`
		Token string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.Auth == "" || d.Token == "" {
		return nil, fmt.Errorf("OpenID discovery: no authorization and token endpoints (%v)", err)
	}
	return &oidcLogin{redirect: lc.RedirectURI, hc: hc, remote: remote, cfg: oauth2.Config{
		ClientID: lc.ClientID, ClientSecret: lc.ClientSecret, RedirectURL: lc.RedirectURI,
		Scopes:   []string{"openid", "email", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: d.Auth, TokenURL: d.Token, AuthStyle: oauth2.AuthStyleInHeader},
	}}, nil
}

// token logs username in with password and returns the access token. It
// fails when the provider refuses the login or any step fails.
func (l *oidcLogin) token(ctx context.Context, username, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	hc := *l.hc
	hc.Jar = jar
	state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	next := l.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", oauth2.GenerateVerifier()))
	var code string
	for hop := 0; code == ""; hop++ {
		if hop == maxHops {
			return "", errors.New("login: too many redirects")
		}
		u, err := url.Parse(next)
		if err != nil {
			return "", fmt.Errorf("login: redirect to %q: %w", next, err)
		}
		if err := loadtest.CheckTarget(u, l.remote); err != nil {
			return "", err
		}
		resp, err := send(ctx, &hc, http.MethodGet, next, nil)
		if err != nil {
			return "", fmt.Errorf("login: %w", err)
		}
		switch resp.StatusCode {
		case http.StatusFound, http.StatusSeeOther:
			loc, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("login: redirect without location: %w", err)
			}
			if !strings.HasPrefix(loc.String(), l.redirect) {
				next = loc.String()
				continue
			}
			q := loc.Query()
			if e := q.Get("error"); e != "" {
				return "", fmt.Errorf("login: authorization refused: %s: %s", e, q.Get("error_description"))
			}
			if q.Get("state") != state {
				return "", errors.New("login: callback state does not match")
			}
			if code = q.Get("code"); code == "" {
				return "", errors.New("login: callback carries no code")
			}
		case http.StatusOK:
			// The provider's login form: post the credentials to it as a
			// person would.
			form := resp.Request.URL
			id := form.Query().Get("authRequestID")
			if id == "" {
				return "", fmt.Errorf("login: expected the provider's login form at %s", form.Redacted())
			}
			post := &url.URL{Scheme: form.Scheme, Host: form.Host, Path: form.Path}
			resp, err := send(ctx, &hc, http.MethodPost, post.String(), url.Values{"id": {id}, "username": {username}, "password": {password}})
			if err != nil {
				return "", fmt.Errorf("login: %w", err)
			}
			if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
				return "", fmt.Errorf("login as %s: the provider's form answered %s (wrong password, or a user the provider does not know?)", username, resp.Status)
			}
			loc, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("login: redirect without location: %w", err)
			}
			next = loc.String()
		default:
			return "", fmt.Errorf("login: %s answered %s", resp.Request.URL.Path, resp.Status)
		}
	}
	tok, err := l.cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, &hc), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", fmt.Errorf("login: token request: %w", err)
	}
	if tok.AccessToken == "" {
		return "", errors.New("login: the token response carries no access token")
	}
	return tok.AccessToken, nil
}

// send sends a GET, or a POST of form, and drains and closes the body,
// keeping the response for its status, location and request URL.
func send(ctx context.Context, hc *http.Client, method, u string, form url.Values) (*http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp, nil
}
