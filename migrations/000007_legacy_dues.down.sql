DROP TABLE IF EXISTS dues_standing_queue;
DROP TABLE IF EXISTS dues_legacy_credits;
