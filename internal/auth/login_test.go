package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestWebLoginFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	// First login: the identity is linked by verified email.
	c1 := browser(t)
	resp, body := e.login(t, c1, "ada", "/me?tab=1")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/me" || resp.Request.URL.RawQuery != "tab=1" {
		t.Fatalf("first login landed on %s with %s: %s", resp.Request.URL, resp.Status, body)
	}
	status, me := e.getMe(t, c1)
	if status != http.StatusOK || me.MemberID != e.ada || !me.ViaSession || me.CSRF == "" || me.Name != "Ada Test" {
		t.Fatalf("after first login /me = %d %+v", status, me)
	}
	if n := e.count(t, `SELECT count(*) FROM member_identities WHERE member_id = $1 AND issuer = $2`, e.ada, e.idp.Issuer()); n != 1 {
		t.Fatalf("identities after first login = %d, want 1", n)
	}
	if n := e.count(t, `SELECT count(*) FROM web_sessions WHERE member_id = $1`, e.ada); n != 1 {
		t.Fatalf("sessions = %d, want 1", n)
	}
	// The session cookie is HttpOnly and SameSite=Lax; the database holds
	// only its hash.
	for _, sc := range resp.Request.Response.Cookies() {
		if sc.Name == "chapterhouse_session" && (!sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie flags: %+v", sc)
		}
	}

	// Second login: the link is used, not the email (which no longer
	// matches the member's).
	if _, err := e.pool.Exec(ctx, `UPDATE members SET email = 'ada.renamed@example.org' WHERE id = $1`, e.ada); err != nil {
		t.Fatal(err)
	}
	c2 := browser(t)
	resp, body = e.login(t, c2, "ada", "/me")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second login: %s: %s", resp.Status, body)
	}
	if status, me := e.getMe(t, c2); status != http.StatusOK || me.MemberID != e.ada {
		t.Fatalf("after second login /me = %d %+v", status, me)
	}
	if n := e.count(t, `SELECT count(*) FROM member_identities`); n != 1 {
		t.Fatalf("identities after second login = %d, want 1", n)
	}

	// Restart: a new Authenticator on the same database knows the session.
	e.restart(t)
	status, me = e.getMe(t, c1)
	if status != http.StatusOK || me.MemberID != e.ada {
		t.Fatalf("after restart /me = %d %+v", status, me)
	}

	// Logout needs the CSRF token.
	nf := noFollow(c1)
	resp, err := nf.PostForm(e.srv.URL+"/auth/logout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without CSRF token: %s, want 403", resp.Status)
	}
	resp, err = nf.PostForm(e.srv.URL+"/auth/logout", url.Values{CSRFField: {me.CSRF}})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), e.idp.Issuer()+"/end_session") ||
		loc.Query().Get("post_logout_redirect_uri") != e.srv.URL+"/bye" {
		t.Fatalf("logout answered %s to %v", resp.Status, loc)
	}
	// The provider's end_session sends the browser back to PostLogoutURL.
	resp, err = c1.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, resp); resp.Request.URL.String() != e.srv.URL+"/bye" || b != "bye" {
		t.Errorf("after end_session landed on %s: %q", resp.Request.URL, b)
	}
	if status, _ := e.getMe(t, c1); status != http.StatusUnauthorized {
		t.Errorf("after logout /me = %d, want 401", status)
	}
	if n := e.count(t, `SELECT count(*) FROM web_sessions WHERE member_id = $1`, e.ada); n != 1 {
		t.Errorf("sessions after logout = %d, want 1 (the other browser's)", n)
	}
	if status, me := e.getMe(t, c2); status != http.StatusOK || me.MemberID != e.ada {
		t.Errorf("the other browser's session ended too: %d %+v", status, me)
	}
}

func TestWebLoginRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		user, want string
	}{
		{"eve", "no member of the organization has the email address"},
		{"bob", "not verified your email"},
	} {
		c := browser(t)
		resp, body := e.login(t, c, tc.user, "/me")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %s %q, want 403 saying %q", tc.user, resp.Status, body, tc.want)
		}
		if status, _ := e.getMe(t, c); status != http.StatusUnauthorized {
			t.Errorf("%s: /me after refused login = %d, want 401", tc.user, status)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM member_identities`); n != 0 {
		t.Errorf("refused logins linked %d identities", n)
	}
	if n := e.count(t, `SELECT count(*) FROM web_sessions`); n != 0 {
		t.Errorf("refused logins created %d sessions", n)
	}
}

// TestCallbackBoundToBrowser: a callback URL is good only in the browser
// that started the login, and only once (no login CSRF, no replay).
func TestCallbackBoundToBrowser(t *testing.T) {
	e := newEnv(t)
	victim, attacker := browser(t), browser(t)
	formURL, id := e.startLogin(t, attacker, "/me")
	resp := postCredentials(t, noFollow(attacker), formURL, id, "ada", "pw-ada")
	readAll(t, resp)
	// Follow the provider's redirects by hand up to our callback.
	next, _ := resp.Location()
	for next != nil && !strings.HasPrefix(next.String(), e.srv.URL) {
		r, err := noFollow(attacker).Get(next.String())
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, r)
		next, _ = r.Location()
	}
	if next == nil || next.Path != "/auth/callback" {
		t.Fatalf("provider did not redirect to the callback: %v", next)
	}
	callback := next.String()

	r, err := noFollow(victim).Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback in another browser: %s, want 400", r.Status)
	}
	r, err = noFollow(attacker).Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback in the starting browser: %s, want 303", r.Status)
	}
	r, err = noFollow(attacker).Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback replayed: %s, want 400", r.Status)
	}
}

func TestLoginReturnPathStaysLocal(t *testing.T) {
	e := newEnv(t)
	resp, body := e.login(t, browser(t), "ada", "//evil.example/steal")
	if resp.Request.URL.Host != strings.TrimPrefix(e.srv.URL, "http://") || resp.Request.URL.Path != "/" || body != "home" {
		t.Fatalf("landed on %s (%q), want our /", resp.Request.URL, body)
	}
}

func TestSafeReturnPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/members?chapter=x#top":        "/members?chapter=x#top",
		"/a/b":                          "/a/b",
		"//evil.example":                "/",
		"/\\evil.example":               "/",
		"\\\\evil.example":              "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"members":                       "/",
		"/\t/evil.example":              "/",
		"/\n/evil.example":              "/",
		"/%2F/evil.example":             "/", // harmless for browsers, but refused: decoded, the path starts with "//"
		"/" + strings.Repeat("a", 2000): "/",
	} {
		if got := SafeReturnPath(in); got != want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", in, got, want)
		}
	}
}
