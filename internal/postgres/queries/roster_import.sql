-- name: LockRosterImports :exec
-- Serialises roster imports, so two files cannot race on the same emails.
SELECT pg_advisory_xact_lock(7305812240114);

-- name: FindMembersForImport :many
-- Members an import's rows may match: by external id or by email.
SELECT * FROM members
WHERE email = ANY(sqlc.arg(emails)::text[])
   OR external_id = ANY(sqlc.arg(external_ids)::text[]);

-- name: CopyMembers :copyfrom
INSERT INTO members (id, chapter_id, given_name, family_name, email, phone, postal_address, joined_on, status, external_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: CopyStatusChanges :copyfrom
INSERT INTO member_status_history (member_id, status, effective_on, reason, recorded_by)
VALUES ($1, $2, $3, $4, $5);

-- name: UpdateMembersBatch :execrows
UPDATE members m
SET chapter_id = u.chapter_id,
    given_name = u.given_name,
    family_name = u.family_name,
    email = u.email,
    phone = u.phone,
    postal_address = u.postal_address,
    joined_on = u.joined_on,
    status = u.status,
    external_id = NULLIF(u.external_id, ''),
    updated_at = now()
FROM (
    SELECT unnest(sqlc.arg(ids)::uuid[]) AS id,
           unnest(sqlc.arg(chapter_ids)::uuid[]) AS chapter_id,
           unnest(sqlc.arg(given_names)::text[]) AS given_name,
           unnest(sqlc.arg(family_names)::text[]) AS family_name,
           unnest(sqlc.arg(emails)::text[]) AS email,
           unnest(sqlc.arg(phones)::text[]) AS phone,
           unnest(sqlc.arg(postal_addresses)::text[]) AS postal_address,
           unnest(sqlc.arg(joined_ons)::date[]) AS joined_on,
           unnest(sqlc.arg(statuses)::text[]) AS status,
           unnest(sqlc.arg(external_ids)::text[]) AS external_id
) AS u
WHERE m.id = u.id;

-- name: AnalyzeMembers :exec
ANALYZE members, member_status_history;
