-- name: ListChapters :many
SELECT * FROM chapters
WHERE sqlc.arg(include_dissolved)::bool OR dissolved_on IS NULL
ORDER BY kind DESC, name, id;

-- name: GetChapter :one
SELECT * FROM chapters WHERE id = $1;

-- name: GetNationalChapter :one
SELECT * FROM chapters WHERE kind = 'national';

-- name: ListChapterSlugs :many
SELECT id, slug, dissolved_on FROM chapters;

-- name: CreateChapter :one
INSERT INTO chapters (parent_id, kind, slug, name, chartered_on)
VALUES (sqlc.narg(parent_id), sqlc.arg(kind), sqlc.arg(slug), sqlc.arg(name), sqlc.arg(chartered_on))
RETURNING *;

-- name: UpdateChapter :one
UPDATE chapters
SET slug = coalesce(sqlc.narg(slug), slug),
    name = coalesce(sqlc.narg(name), name),
    updated_at = now()
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: DissolveChapter :one
UPDATE chapters SET dissolved_on = sqlc.arg(dissolved_on), updated_at = now()
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: CountActiveMembers :one
SELECT count(*) FROM members WHERE chapter_id = $1 AND status = 'active';
