package auth

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

func TestVerifyCSRF(t *testing.T) {
	token := newToken()
	session := &Principal{sessionHash: hashToken(token), csrf: csrfFor(token)}
	bearer := &Principal{}
	form := func(v string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(url.Values{CSRFField: {v}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	header := func(method, v string) *http.Request {
		r := httptest.NewRequest(method, "/x", nil)
		if v != "" {
			r.Header.Set(CSRFHeader, v)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		p    *Principal
		want errs.Kind // Internal means no error
	}{
		{"session form with token", form(session.CSRFToken()), session, errs.Internal},
		{"session header with token", header(http.MethodDelete, session.CSRFToken()), session, errs.Internal},
		{"session form without token", form(""), session, errs.Forbidden},
		{"session form with another session's token", form(csrfFor(newToken())), session, errs.Forbidden},
		{"session POST without anything", header(http.MethodPost, ""), session, errs.Forbidden},
		{"session GET", header(http.MethodGet, ""), session, errs.Internal},
		{"bearer POST", header(http.MethodPost, ""), bearer, errs.Internal},
		{"nobody", header(http.MethodPost, ""), nil, errs.Unauthenticated},
	} {
		err := VerifyCSRF(tc.r, tc.p)
		switch {
		case tc.want == errs.Internal && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case tc.want != errs.Internal && errs.KindOf(err) != tc.want:
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestTokensAndCSRFDerivation(t *testing.T) {
	a, b := newToken(), newToken()
	if len(a) != tokenLen || a == b {
		t.Fatalf("tokens %q %q", a, b)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(a); err != nil || len(raw) != tokenBytes {
		t.Fatalf("token does not carry %d bytes: %v", tokenBytes, err)
	}
	if csrfFor(a) != csrfFor(a) || csrfFor(a) == csrfFor(b) {
		t.Error("CSRF token is not a function of the session token")
	}
	// The database holds the hash; the CSRF token must not be it, nor be
	// computable from it alone.
	h := hashToken(a)
	if csrfFor(a) == base64.RawURLEncoding.EncodeToString(h) || bytes.Contains([]byte(csrfFor(a)), []byte(a)) {
		t.Error("CSRF token reveals or equals stored material")
	}
}

func TestSessionCookieRefusals(t *testing.T) {
	e := newEnv(t)
	a := e.auth.Load()
	for name, v := range map[string]string{
		"malformed": "abc",
		"unknown":   newToken(),
	} {
		r := httptest.NewRequest(http.MethodGet, "/me", nil)
		r.AddCookie(&http.Cookie{Name: "chapterhouse_session", Value: v})
		if _, err := a.Authenticate(r); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("%s cookie: %v, want errs.Unauthenticated", name, err)
		}
	}
	// An expired session is refused, and swept at the next login.
	c := browser(t)
	if resp, body := e.login(t, c, "ada", "/me"); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %s %s", resp.Status, body)
	}
	if _, err := e.pool.Exec(t.Context(), `UPDATE web_sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.getMe(t, c); status != http.StatusUnauthorized {
		t.Errorf("expired session: /me = %d, want 401", status)
	}
	if resp, body := e.login(t, browser(t), "ada", "/me"); resp.StatusCode != http.StatusOK {
		t.Fatalf("second login: %s %s", resp.Status, body)
	}
	if n := e.count(t, `SELECT count(*) FROM web_sessions WHERE expires_at <= now()`); n != 0 {
		t.Errorf("%d expired sessions left after a login", n)
	}
	if n := e.count(t, `SELECT count(*) FROM oidc_logins`); n != 0 {
		t.Errorf("%d pending logins left after completed logins", n)
	}
}
