-- Role assignments are granted and ended through the API (membership.GrantRole,
-- EndRole). A member holds a given role in a given chapter at most once at a
-- time: two assignments of the same role to the same member in the same
-- chapter may not overlap. The constraint, not a check in the service, keeps
-- this true under concurrent grants. btree_gist lets a GiST index compare the
-- uuid and text columns by equality next to the date range.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_no_overlap EXCLUDE USING gist (
    member_id WITH =, chapter_id WITH =, role WITH =, daterange(starts_on, ends_on) WITH &&);
-- A chapter's officers page lists its assignments.
CREATE INDEX role_assignments_chapter ON role_assignments (chapter_id, starts_on);
