DROP INDEX role_assignments_chapter;
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_no_overlap;
-- btree_gist stays: another object may have come to depend on it.
