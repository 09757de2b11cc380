package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// tokenBytes is the entropy of session tokens, login states and nonces.
const tokenBytes = 32

// tokenLen is the length of a tokenBytes token in unpadded base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken returns tokenBytes random bytes in unpadded base64url.
func newToken() string {
	b := make([]byte, tokenBytes)
	// crypto/rand.Read never returns an error (Go 1.24+); it crashes the
	// program rather than hand out weak randomness.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the SHA-256 of a token as the cookie carries it; only this
// hash is stored, so a database reader cannot present a session or state.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// csrfFor derives the CSRF token of a session from its secret token: an
// HMAC keyed with the session token itself. Only the holder of the session
// cookie (and the server, while it handles their request) can compute it,
// the database holds only the session's hash and learns nothing, and every
// replica derives the same value with no shared key and no extra column.
func csrfFor(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("chapterhouse csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// createSession stores a new session for memberID and sets its cookie.
func (a *Authenticator) createSession(ctx context.Context, w http.ResponseWriter, memberID uuid.UUID) error {
	token := newToken()
	expires := time.Now().Add(a.cfg.SessionTTL)
	if err := a.q.AuthCreateWebSession(ctx, postgres.AuthCreateWebSessionParams{
		TokenHash: hashToken(token),
		MemberID:  memberID,
		ExpiresAt: expires,
	}); err != nil {
		return fmt.Errorf("auth: create session: %w", err)
	}
	http.SetCookie(w, a.cookie(a.sessionCookie, token, expires))
	return nil
}

// cookie returns an HttpOnly, SameSite=Lax cookie on path "/"; an empty
// value with a zero expiry deletes it.
func (a *Authenticator) cookie(name, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   a.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
		c.MaxAge = int(time.Until(expires).Seconds())
	}
	return c
}

// authenticateSession resolves a session cookie's value to a principal.
func (a *Authenticator) authenticateSession(ctx context.Context, token string) (*Principal, error) {
	if len(token) != tokenLen {
		return nil, errs.E(errs.Unauthenticated, "the session cookie is not valid; sign in again")
	}
	hash := hashToken(token)
	row, err := a.q.AuthWebSession(ctx, hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.E(errs.Unauthenticated, "your session has ended or expired; sign in again")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: load session: %w", err)
	}
	grants, err := grantsFrom(row.GrantRoles, row.GrantChapters, row.GrantNationals)
	if err != nil {
		return nil, err
	}
	m := member{ID: row.MemberID, ChapterID: row.ChapterID, GivenName: row.GivenName, FamilyName: row.FamilyName, Status: row.Status,
		grants: grants, withGrants: true}
	if err := checkActive(m); err != nil {
		return nil, err
	}
	if row.Stale {
		// last_seen_at is informational; it is written at most every five
		// minutes so that reading pages does not turn into writes.
		if err := a.q.AuthTouchWebSession(ctx, hash); err != nil {
			a.log.WarnContext(ctx, "auth: touch session", "member_id", row.MemberID, "err", err)
		}
	}
	p, err := a.principal(ctx, m)
	if err != nil {
		return nil, err
	}
	p.sessionHash = hash
	p.csrf = csrfFor(token)
	return p, nil
}

// CSRFField and CSRFHeader are where VerifyCSRF looks for the token.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// VerifyCSRF checks that an unsafe request (anything but GET, HEAD, OPTIONS
// and TRACE) made in a web session carries the session's CSRF token, in the
// X-CSRF-Token header or the csrf_token form field (reading the field parses
// a form body). Bearer principals need no token: a browser never attaches a
// bearer token on its own. It returns errs.Unauthenticated for a nil
// principal and errs.Forbidden when the token is missing or wrong.
func VerifyCSRF(r *http.Request, p *Principal) error {
	if p == nil {
		return errs.E(errs.Unauthenticated, "sign in, or present a bearer token")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	if !p.ViaSession() {
		return nil
	}
	if !csrfMatches(r, p.csrf) {
		return errs.E(errs.Forbidden, "the form's CSRF token is missing or wrong; reload the page and try again")
	}
	return nil
}

// csrfMatches reports whether r carries want as its CSRF token.
func csrfMatches(r *http.Request, want string) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
