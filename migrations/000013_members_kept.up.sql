-- Members are deactivated and chapters dissolved; neither is ever deleted:
-- the audit log, ballots, the ledger and the history of who held office
-- refer to them for good. Until now that was a rule of the code; these
-- triggers make it the database's, which is what lets the tables written
-- in bulk go without foreign keys to members (000011 for the ledger, below
-- for legacy dues credits) and still never point at a member who is gone.
CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted (deactivate a member, dissolve a chapter)', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER members_never_deleted BEFORE DELETE ON members FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER chapters_never_deleted BEFORE DELETE ON chapters FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- A roster import with a paid_through column writes one legacy credit per
-- member, mostly for members the same import has just created. Each foreign
-- key check share-locked its member's row, which for a row inserted in the
-- same transaction writes the row again (and WAL): measured, 1.3 s of a
-- 5.1 s import of 100,000 members, 90,000 of them with a credit. The import
-- writes these rows only with ids it has just read or created in the same
-- transaction, and members are never deleted (above). So the checks go.
ALTER TABLE dues_legacy_credits DROP CONSTRAINT dues_legacy_credits_member_id_fkey,
    DROP CONSTRAINT dues_legacy_credits_recorded_by_fkey;
