package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// member is the part of a members row a principal needs.
type member struct {
	ID         uuid.UUID
	ChapterID  uuid.UUID
	GivenName  string
	FamilyName string
	Status     string
	// grants are the member's grants in force when the query that found
	// the member loaded them with it (withGrants set); otherwise principal
	// loads them.
	grants     []Grant
	withGrants bool
}

// grantsFrom zips the parallel grant arrays of a member query (role,
// chapter, national: one element per grant in force) into grants. The
// arrays come from one aggregate and have the same length; a mismatch is
// an internal error.
func grantsFrom(roles []string, chapters []uuid.UUID, nationals []bool) ([]Grant, error) {
	if len(chapters) != len(roles) || len(nationals) != len(roles) {
		return nil, fmt.Errorf("auth: grant arrays of different lengths (%d, %d, %d)", len(roles), len(chapters), len(nationals))
	}
	grants := make([]Grant, len(roles))
	for i, r := range roles {
		grants[i] = Grant{Role: Role(r), ChapterID: chapters[i], National: nationals[i]}
	}
	return grants, nil
}

// verifiedEmail returns the email address the provider vouches for, or an
// errs.Forbidden error when it has none or has not verified it.
type verifiedEmail func(ctx context.Context) (string, error)

// errNoMember and errUnverified are the refusals of a person the provider
// knows but Chapterhouse does not admit.
var (
	errNoMember = errs.E(errs.Forbidden,
		"no member of the organization has the email address you signed in with; ask your chapter's membership officer to check your record")
	errUnverified = errs.E(errs.Forbidden,
		"your identity provider has not verified your email address (or did not share it); verify it there and sign in again")
	errInactive = errs.E(errs.Forbidden, "your membership record is inactive")
)

// memberFor resolves (issuer, subject) to a member: through an existing
// member_identities link, else by linking the identity to the member whose
// email equals the verified email (first login). email is called only when
// no link exists. It returns errNoMember, errUnverified (from email),
// errInactive, or an internal error.
func (a *Authenticator) memberFor(ctx context.Context, issuer, subject string, email verifiedEmail) (member, error) {
	if subject == "" {
		return member{}, errs.E(errs.Unauthenticated, "the token names no subject")
	}
	m, err := a.memberByIdentity(ctx, issuer, subject)
	if err == nil {
		return m, checkActive(m)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return member{}, err
	}
	addr, err := email(ctx)
	if err != nil {
		return member{}, err
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return member{}, errUnverified
	}
	row, err := a.q.AuthMemberByEmail(ctx, addr)
	if errors.Is(err, pgx.ErrNoRows) {
		return member{}, errNoMember
	}
	if err != nil {
		return member{}, fmt.Errorf("auth: find member by email: %w", err)
	}
	n, err := a.q.AuthLinkIdentity(ctx, postgres.AuthLinkIdentityParams{Issuer: issuer, Subject: subject, MemberID: row.ID})
	if err != nil {
		return member{}, fmt.Errorf("auth: link identity: %w", err)
	}
	if n == 0 {
		// Another request linked this identity first; the link is the truth.
		m, err := a.memberByIdentity(ctx, issuer, subject)
		if err != nil {
			return member{}, err
		}
		return m, checkActive(m)
	}
	a.log.InfoContext(ctx, "linked OIDC identity to member by verified email", "member_id", row.ID, "issuer", issuer)
	m = member{ID: row.ID, ChapterID: row.ChapterID, GivenName: row.GivenName, FamilyName: row.FamilyName, Status: row.Status}
	return m, checkActive(m)
}

func (a *Authenticator) memberByIdentity(ctx context.Context, issuer, subject string) (member, error) {
	row, err := a.q.AuthMemberByIdentity(ctx, postgres.AuthMemberByIdentityParams{Issuer: issuer, Subject: subject})
	if errors.Is(err, pgx.ErrNoRows) {
		return member{}, err
	}
	if err != nil {
		return member{}, fmt.Errorf("auth: find member by identity: %w", err)
	}
	grants, err := grantsFrom(row.GrantRoles, row.GrantChapters, row.GrantNationals)
	if err != nil {
		return member{}, err
	}
	return member{ID: row.ID, ChapterID: row.ChapterID, GivenName: row.GivenName, FamilyName: row.FamilyName, Status: row.Status,
		grants: grants, withGrants: true}, nil
}

func checkActive(m member) error {
	if m.Status != "active" {
		return errInactive
	}
	return nil
}

// principal returns the principal of m with its grants in force: those
// loaded with m (withGrants: the bearer and session paths, one query in
// all), else loaded now (one query).
func (a *Authenticator) principal(ctx context.Context, m member) (*Principal, error) {
	grants := m.grants
	if !m.withGrants {
		rows, err := a.q.AuthGrantsInForce(ctx, m.ID)
		if err != nil {
			return nil, fmt.Errorf("auth: load grants: %w", err)
		}
		grants = make([]Grant, 0, len(rows))
		for _, r := range rows {
			grants = append(grants, Grant{Role: Role(r.Role), ChapterID: r.ChapterID, National: r.National})
		}
	}
	return &Principal{
		MemberID:    m.ID,
		ChapterID:   m.ChapterID,
		DisplayName: strings.TrimSpace(m.GivenName + " " + m.FamilyName),
		Grants:      grants,
	}, nil
}

// emailClaims are the standard email claims. email_verified is decoded
// leniently: some providers send it as the string "true".
type emailClaims struct {
	Subject       string      `json:"sub"`
	Email         string      `json:"email"`
	EmailVerified lenientBool `json:"email_verified"`
}

// lenientBool is a JSON boolean that also accepts "true" and "false" strings;
// anything else is false.
type lenientBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *lenientBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case bool:
		*b = lenientBool(t)
	case string:
		*b = lenientBool(strings.EqualFold(t, "true"))
	default:
		*b = false
	}
	return nil
}

// verified returns the email when it is present and verified, else
// errUnverified.
func (c emailClaims) verified() (string, error) {
	if c.Email == "" || !bool(c.EmailVerified) {
		return "", errUnverified
	}
	return c.Email, nil
}
