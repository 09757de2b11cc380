ALTER TABLE dues_events ALTER COLUMN payload SET STATISTICS -1;
DROP INDEX dues_events_due;
CREATE INDEX dues_events_state ON dues_events (state) WHERE state <> 'processed';
ALTER TABLE dues_events DROP COLUMN attempts, DROP COLUMN next_attempt_at, DROP COLUMN leased_until;
