package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/chapterhouse/chapterhouse/internal/auth/devidp"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// bearerRequest is a request carrying raw as its bearer token.
func bearerRequest(raw string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.Header.Set("Authorization", "Bearer "+raw)
	return r
}

// jwtPart decodes part i (0 header, 1 payload) of a compact JWS.
func jwtPart(t *testing.T, raw string, i int, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// forge signs claims with a fresh RSA key under kid.
func forge(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBearerTokenAuthenticates(t *testing.T) {
	e := newEnv(t)
	a := e.auth.Load()
	raw, err := e.idp.TokenFor(t.Context(), "ada", "web")
	if err != nil {
		t.Fatal(err)
	}
	// The token carries no email: the first use links through userinfo.
	var claims map[string]any
	jwtPart(t, raw, 1, &claims)
	if _, ok := claims["email"]; ok {
		t.Fatalf("web client token carries an email claim; the userinfo path goes untested")
	}
	for i := range 2 {
		p, err := a.Authenticate(bearerRequest(raw))
		if err != nil {
			t.Fatalf("use %d: %v", i, err)
		}
		if p.MemberID != e.ada || p.ChapterID != e.north || p.ViaSession() || p.CSRFToken() != "" {
			t.Fatalf("use %d: principal %+v", i, p)
		}
		if !p.Can(RosterWrite, e.north) || p.Can(RosterWrite, e.south) {
			t.Errorf("use %d: ada's chair grant on north not loaded right: %+v", i, p.Grants)
		}
		if err := VerifyCSRF(httptest.NewRequest(http.MethodPost, "/x", nil), p); err != nil {
			t.Errorf("bearer principal needs CSRF: %v", err)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM member_identities WHERE member_id = $1`, e.ada); n != 1 {
		t.Errorf("identities = %d, want 1", n)
	}

	// A token carrying a verified email claim links by it (case-insensitively).
	api := e.withAudience(t, "api-email")
	raw, err = e.idp.TokenFor(t.Context(), "cat", "api-email")
	if err != nil {
		t.Fatal(err)
	}
	p, err := api.Authenticate(bearerRequest(raw))
	if err != nil {
		t.Fatal(err)
	}
	if p.MemberID != e.cat || len(p.Grants) != 0 {
		t.Errorf("cat's principal = %+v", p)
	}
}

func TestBearerTokenRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	a := e.auth.Load()
	good, err := e.idp.TokenFor(ctx, "ada", "web")
	if err != nil {
		t.Fatal(err)
	}
	var header struct {
		Kid string `json:"kid"`
	}
	jwtPart(t, good, 0, &header)
	var payload map[string]any
	jwtPart(t, good, 1, &payload)
	claims := func() map[string]any {
		return map[string]any{
			"iss": e.idp.Issuer(), "sub": payload["sub"], "aud": []string{"web"},
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		}
	}

	// Another provider, with another issuer and key.
	idp2, err := devidp.Start(ctx, devidp.Options{
		Users:   devUsers,
		Clients: []devidp.Client{{ID: "web", Secret: "web-secret", RedirectURIs: []string{"http://127.0.0.1/cb"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer idp2.Close()
	foreign, err := idp2.TokenFor(ctx, "ada", "web")
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := e.idp.TokenFor(ctx, "ada", "other")
	if err != nil {
		t.Fatal(err)
	}
	// A bare signature, so that a message quoting it would be caught.
	goodSig := good[strings.LastIndex(good, ".")+1:]

	for _, tc := range []struct {
		name, header, want string
	}{
		{"other issuer", "Bearer " + foreign, "another provider"},
		{"right issuer, other key, unknown kid", "Bearer " + forge(t, "nope", claims()), "signature"},
		{"right issuer, other key, provider's kid", "Bearer " + forge(t, header.Kid, claims()), "signature"},
		{"wrong audience", "Bearer " + wrongAud, "audience"},
		{"garbage", "Bearer garbage", "well-formed"},
		{"three garbage parts", "Bearer a.b.c", "well-formed"},
		{"stolen signature", "Bearer " + strings.Join(strings.Split(forge(t, header.Kid, claims()), ".")[:2], ".") + "." + goodSig, "signature"},
		{"empty bearer", "Bearer ", "Authorization header"},
		{"basic auth", "Basic YWRhOnB3", "Authorization header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/me", nil)
			r.Header.Set("Authorization", tc.header)
			p, err := a.Authenticate(r)
			if p != nil || errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("got %v, %v; want errs.Unauthenticated", p, err)
			}
			e := errs.As(err)
			if !strings.Contains(e.Msg, tc.want) {
				t.Errorf("message %q does not say %q", e.Msg, tc.want)
			}
			tok := strings.TrimSpace(strings.TrimPrefix(tc.header, "Bearer "))
			if len(tok) > 8 && (strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), goodSig)) {
				t.Errorf("error echoes the token: %v", err)
			}
		})
	}

	if _, err := a.Authenticate(httptest.NewRequest(http.MethodGet, "/me", nil)); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("no credentials: %v, want errs.Unauthenticated", err)
	}
	if n := e.count(t, `SELECT count(*) FROM member_identities`); n != 0 {
		t.Errorf("refused tokens linked %d identities", n)
	}
}

func TestBearerTokenExpires(t *testing.T) {
	e := newEnv(t)
	a := e.withAudience(t, "short")
	raw, err := e.idp.TokenFor(t.Context(), "ada", "short")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(bearerRequest(raw)); err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	jwtPart(t, raw, 1, &c)
	time.Sleep(time.Until(time.Unix(c.Exp, 0)) + 1100*time.Millisecond)
	_, err = a.Authenticate(bearerRequest(raw))
	if errs.KindOf(err) != errs.Unauthenticated || !strings.Contains(errs.As(err).Msg, "expired") {
		t.Fatalf("expired token: %v, want errs.Unauthenticated saying expired", err)
	}
}

func TestBearerTokenOfNonMembers(t *testing.T) {
	e := newEnv(t)
	a := e.auth.Load()
	for _, tc := range []struct{ user, want string }{
		{"eve", "no member"},
		{"bob", "not verified"},
	} {
		raw, err := e.idp.TokenFor(t.Context(), tc.user, "web")
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Authenticate(bearerRequest(raw))
		if errs.KindOf(err) != errs.Forbidden || !strings.Contains(errs.As(err).Msg, tc.want) {
			t.Errorf("%s: %v, want errs.Forbidden saying %q", tc.user, err, tc.want)
		}
	}
	// An inactive member is refused even with a linked identity.
	raw, err := e.idp.TokenFor(t.Context(), "ada", "web")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(bearerRequest(raw)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(t.Context(), `UPDATE members SET status = 'inactive' WHERE id = $1`, e.ada); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(bearerRequest(raw)); errs.KindOf(err) != errs.Forbidden {
		t.Errorf("inactive member: %v, want errs.Forbidden", err)
	}
}
