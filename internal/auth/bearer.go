package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// authenticateBearer verifies a JWT access token and resolves its member.
func (a *Authenticator) authenticateBearer(ctx context.Context, raw string) (*Principal, error) {
	iss, err := unverifiedIssuer(raw)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Unauthenticated, Msg: "the bearer token is not a well-formed JWT access token", Err: err}
	}
	// Checked before the signature so that tokens of other providers are
	// refused without a round trip to our provider's key set.
	if iss != a.cfg.Issuer {
		return nil, errs.E(errs.Unauthenticated, "the bearer token was issued by another provider")
	}
	tok, err := a.bearer.Verify(a.httpContext(ctx), raw)
	if err != nil {
		return nil, classifyVerifyError(err)
	}
	m, err := a.memberFor(ctx, tok.Issuer, tok.Subject, func(ctx context.Context) (string, error) {
		var c emailClaims
		if err := tok.Claims(&c); err != nil {
			return "", &errs.Error{Kind: errs.Unauthenticated, Msg: "the bearer token's claims are malformed", Err: err}
		}
		if c.Email == "" {
			// Most access tokens carry no email; the provider tells us
			// once, and the identity link answers from then on.
			if c, err = a.userinfo(ctx, raw, tok.Subject); err != nil {
				return "", err
			}
		}
		return c.verified()
	})
	if err != nil {
		return nil, err
	}
	return a.principal(ctx, m)
}

// unverifiedIssuer reads the iss claim of a compact JWS without verifying
// it. It is used only to refuse early, never to trust.
func unverifiedIssuer(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("want 3 dot-separated parts, got %d", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", fmt.Errorf("payload is not base64url: %w", err)
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", fmt.Errorf("payload is not a JSON object: %w", err)
	}
	return c.Issuer, nil
}

// classifyVerifyError turns a go-oidc verification error into a client-safe
// errs.Unauthenticated error (or an internal error when our provider's keys
// could not be fetched, which is not the client's fault).
func classifyVerifyError(err error) error {
	msg := err.Error()
	var expired *oidc.TokenExpiredError
	var safe string
	switch {
	case errors.As(err, &expired):
		safe = "the bearer token has expired"
	case strings.Contains(msg, "fetching keys"):
		return fmt.Errorf("auth: fetch the provider's signing keys: %w", err)
	case strings.Contains(msg, "signature"):
		safe = "the bearer token's signature does not match the provider's keys"
	case strings.Contains(msg, "audience"):
		safe = "the bearer token is meant for another service (wrong audience)"
	case strings.Contains(msg, "different provider"):
		safe = "the bearer token was issued by another provider"
	case strings.Contains(msg, "malformed"), strings.Contains(msg, "not signed"), strings.Contains(msg, "multiple signatures"):
		safe = "the bearer token is not a well-formed JWT access token"
	case strings.Contains(msg, "nbf"):
		safe = "the bearer token is not valid yet"
	default:
		safe = "the bearer token is not valid"
	}
	return &errs.Error{Kind: errs.Unauthenticated, Msg: safe, Err: err}
}

// slogLevel logs server faults as errors and refusals as information.
func slogLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
