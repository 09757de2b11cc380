-- name: InsertRoleAssignment :one
INSERT INTO role_assignments (member_id, chapter_id, role, starts_on, ends_on)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: CountMembers :one
SELECT count(*) FROM members;

-- name: ListChapterRoles :many
-- A chapter's role assignments with the holders' names and status: those
-- in force on or after @today (current and scheduled) first, by role and
-- start, then, when @include_ended, those that ended by @today, latest
-- ended first.
SELECT r.id, r.member_id, r.chapter_id, r.role, r.starts_on, r.ends_on, r.created_at,
       m.given_name, m.family_name, m.status AS member_status
FROM role_assignments r
JOIN members m ON m.id = r.member_id
WHERE r.chapter_id = @chapter_id
  AND (@include_ended::boolean OR r.ends_on IS NULL OR r.ends_on > @today::date)
ORDER BY (r.ends_on IS NOT NULL AND r.ends_on <= @today::date), r.role, r.starts_on, r.ends_on DESC, r.id;

-- name: GetRoleAssignmentForUpdate :one
SELECT * FROM role_assignments WHERE id = $1 FOR UPDATE;

-- name: EndRoleAssignment :one
UPDATE role_assignments SET ends_on = @ends_on WHERE id = @id
RETURNING *;

-- name: DeleteRoleAssignment :exec
DELETE FROM role_assignments WHERE id = $1;

-- name: FirstDayWithoutNationalAdmin :one
-- The first day on or after @day on which no active member outside
-- @except_members holds a national admin term other than @except_id; no row
-- when such terms together cover every day from @day on. (An inactive
-- member cannot sign in, so their terms grant nothing.)
WITH covered AS (
    SELECT coalesce(range_agg(daterange(r.starts_on, r.ends_on)), '{}'::datemultirange) AS days
    FROM role_assignments r
    JOIN chapters c ON c.id = r.chapter_id AND c.kind = 'national'
    JOIN members m ON m.id = r.member_id AND m.status = 'active'
    WHERE r.role = 'admin' AND r.id <> @except_id AND r.member_id <> ALL(@except_members::uuid[])
)
SELECT lower(gap)::date AS first_day
FROM covered, unnest(datemultirange(daterange(@day::date, NULL)) - covered.days) AS gap
ORDER BY 1
LIMIT 1;

-- name: LockNationalAdmins :exec
-- Serializes changes to the national admins, so two admins ending their
-- roles at once cannot both find the other still covering every day.
SELECT pg_advisory_xact_lock(7305812240115);

-- name: EndChapterRoles :execrows
-- Ends on @day every term in the chapter still running then (a chapter
-- being dissolved).
UPDATE role_assignments SET ends_on = @day::date
WHERE chapter_id = @chapter_id AND starts_on < @day::date AND (ends_on IS NULL OR ends_on > @day::date);

-- name: DeleteChapterRolesFrom :execrows
-- Removes the chapter's terms that would begin on or after @day (a chapter
-- being dissolved then).
DELETE FROM role_assignments WHERE chapter_id = @chapter_id AND starts_on >= @day::date;

-- name: HoldsNationalAdminFrom :one
-- Whether any of the members holds a national admin term running on @day
-- or later.
SELECT EXISTS (
    SELECT 1 FROM role_assignments r
    JOIN chapters c ON c.id = r.chapter_id AND c.kind = 'national'
    WHERE r.member_id = ANY(@member_ids::uuid[]) AND r.role = 'admin' AND (r.ends_on IS NULL OR r.ends_on > @day::date)
) AS holds;
