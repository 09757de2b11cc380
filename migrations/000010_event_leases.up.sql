-- Webhook events are processed by jobs that lease the events due (new ones,
-- and failed ones whose next attempt has come) instead of jobs that list
-- them: a lease keeps two workers, of any process, from applying an event
-- at once, and lapses if its worker dies. A failed event is tried again
-- with a growing delay, up to a limit (then next_attempt_at is null).
ALTER TABLE dues_events
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN leased_until    timestamptz;
UPDATE dues_events SET next_attempt_at = now() WHERE state = 'failed';
DROP INDEX dues_events_state;
CREATE INDEX dues_events_due ON dues_events (received_at) WHERE state IN ('pending', 'failed');
-- The payload is never filtered on: analyzing it (a sample of jsonb
-- documents) was most of the cost of analyzing the table.
ALTER TABLE dues_events ALTER COLUMN payload SET STATISTICS 0;
