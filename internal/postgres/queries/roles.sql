-- name: InsertRoleAssignment :one
INSERT INTO role_assignments (member_id, chapter_id, role, starts_on, ends_on)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: CountMembers :one
SELECT count(*) FROM members;
