package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// ReturnToParam is the query parameter of LoginHandler naming the local path
// to land on after signing in.
const ReturnToParam = "return_to"

// LoginHandler starts the web login (GET or HEAD): it records a pending login
// (the SHA-256 of a random state, the PKCE verifier, a nonce and the return
// path) in oidc_logins, binds the state to this browser with a short-lived
// cookie, and redirects to the provider's authorization endpoint with a
// S256 code challenge and the nonce. The return path comes from the
// return_to query parameter and is kept only if it is a local path (see
// SafeReturnPath); otherwise "/" is used.
func (a *Authenticator) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			a.fail(w, r, http.StatusMethodNotAllowed, "Use GET to sign in.", nil)
			return
		}
		ctx := r.Context()
		if err := a.q.AuthDeleteExpiredOIDCLogins(ctx); err != nil {
			a.log.WarnContext(ctx, "auth: delete expired logins", "err", err)
		}
		state, verifier, nonce := newToken(), oauth2.GenerateVerifier(), newToken()
		expires := time.Now().Add(loginTTL)
		if err := a.q.AuthCreateOIDCLogin(ctx, postgres.AuthCreateOIDCLoginParams{
			StateHash:    hashToken(state),
			CodeVerifier: verifier,
			Nonce:        nonce,
			ReturnTo:     SafeReturnPath(r.URL.Query().Get(ReturnToParam)),
			ExpiresAt:    expires,
		}); err != nil {
			a.fail(w, r, http.StatusInternalServerError, "Signing in is not possible right now; try again later.", err)
			return
		}
		http.SetCookie(w, a.cookie(a.loginCookie, state, expires))
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, a.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	})
}

// CallbackHandler completes the web login at Config.RedirectURL. It checks
// that the state matches this browser's login cookie and a pending login,
// exchanges the code with the PKCE verifier, verifies the ID token (issuer,
// signature, audience, expiry, nonce), requires a verified email (from the
// ID token, else from the userinfo endpoint), resolves the member (existing
// identity link, else the member with that email, linking the identity),
// creates a web session and redirects (303) to the login's return path.
// Refusals are short HTML pages: 400 for a stale or foreign state, 401 when
// the provider or its tokens fail, 403 when the person is not admitted (no
// member with that email, unverified email, inactive member).
func (a *Authenticator) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		w.Header().Set("Cache-Control", "no-store")
		q := r.URL.Query()
		state := q.Get("state")
		c, err := r.Cookie(a.loginCookie)
		if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
			a.fail(w, r, http.StatusBadRequest, "This sign-in was not started in this browser, or it has expired. Please sign in again.", nil)
			return
		}
		http.SetCookie(w, a.cookie(a.loginCookie, "", time.Time{}))
		login, err := a.q.AuthTakeOIDCLogin(ctx, hashToken(state))
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !login.Live) {
			a.fail(w, r, http.StatusBadRequest, "This sign-in has expired or was already used. Please sign in again.", nil)
			return
		}
		if err != nil {
			a.fail(w, r, http.StatusInternalServerError, "Signing in is not possible right now; try again later.", err)
			return
		}
		if q.Get("error") != "" {
			a.fail(w, r, http.StatusUnauthorized, "The identity provider did not sign you in.", nil)
			return
		}
		p, err := a.completeLogin(ctx, q.Get("code"), login.CodeVerifier, login.Nonce)
		if err != nil {
			var msg string
			status := http.StatusUnauthorized
			switch e := errs.As(err); {
			case e != nil && e.Kind == errs.Forbidden:
				status, msg, err = http.StatusForbidden, e.Msg, nil
			case e != nil && e.Kind == errs.Unauthenticated:
				msg = "Signing in failed: " + e.Msg + "."
			default:
				status, msg = http.StatusInternalServerError, "Signing in is not possible right now; try again later."
			}
			a.fail(w, r, status, msg, err)
			return
		}
		if err := a.q.AuthDeleteExpiredWebSessions(ctx); err != nil {
			a.log.WarnContext(ctx, "auth: delete expired sessions", "err", err)
		}
		if err := a.createSession(ctx, w, p.MemberID); err != nil {
			a.fail(w, r, http.StatusInternalServerError, "Signing in is not possible right now; try again later.", err)
			return
		}
		a.log.InfoContext(ctx, "member signed in", "member_id", p.MemberID)
		http.Redirect(w, r, login.ReturnTo, http.StatusSeeOther)
	})
}

// completeLogin exchanges code and resolves the member behind the ID token.
// Its errs.Unauthenticated messages are lower-case fragments.
func (a *Authenticator) completeLogin(ctx context.Context, code, verifier, nonce string) (*Principal, error) {
	if code == "" {
		return nil, errs.E(errs.Unauthenticated, "the provider sent no authorization code")
	}
	hctx := a.httpContext(ctx)
	tok, err := a.oauth.Exchange(hctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, &errs.Error{Kind: errs.Unauthenticated, Msg: "the provider refused the authorization code", Err: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errs.E(errs.Unauthenticated, "the provider sent no ID token")
	}
	idt, err := a.idTokens.Verify(hctx, raw)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Unauthenticated, Msg: "the ID token did not verify", Err: err}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, errs.E(errs.Unauthenticated, "the ID token's nonce does not match this sign-in")
	}
	var claims emailClaims
	if err := idt.Claims(&claims); err != nil {
		return nil, &errs.Error{Kind: errs.Unauthenticated, Msg: "the ID token's claims are malformed", Err: err}
	}
	if claims.Email == "" {
		// Some providers put email only in userinfo.
		info, err := a.userinfo(hctx, tok.AccessToken, idt.Subject)
		if err != nil {
			return nil, err
		}
		claims = info
	}
	// The web login always requires a verified email, even for a linked
	// identity: it is what the provider vouches for at this sign-in.
	email, err := claims.verified()
	if err != nil {
		return nil, err
	}
	m, err := a.memberFor(ctx, idt.Issuer, idt.Subject, func(context.Context) (string, error) { return email, nil })
	if err != nil {
		return nil, err
	}
	return a.principal(ctx, m)
}

// userinfo fetches the email claims from the provider's userinfo endpoint
// with an access token, and checks that they are about subject.
func (a *Authenticator) userinfo(ctx context.Context, accessToken, subject string) (emailClaims, error) {
	info, err := a.provider.UserInfo(a.httpContext(ctx), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
	if err != nil {
		return emailClaims{}, &errs.Error{Kind: errs.Unauthenticated, Msg: "the provider's userinfo endpoint refused the token", Err: err}
	}
	var c emailClaims
	if err := info.Claims(&c); err != nil {
		return emailClaims{}, &errs.Error{Kind: errs.Unauthenticated, Msg: "the provider's userinfo answer is malformed", Err: err}
	}
	if c.Subject != subject {
		return emailClaims{}, errs.E(errs.Unauthenticated, "the provider's userinfo answer is about another subject")
	}
	return c, nil
}

// LogoutHandler ends the web session (POST only). When the request carries a
// live session cookie, the form must carry the session's CSRF token
// (csrf_token field or X-CSRF-Token header), else 403. It deletes the
// session, clears the cookie and redirects (303) to the provider's
// end_session_endpoint when it has one (with client_id and
// post_logout_redirect_uri = Config.PostLogoutURL), else to PostLogoutURL.
func (a *Authenticator) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			a.fail(w, r, http.StatusMethodNotAllowed, "Use the sign-out button to sign out.", nil)
			return
		}
		ctx := r.Context()
		w.Header().Set("Cache-Control", "no-store")
		if c, err := r.Cookie(a.sessionCookie); err == nil && len(c.Value) == tokenLen {
			if !csrfMatches(r, csrfFor(c.Value)) {
				a.fail(w, r, http.StatusForbidden, "The sign-out form has expired; reload the page and try again.", nil)
				return
			}
			if err := a.q.AuthDeleteWebSession(ctx, hashToken(c.Value)); err != nil {
				a.fail(w, r, http.StatusInternalServerError, "Signing out is not possible right now; try again later.", err)
				return
			}
		}
		http.SetCookie(w, a.cookie(a.sessionCookie, "", time.Time{}))
		target := a.cfg.PostLogoutURL
		if a.endSession != "" {
			if u, err := url.Parse(a.endSession); err == nil {
				v := u.Query()
				v.Set("client_id", a.cfg.ClientID)
				v.Set("post_logout_redirect_uri", a.cfg.PostLogoutURL)
				u.RawQuery = v.Encode()
				target = u.String()
			}
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// SafeReturnPath returns s when it is a local absolute path (with an
// optional query and fragment) that a browser cannot read as another origin,
// and "/" otherwise: no scheme, no host, no "//" or "/\" prefix, no
// backslashes or control characters, at most 1024 bytes.
func SafeReturnPath(s string) string {
	const fallback = "/"
	if s == "" || len(s) > 1024 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return fallback
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fallback
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return s
}

var failPage = template.Must(template.New("fail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Msg}}</p><p><a href="/">Home</a></p></main></body></html>
`))

// fail writes a short HTML page; err, when not nil, is logged (never shown).
func (a *Authenticator) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if err != nil {
		level := slogLevel(status)
		a.log.Log(r.Context(), level, "auth: sign-in failed", "status", status, "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	title := "Signing in did not work"
	if status == http.StatusForbidden {
		title = "You cannot sign in here"
	}
	_ = failPage.Execute(w, struct{ Title, Msg string }{title, msg})
}
