ALTER TABLE dues_legacy_credits ADD CONSTRAINT dues_legacy_credits_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id),
    ADD CONSTRAINT dues_legacy_credits_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES members (id);
DROP TRIGGER chapters_never_deleted ON chapters;
DROP TRIGGER members_never_deleted ON members;
DROP FUNCTION refuse_delete();
