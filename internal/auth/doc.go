// Package auth authenticates people and decides what they may do.
//
// Authentication. People sign in at an OpenID Provider (any OIDC provider;
// devidp in development and tests). Authenticator.Authenticate accepts two
// credentials:
//
//   - a bearer JWT access token (Authorization: Bearer ...), verified with
//     go-oidc against the provider's published keys: issuer, signature,
//     expiry and audience (Config.Audience, default the client id). Only JWT
//     access tokens are supported, not opaque ones;
//   - a web session cookie, set by CallbackHandler after the authorization
//     code flow with PKCE (S256) and a nonce. The cookie holds 32 random
//     bytes; web_sessions holds only their SHA-256, with a fixed expiry
//     (Config.SessionTTL), so sessions survive restarts and are shared by
//     replicas, and a database reader cannot present one.
//
// Either credential names an identity (issuer, subject). An identity is
// resolved to a member through member_identities; the first time, it is
// linked to the member whose email equals the email the provider vouches for
// (email_verified must be true). The web login requires a verified email at
// every sign-in; a bearer token needs one only for the first link (from the
// token's email claim, else the provider's userinfo endpoint). A person with
// no matching member, an unverified email, or an inactive member record is
// refused with errs.Forbidden; bad or missing credentials give
// errs.Unauthenticated. Tokens, cookies and email addresses are never logged
// or echoed in errors.
//
// Authorization. A Principal carries the member's role assignments in force
// (see Principal and Role.Grants): a grant applies to its chapter, a grant on
// the national body to every chapter, and ChaptersManage comes only from a
// national admin grant. Handlers ask Principal.Can for one chapter and
// Principal.Scope to filter lists.
//
// CSRF. Session principals carry a CSRF token derived from the session
// token (HMAC-SHA256 keyed with it), so it needs no server key and no extra
// column, is the same on every replica and after restarts, and cannot be
// computed from the database. Forms put it in the csrf_token field (or
// scripts in the X-CSRF-Token header) and handlers call VerifyCSRF. The
// session cookie is also SameSite=Lax. Bearer principals need no token.
//
// Login CSRF is prevented by binding the login's state to the browser that
// started it with a short-lived cookie; the state is stored hashed and used
// once. Expired pending logins and sessions are deleted when logins start
// and complete; there is no background sweeper.
package auth
