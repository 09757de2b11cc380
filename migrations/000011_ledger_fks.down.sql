ALTER TABLE dues_standing_queue RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
    autovacuum_analyze_scale_factor, autovacuum_analyze_threshold);
DROP INDEX dues_ledger_refunds;
ALTER TABLE dues_payments ADD CONSTRAINT dues_payments_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id),
    ADD CONSTRAINT dues_payments_chapter_id_fkey FOREIGN KEY (chapter_id) REFERENCES chapters (id);
ALTER TABLE dues_ledger ADD CONSTRAINT dues_ledger_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id),
    ADD CONSTRAINT dues_ledger_chapter_id_fkey FOREIGN KEY (chapter_id) REFERENCES chapters (id);
