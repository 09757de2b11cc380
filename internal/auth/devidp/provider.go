// Package devidp is a small OpenID Provider for `chapterhouse dev` and for
// tests, built on zitadel/oidc's op package and started in-process on
// 127.0.0.1. It is not for production: users and passwords are given in
// plain text at start, everything lives in memory, and the RSA signing key is
// generated at start (tokens do not survive a restart, subjects do).
//
// It supports the authorization code flow with PKCE (S256) and client
// authentication by client_secret_basic or client_secret_post (or none, for a
// client registered without a secret, which must then use PKCE). Access
// tokens are RS256 JWTs whose audience is the client id. Its users' emails
// are verified unless a User says otherwise.
//
// Getting a bearer token from a script. The login form is plain HTML, so any
// HTTP client can drive the code flow (ISSUER, CLIENT, SECRET and a
// registered REDIRECT as configured):
//
//  1. GET ISSUER/authorize?client_id=CLIENT&redirect_uri=REDIRECT&response_type=code
//     &scope=openid+email+profile&state=S&code_challenge=C&code_challenge_method=S256
//     answers 302 to /login?authRequestID=ID;
//  2. POST ISSUER/login with the form fields id=ID, username and password
//     answers 302 to ISSUER/authorize/callback?id=ID, which answers 302 to
//     REDIRECT?code=CODE&state=S (do not follow it);
//  3. POST ISSUER/oauth/token with grant_type=authorization_code, code=CODE,
//     redirect_uri=REDIRECT, code_verifier=V and HTTP Basic CLIENT:SECRET
//     answers JSON whose access_token is the bearer token.
//
// Provider.TokenFor does exactly this over HTTP.
package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is an account of the provider.
type User struct {
	// Username and Password are what the login form asks for. Required.
	Username string
	Password string
	// Email is the user's address; Name their display name.
	Email string
	Name  string
	// EmailUnverified makes the provider say email_verified=false (for
	// tests); by default emails are verified.
	EmailUnverified bool
}

// Client is a registered OAuth client.
type Client struct {
	// ID is the client id. Required.
	ID string
	// Secret is the client secret; empty registers a public client, which
	// must use PKCE.
	Secret string
	// RedirectURIs are the allowed redirect URIs, compared exactly. TokenFor
	// uses the first one (it never contacts it).
	RedirectURIs []string
	// PostLogoutRedirectURIs are the allowed post_logout_redirect_uri values
	// of the end_session endpoint.
	PostLogoutRedirectURIs []string
	// AccessTokenEmail puts email and email_verified claims in this client's
	// access tokens; by default they carry none (the resource server asks
	// the userinfo endpoint).
	AccessTokenEmail bool
	// AccessTokenLifetime is the life of this client's access tokens; zero
	// means one hour.
	AccessTokenLifetime time.Duration
}

// Options configures Start.
type Options struct {
	// Addr is the listen address; "" or a port alone (":0") listens on
	// 127.0.0.1. The issuer is http://<host>:<port> of the listener.
	Addr    string
	Users   []User
	Clients []Client
}

// Provider is a running OpenID Provider.
type Provider struct {
	issuer  string
	op      *op.Provider
	storage *storage
	srv     *http.Server
	done    chan struct{}
	once    sync.Once
	err     error
}

// Start validates opts, generates a 2048-bit RSA signing key, and serves the
// provider until Close is called or ctx is done. It returns an error for an
// empty or duplicate username or client id, a user without a password, or
// an address it cannot listen on.
func Start(ctx context.Context, opts Options) (*Provider, error) {
	st := &storage{
		keyID:    uuid.NewString(),
		users:    map[string]*user{},
		subjects: map[string]*user{},
		clients:  map[string]client{},
		requests: map[string]*authRequest{},
		codes:    map[string]string{},
		tokens:   map[string]*token{},
	}
	for i, u := range opts.Users {
		switch {
		case u.Username == "" || u.Password == "":
			return nil, fmt.Errorf("devidp: user %d: username and password are required", i)
		case st.users[u.Username] != nil:
			return nil, fmt.Errorf("devidp: user %d: duplicate username %q", i, u.Username)
		}
		uu := &user{User: u, subject: uuid.NewSHA1(subjectNamespace, []byte(u.Username)).String()}
		st.users[u.Username] = uu
		st.subjects[uu.subject] = uu
	}
	for i, c := range opts.Clients {
		if c.ID == "" {
			return nil, fmt.Errorf("devidp: client %d: id is required", i)
		}
		if _, dup := st.clients[c.ID]; dup {
			return nil, fmt.Errorf("devidp: client %d: duplicate id %q", i, c.ID)
		}
		st.clients[c.ID] = client{c}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devidp: generate signing key: %w", err)
	}
	st.key = key

	addr := opts.Addr
	if addr == "" {
		addr = ":0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("devidp: address %q: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("devidp: listen: %w", err)
	}
	_, actualPort, _ := net.SplitHostPort(ln.Addr().String())
	issuer := "http://" + net.JoinHostPort(host, actualPort)

	var cryptoKey [32]byte
	_, _ = rand.Read(cryptoKey[:])
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                cryptoKey,
		CryptoKeyId:              uuid.NewString(),
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.English},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("devidp: create provider: %w", err)
	}

	p := &Provider{issuer: issuer, op: provider, storage: st, done: make(chan struct{})}
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.Handle(loginPath, interceptor.Handler(http.HandlerFunc(p.login)))
	mux.HandleFunc("/logged-out", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Signed out.\n"))
	})
	mux.Handle("/", provider)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.err = err
		}
		close(p.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			p.Close()
		case <-p.done:
		}
	}()
	return p, nil
}

// Issuer returns the issuer URL, e.g. http://127.0.0.1:41234.
func (p *Provider) Issuer() string { return p.issuer }

// Close stops the provider and waits for its server to stop. It is safe to
// call more than once and returns the server's error, if it failed.
func (p *Provider) Close() error {
	p.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(ctx)
	})
	<-p.done
	return p.err
}

var loginForm = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to the development provider</title></head>
<body><main>
<h1>Sign in</h1>
<p>Development identity provider. Not for production use.</p>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<p><label>Username <input name="username" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form>
</main></body></html>
`))

// login serves the login form (GET) and checks it (POST): on success it
// redirects to the provider's authorization callback; on failure it shows
// the form again with status 401.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		renderLogin(w, http.StatusOK, r.URL.Query().Get("authRequestID"), "")
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			renderLogin(w, http.StatusBadRequest, "", "The form could not be read.")
			return
		}
		id := r.PostForm.Get("id")
		if err := p.storage.checkLogin(id, strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")); err != nil {
			renderLogin(w, http.StatusUnauthorized, id, err.Error())
			return
		}
		http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func renderLogin(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = loginForm.Execute(w, struct{ ID, Error string }{id, msg})
}
