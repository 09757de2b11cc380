package devidp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxHops bounds the redirects TokenFor follows.
const maxHops = 10

// TokenFor obtains an access token (a JWT whose audience is clientID) for
// username through the real authorization code flow with PKCE, driven over
// HTTP like a browser would: authorization request, login form, callback,
// token request. It knows the user's password and the client's secret
// because it is the provider; use it in tests and load tests. It returns an
// error when the user or client is unknown, the client has no redirect URI,
// or any step of the flow fails.
func (p *Provider) TokenFor(ctx context.Context, username, clientID string) (string, error) {
	p.storage.mu.Lock()
	u, okU := p.storage.users[username]
	c, okC := p.storage.clients[clientID]
	p.storage.mu.Unlock()
	switch {
	case !okU:
		return "", fmt.Errorf("devidp: unknown user %q", username)
	case !okC:
		return "", fmt.Errorf("devidp: unknown client %q", clientID)
	case len(c.Client.RedirectURIs) == 0:
		return "", fmt.Errorf("devidp: client %q has no redirect URI", clientID)
	}
	redirect := c.Client.RedirectURIs[0]
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	cfg := oauth2.Config{
		ClientID:     c.ID,
		ClientSecret: c.Secret,
		RedirectURL:  redirect,
		Scopes:       []string{"openid", "email", "profile"},
		Endpoint: oauth2.Endpoint{
			AuthURL:  p.op.AuthorizationEndpoint().Absolute(p.issuer),
			TokenURL: p.op.TokenEndpoint().Absolute(p.issuer),
		},
	}
	state := randomString()
	verifier := oauth2.GenerateVerifier()
	next := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", randomString()))

	var code string
	for hop := 0; code == ""; hop++ {
		if hop == maxHops {
			return "", errors.New("devidp: too many redirects in the authorization flow")
		}
		resp, err := get(ctx, hc, next)
		if err != nil {
			return "", err
		}
		switch {
		case resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther:
			loc, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("devidp: redirect without location: %w", err)
			}
			if strings.HasPrefix(loc.String(), redirect) {
				q := loc.Query()
				if e := q.Get("error"); e != "" {
					return "", fmt.Errorf("devidp: authorization refused: %s: %s", e, q.Get("error_description"))
				}
				if q.Get("state") != state {
					return "", errors.New("devidp: callback state does not match")
				}
				code = q.Get("code")
				if code == "" {
					return "", errors.New("devidp: callback carries no code")
				}
				continue
			}
			next = loc.String()
		case resp.StatusCode == http.StatusOK && resp.Request.URL.Path == loginPath:
			// The login form: post the credentials as a person would.
			loginURL := resp.Request.URL
			form := url.Values{
				"id":       {loginURL.Query().Get("authRequestID")},
				"username": {u.Username},
				"password": {u.Password},
			}
			post, err := postForm(ctx, hc, loginURL.Scheme+"://"+loginURL.Host+loginPath, form)
			if err != nil {
				return "", err
			}
			if post.StatusCode != http.StatusFound {
				return "", fmt.Errorf("devidp: login form answered %s", post.Status)
			}
			loc, err := post.Location()
			if err != nil {
				return "", fmt.Errorf("devidp: login redirect without location: %w", err)
			}
			next = loc.String()
		default:
			return "", fmt.Errorf("devidp: unexpected answer %s from %s", resp.Status, resp.Request.URL.Path)
		}
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, hc), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", fmt.Errorf("devidp: token request: %w", err)
	}
	if tok.AccessToken == "" {
		return "", errors.New("devidp: token response carries no access token")
	}
	return tok.AccessToken, nil
}

// get fetches u and drains the body, keeping the response for its status,
// location and request URL.
func get(ctx context.Context, hc *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("devidp: request %s: %w", u, err)
	}
	return do(hc, req)
}

func postForm(ctx context.Context, hc *http.Client, u string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("devidp: request %s: %w", u, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(hc, req)
}

func do(hc *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("devidp: %s %s: %w", req.Method, req.URL.Path, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp, nil
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
