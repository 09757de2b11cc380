package devidp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func startTest(t *testing.T) *Provider {
	t.Helper()
	p, err := Start(t.Context(), Options{
		Users: []User{
			{Username: "ada", Password: "pw-ada", Email: "ada@example.org", Name: "Ada L"},
			{Username: "bob", Password: "pw-bob", Email: "bob@example.org", EmailUnverified: true},
		},
		Clients: []Client{
			{ID: "web", Secret: "s3cret", RedirectURIs: []string{"http://127.0.0.1:1/cb"}},
			{ID: "api", Secret: "other", RedirectURIs: []string{"http://127.0.0.1:1/cb"}, AccessTokenEmail: true},
			{ID: "public", RedirectURIs: []string{"http://127.0.0.1/cb"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestTokenForIssuesVerifiableJWT(t *testing.T) {
	p := startTest(t)
	ctx := t.Context()
	if !strings.HasPrefix(p.Issuer(), "http://127.0.0.1:") {
		t.Fatalf("issuer %q not on 127.0.0.1", p.Issuer())
	}
	prov, err := oidc.NewProvider(ctx, p.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user, client string
		wantEmail    bool
	}{
		{"ada", "web", false},
		{"ada", "api", true},
		{"bob", "public", false},
	} {
		raw, err := p.TokenFor(ctx, tc.user, tc.client)
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.user, tc.client, err)
		}
		tok, err := prov.Verifier(&oidc.Config{ClientID: tc.client}).Verify(ctx, raw)
		if err != nil {
			t.Fatalf("%s/%s: verify: %v", tc.user, tc.client, err)
		}
		var c struct {
			Email string `json:"email"`
		}
		if err := tok.Claims(&c); err != nil {
			t.Fatal(err)
		}
		if (c.Email != "") != tc.wantEmail {
			t.Errorf("%s/%s: email claim %q, want present=%v", tc.user, tc.client, c.Email, tc.wantEmail)
		}
		// The userinfo endpoint answers for the token.
		info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: raw}))
		if err != nil {
			t.Fatalf("%s/%s: userinfo: %v", tc.user, tc.client, err)
		}
		if info.Subject != tok.Subject || info.Email == "" || info.EmailVerified != (tc.user == "ada") {
			t.Errorf("%s/%s: userinfo = %+v", tc.user, tc.client, info)
		}
	}
}

func TestTokenForRefusesUnknowns(t *testing.T) {
	p := startTest(t)
	if _, err := p.TokenFor(t.Context(), "nobody", "web"); err == nil {
		t.Error("unknown user: no error")
	}
	if _, err := p.TokenFor(t.Context(), "ada", "nope"); err == nil {
		t.Error("unknown client: no error")
	}
}

func TestLoginFormRefusesWrongPassword(t *testing.T) {
	p := startTest(t)
	resp, err := http.PostForm(p.Issuer()+"/login", url.Values{"id": {"x"}, "username": {"ada"}, "password": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
}

func TestStartValidates(t *testing.T) {
	for name, o := range map[string]Options{
		"no password":    {Users: []User{{Username: "a"}}},
		"duplicate user": {Users: []User{{Username: "a", Password: "p"}, {Username: "a", Password: "q"}}},
		"client id":      {Clients: []Client{{Secret: "x"}}},
	} {
		if p, err := Start(context.Background(), o); err == nil {
			p.Close()
			t.Errorf("%s: no error", name)
		}
	}
}
