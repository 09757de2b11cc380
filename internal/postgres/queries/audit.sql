-- name: LockAuditChain :exec
-- Serialises appends so that each entry's prev_hash is the head it saw.
SELECT pg_advisory_xact_lock(7305812240113);

-- name: AuditHead :one
SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- name: InsertAuditEntry :exec
INSERT INTO audit_log (seq, at, actor_id, action, entity, entity_id, chapter_id, data, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: ListAuditEntries :many
SELECT seq, at, actor_id, action, entity, entity_id, chapter_id, data::text AS data, prev_hash, hash
FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2;
