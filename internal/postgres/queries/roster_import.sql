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

-- name: ImportLegacyCredits :many
-- The legacy paid-through dates stored for the members an import matched.
SELECT member_id, paid_through FROM dues_legacy_credits WHERE member_id = ANY(sqlc.arg(member_ids)::uuid[]);

-- name: ImportUpsertLegacyCredits :execrows
-- Sets members' legacy paid-through dates (dues facts brought from the
-- previous system) and queues their standing for recompute, in one
-- statement.
WITH up AS (
    INSERT INTO dues_legacy_credits AS c (member_id, paid_through, recorded_by)
    SELECT u.member_id, u.paid_through, sqlc.narg(recorded_by)::uuid
    FROM (SELECT unnest(sqlc.arg(member_ids)::uuid[]) AS member_id,
                 unnest(sqlc.arg(paid_throughs)::date[]) AS paid_through) AS u
    ON CONFLICT (member_id) DO UPDATE SET paid_through = excluded.paid_through,
        recorded_by = excluded.recorded_by, recorded_at = now()
    WHERE c.paid_through <> excluded.paid_through
    RETURNING c.member_id
)
INSERT INTO dues_standing_queue (member_id) SELECT member_id FROM up
ON CONFLICT (member_id) DO UPDATE SET queued_at = excluded.queued_at;

-- name: QueueStandingRecompute :exec
-- Queues members' dues standing for recompute (a fact standing depends on,
-- such as status or join date, changed); the dues workers pick them up. A
-- queued member's row is updated, not skipped: the row lock makes a worker
-- that is taking it off wait for this transaction's facts.
INSERT INTO dues_standing_queue (member_id) SELECT unnest(sqlc.arg(member_ids)::uuid[])
ON CONFLICT (member_id) DO UPDATE SET queued_at = excluded.queued_at;

-- name: CleanRosterSearchPendingList :exec
-- Merges the roster search index's pending list, filled by a large import,
-- where the connected role may (see migration 000009).
SELECT roster_search_merge_pending();

-- name: CopyLegacyCredits :copyfrom
-- Legacy paid-through dates of members the import creates (none can exist
-- yet, so COPY rather than the upsert).
INSERT INTO dues_legacy_credits (member_id, paid_through, recorded_by) VALUES ($1, $2, $3);

-- name: CopyStandingQueue :copyfrom
-- Queues newly created members' standing for recompute.
INSERT INTO dues_standing_queue (member_id) VALUES ($1);
