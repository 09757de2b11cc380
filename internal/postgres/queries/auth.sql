-- Queries of the auth package: OIDC logins in flight, identity links, web
-- sessions and the grants a member holds.

-- name: AuthCreateOIDCLogin :exec
INSERT INTO oidc_logins (state_hash, code_verifier, nonce, return_to, expires_at)
VALUES ($1, $2, $3, $4, $5);

-- name: AuthTakeOIDCLogin :one
-- Consumes a pending login: a state is good for one callback only.
DELETE FROM oidc_logins
WHERE state_hash = $1
RETURNING code_verifier, nonce, return_to, (expires_at > now())::boolean AS live;

-- name: AuthDeleteExpiredOIDCLogins :exec
DELETE FROM oidc_logins WHERE expires_at <= now();

-- name: AuthDeleteExpiredWebSessions :exec
DELETE FROM web_sessions WHERE expires_at <= now();

-- name: AuthMemberByIdentity :one
-- The member an identity is linked to, with their grants in force.
SELECT m.id, m.chapter_id, m.given_name, m.family_name, m.status,
       g.roles::text[] AS grant_roles, g.chapters::uuid[] AS grant_chapters, g.nationals::boolean[] AS grant_nationals
FROM member_identities i
JOIN members m ON m.id = i.member_id
CROSS JOIN LATERAL (
    -- The member's grants in force, as AuthGrantsInForce returns them
    -- (same filter, same order), folded into this row: one round trip.
    SELECT coalesce(array_agg(r.role ORDER BY r.chapter_id, r.role), '{}') AS roles,
           coalesce(array_agg(r.chapter_id ORDER BY r.chapter_id, r.role), '{}') AS chapters,
           coalesce(array_agg(c.kind = 'national' ORDER BY r.chapter_id, r.role), '{}') AS nationals
    FROM role_assignments r
    JOIN chapters c ON c.id = r.chapter_id
    WHERE r.member_id = m.id
      AND r.starts_on <= current_date
      AND (r.ends_on IS NULL OR current_date < r.ends_on)
) g
WHERE i.issuer = $1 AND i.subject = $2;

-- name: AuthMemberByEmail :one
SELECT id, chapter_id, given_name, family_name, status
FROM members
WHERE email = $1;

-- name: AuthLinkIdentity :execrows
INSERT INTO member_identities (issuer, subject, member_id)
VALUES ($1, $2, $3)
ON CONFLICT (issuer, subject) DO NOTHING;

-- name: AuthCreateWebSession :exec
INSERT INTO web_sessions (token_hash, member_id, expires_at)
VALUES ($1, $2, $3);

-- name: AuthWebSession :one
-- A live session's member, with their grants in force.
SELECT s.member_id, s.last_seen_at, (s.last_seen_at < now() - interval '5 minutes')::boolean AS stale,
       m.chapter_id, m.given_name, m.family_name, m.status,
       g.roles::text[] AS grant_roles, g.chapters::uuid[] AS grant_chapters, g.nationals::boolean[] AS grant_nationals
FROM web_sessions s
JOIN members m ON m.id = s.member_id
CROSS JOIN LATERAL (
    -- The member's grants in force, as AuthGrantsInForce returns them
    -- (same filter, same order), folded into this row: one round trip.
    SELECT coalesce(array_agg(r.role ORDER BY r.chapter_id, r.role), '{}') AS roles,
           coalesce(array_agg(r.chapter_id ORDER BY r.chapter_id, r.role), '{}') AS chapters,
           coalesce(array_agg(c.kind = 'national' ORDER BY r.chapter_id, r.role), '{}') AS nationals
    FROM role_assignments r
    JOIN chapters c ON c.id = r.chapter_id
    WHERE r.member_id = m.id
      AND r.starts_on <= current_date
      AND (r.ends_on IS NULL OR current_date < r.ends_on)
) g
WHERE s.token_hash = $1 AND s.expires_at > now();

-- name: AuthTouchWebSession :exec
UPDATE web_sessions SET last_seen_at = now() WHERE token_hash = $1;

-- name: AuthDeleteWebSession :exec
DELETE FROM web_sessions WHERE token_hash = $1;

-- name: AuthGrantsInForce :many
-- The member's role assignments in force today: current_date in
-- [starts_on, ends_on).
SELECT r.role, r.chapter_id, (c.kind = 'national')::boolean AS national
FROM role_assignments r
JOIN chapters c ON c.id = r.chapter_id
WHERE r.member_id = $1
  AND r.starts_on <= current_date
  AND (r.ends_on IS NULL OR current_date < r.ends_on)
ORDER BY r.chapter_id, r.role;
