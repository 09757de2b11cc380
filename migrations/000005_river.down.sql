DROP TABLE IF EXISTS river_queue;
DROP TABLE IF EXISTS river_notification;
DROP TABLE IF EXISTS river_migration;
DROP TABLE IF EXISTS river_leader;
DROP TABLE IF EXISTS river_job;
DROP FUNCTION IF EXISTS river_job_state_in_bitmask(bit, river_job_state);
DROP TYPE IF EXISTS river_job_state;
