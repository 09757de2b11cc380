package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// DefaultSessionTTL is the life of a web session when Config.SessionTTL is
// zero.
const DefaultSessionTTL = 12 * time.Hour

// loginTTL bounds the time between starting a login and its callback.
const loginTTL = 10 * time.Minute

// httpTimeout bounds every request to the OpenID Provider.
const httpTimeout = 10 * time.Second

// Config configures an Authenticator.
type Config struct {
	// Issuer is the OpenID Provider's issuer URL, exactly as its discovery
	// document states it. Required.
	Issuer string
	// ClientID and ClientSecret identify this service to the provider for
	// the web login (authorization code flow). ClientID is required.
	ClientID     string
	ClientSecret string
	// RedirectURL is the absolute URL of CallbackHandler, as registered with
	// the provider. Required.
	RedirectURL string
	// PostLogoutURL is where the browser lands after logout: sent to the
	// provider's end_session_endpoint as post_logout_redirect_uri when it has
	// one, else used directly. Empty means "/".
	PostLogoutURL string
	// SessionTTL is the fixed life of a web session; zero means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure and gives them the __Host- prefix.
	// Set it whenever the service is reached over HTTPS.
	SecureCookies bool
	// Audience is the audience a bearer access token must carry; empty means
	// ClientID.
	Audience string
}

// Authenticator authenticates requests (bearer tokens and web sessions) and
// runs the web login against one OpenID Provider. It keeps no state of its
// own: pending logins and sessions live in PostgreSQL, so any number of
// replicas can share them and they survive restarts. It is safe for
// concurrent use.
type Authenticator struct {
	cfg        Config
	q          *postgres.Queries
	log        *slog.Logger
	client     *http.Client
	provider   *oidc.Provider
	oauth      oauth2.Config
	idTokens   *oidc.IDTokenVerifier
	bearer     *oidc.IDTokenVerifier
	endSession string

	sessionCookie string
	loginCookie   string
}

// New discovers the provider at cfg.Issuer (fetching its
// /.well-known/openid-configuration with ctx) and returns an Authenticator
// that stores logins and sessions through pool. It returns an errs.Invalid
// error when a required Config field is missing or malformed, and a plain
// error when discovery fails.
func New(ctx context.Context, cfg Config, pool *pgxpool.Pool, logger *slog.Logger) (*Authenticator, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errs.Field("Issuer", "the OIDC issuer URL is required")
	case cfg.ClientID == "":
		return nil, errs.Field("ClientID", "the OIDC client id is required")
	case cfg.RedirectURL == "":
		return nil, errs.Field("RedirectURL", "the OIDC redirect URL is required")
	case pool == nil:
		return nil, errors.New("auth: nil database pool")
	}
	if cfg.SessionTTL < 0 {
		return nil, errs.Field("SessionTTL", "must not be negative")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Audience == "" {
		cfg.Audience = cfg.ClientID
	}
	if cfg.PostLogoutURL == "" {
		cfg.PostLogoutURL = "/"
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := &http.Client{Timeout: httpTimeout}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover OIDC provider %s: %w", cfg.Issuer, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&extra); err != nil {
		return nil, fmt.Errorf("auth: read discovery document of %s: %w", cfg.Issuer, err)
	}
	a := &Authenticator{
		cfg:      cfg,
		q:        postgres.New(pool),
		log:      logger,
		client:   client,
		provider: provider,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  cfg.RedirectURL,
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
		},
		idTokens:      provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		bearer:        provider.Verifier(&oidc.Config{ClientID: cfg.Audience}),
		endSession:    extra.EndSession,
		sessionCookie: "chapterhouse_session",
		loginCookie:   "chapterhouse_login",
	}
	if cfg.SecureCookies {
		// __Host- cookies are Secure, host-only and path "/": a sibling
		// subdomain cannot plant or shadow them.
		a.sessionCookie = "__Host-" + a.sessionCookie
		a.loginCookie = "__Host-" + a.loginCookie
	}
	return a, nil
}

// Issuer returns the issuer this Authenticator trusts.
func (a *Authenticator) Issuer() string { return a.cfg.Issuer }

// Authenticate returns the principal behind r. An Authorization header wins:
// it must be "Bearer <JWT access token>" from the configured issuer, signed
// with one of its keys, unexpired, with the configured audience. Without the
// header the session cookie is used. The errors:
//   - errs.Unauthenticated: no credentials, a malformed header, a token that
//     fails verification (the message says why in general terms and never
//     repeats the token), or a session that is unknown, ended or expired;
//   - errs.Forbidden: valid credentials whose person is not admitted: no
//     member has their verified email, the email is not verified, or the
//     member is inactive;
//   - any other error is internal (database or provider unreachable).
func (a *Authenticator) Authenticate(r *http.Request) (*Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return nil, errs.E(errs.Unauthenticated, `the Authorization header must be "Bearer <access token>"`)
		}
		return a.authenticateBearer(ctx, token)
	}
	if c, err := r.Cookie(a.sessionCookie); err == nil && c.Value != "" {
		return a.authenticateSession(ctx, c.Value)
	}
	return nil, errs.E(errs.Unauthenticated, "sign in, or present a bearer token")
}

// httpContext returns ctx carrying the HTTP client used for the provider.
func (a *Authenticator) httpContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, a.client)
}
