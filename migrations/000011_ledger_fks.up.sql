-- Webhook processing writes a payment and a ledger row per paid invoice.
-- A foreign key check share-locks the row it points at: every payment in a
-- chapter locked the same chapters row (with many workers, a new multixact
-- per payment), and every payment and ledger row its member's row, which
-- the standing recompute holds FOR NO KEY UPDATE at the same time (another
-- multixact). Measured, the four checks cost 15-20 % of webhook
-- throughput, up to 0.1 ms a check under load. These columns are written
-- only from rows read in the same statement (the customer's member, which
-- dues_customers keys, and that member's chapter); members and chapters are
-- never deleted (members are deactivated, chapters dissolved); and the
-- ledger's own key is Stripe's balance transaction. So the checks go.
ALTER TABLE dues_payments DROP CONSTRAINT dues_payments_member_id_fkey, DROP CONSTRAINT dues_payments_chapter_id_fkey;
ALTER TABLE dues_ledger DROP CONSTRAINT dues_ledger_member_id_fkey, DROP CONSTRAINT dues_ledger_chapter_id_fkey;

-- A member's standing facts read the refunds attributed to the member in
-- one lookup (not one per payment); refunds are few, so the index is small.
CREATE INDEX dues_ledger_refunds ON dues_ledger (member_id) WHERE kind = 'refund';

-- The standing queue churns (every payment upserts its member's row, every
-- recompute deletes it): vacuum it after a thousand dead rows, not after a
-- fifth of a table that is mostly empty.
ALTER TABLE dues_standing_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000);
