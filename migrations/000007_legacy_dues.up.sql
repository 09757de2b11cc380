-- Legacy dues facts and the standing recompute queue.

-- The paid-through date an organization brings from the system it used
-- before Chapterhouse, one per member (a roster import sets or changes it).
-- Standing treats it as dues paid from the day the member joined through
-- paid_through (plus the grace period), until Stripe payments take over.
CREATE TABLE dues_legacy_credits (
    member_id     uuid PRIMARY KEY REFERENCES members (id),
    paid_through  date NOT NULL,
    recorded_by   uuid REFERENCES members (id),
    recorded_at   timestamptz NOT NULL DEFAULT now()
);

-- Members whose standing must be recomputed because a fact changed (a
-- payment, refund, dispute or legacy credit). Whoever writes the fact adds
-- the member here in the same transaction; the dues workers take members
-- off in batches (FOR UPDATE SKIP LOCKED) and recompute them in the
-- transaction that deletes the rows, so a change of facts can never be
-- lost and many changes to one member cost one recompute.
-- No foreign key: a queue row is a hint (unknown ids are ignored), and a
-- 100,000-row import would pay a key check per row.
CREATE TABLE dues_standing_queue (
    member_id  uuid PRIMARY KEY,
    queued_at  timestamptz NOT NULL DEFAULT now()
);
