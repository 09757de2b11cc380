-- Dues: plans, Stripe events, payments, ledger, standing, payouts, reports.

-- name: DuesInsertPlan :one
INSERT INTO dues_plans (name, billing_interval, currency, min_amount, max_amount, income_bp, low_income)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: DuesListPlans :many
SELECT * FROM dues_plans WHERE active OR sqlc.arg(include_inactive)::bool ORDER BY low_income, billing_interval, name;

-- name: DuesGetPlan :one
SELECT * FROM dues_plans WHERE id = $1;

-- name: DuesInsertEvent :execrows
INSERT INTO dues_events (event_id, type, api_version, created, livemode, payload)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (event_id) DO NOTHING;

-- name: DuesGetEvent :one
SELECT * FROM dues_events WHERE event_id = $1;

-- name: DuesMarkEvent :exec
UPDATE dues_events SET state = $2, error = $3, processed_at = now() WHERE event_id = $1;

-- name: DuesListEventIDs :many
SELECT event_id FROM dues_events ORDER BY received_at, event_id;

-- name: DuesGetCustomerByMember :one
SELECT * FROM dues_customers WHERE member_id = $1;

-- name: DuesGetCustomer :one
SELECT * FROM dues_customers WHERE customer_id = $1;

-- name: DuesInsertCustomer :exec
INSERT INTO dues_customers (customer_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: DuesUpsertSubscription :exec
-- A row changes only for an event at least as new (by Stripe's created
-- time) as the one it came from; among events of the same second the later
-- status in the lifecycle wins; 'canceled' is final.
INSERT INTO dues_subscriptions AS s (subscription_id, customer_id, member_id, status, billing_interval, amount,
    currency, current_period_end, cancel_at_period_end, event_created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (subscription_id) DO UPDATE SET
    member_id = coalesce(excluded.member_id, s.member_id), status = excluded.status,
    billing_interval = excluded.billing_interval, amount = excluded.amount, currency = excluded.currency,
    current_period_end = excluded.current_period_end, cancel_at_period_end = excluded.cancel_at_period_end,
    event_created = excluded.event_created, updated_at = now()
WHERE s.status <> 'canceled' AND (
    excluded.event_created > s.event_created OR (excluded.event_created = s.event_created AND
        (coalesce(array_position(ARRAY['incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete_expired', 'canceled'], excluded.status), 0),
         coalesce(excluded.current_period_end, '-infinity'))
      > (coalesce(array_position(ARRAY['incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete_expired', 'canceled'], s.status), 0),
         coalesce(s.current_period_end, '-infinity'))));

-- name: DuesListMemberSubscriptions :many
SELECT * FROM dues_subscriptions WHERE member_id = $1 ORDER BY event_created DESC, subscription_id;

-- name: DuesInsertPayment :execrows
INSERT INTO dues_payments (invoice_id, member_id, chapter_id, charge_id, subscription_id, amount, currency, paid_at,
    period_start, period_end)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (invoice_id) DO NOTHING;

-- name: DuesMemberPayments :many
SELECT * FROM dues_payments WHERE member_id = $1 ORDER BY paid_at, invoice_id;

-- name: DuesPaymentByCharge :one
SELECT * FROM dues_payments WHERE charge_id = $1;

-- name: DuesUpsertDispute :exec
-- Ordered like subscriptions: a newer event wins, a closed dispute is final.
INSERT INTO dues_disputes AS d (dispute_id, charge_id, amount, currency, status, created, closed_at, event_created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (dispute_id) DO UPDATE SET
    status = excluded.status, closed_at = excluded.closed_at, event_created = excluded.event_created
WHERE d.status NOT IN ('won', 'lost') AND (excluded.event_created > d.event_created OR
    (excluded.event_created = d.event_created AND excluded.status IN ('won', 'lost')));

-- name: DuesMemberDisputes :many
SELECT d.* FROM dues_disputes d JOIN dues_payments p ON p.charge_id = d.charge_id
WHERE p.member_id = $1 ORDER BY d.created, d.dispute_id;

-- name: DuesInsertLedger :execrows
INSERT INTO dues_ledger (balance_transaction_id, kind, source_id, charge_id, invoice_id, member_id, chapter_id,
    amount, fee, net, currency, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (balance_transaction_id) DO NOTHING;

-- name: DuesAttributeChargeLedger :exec
-- Once a charge's payment is known, rows of that charge that arrived
-- earlier without an attribution (a refund before its payment) take the
-- payment's.
UPDATE dues_ledger SET member_id = sqlc.arg(member_id), chapter_id = sqlc.arg(chapter_id), invoice_id = sqlc.arg(invoice_id)
WHERE charge_id = sqlc.arg(charge_id) AND (chapter_id IS DISTINCT FROM sqlc.arg(chapter_id) OR invoice_id IS NULL);

-- name: DuesChargeRefunds :many
SELECT balance_transaction_id, source_id, (-amount)::bigint AS refunded, occurred_at FROM dues_ledger
WHERE charge_id = $1 AND kind = 'refund' ORDER BY occurred_at, source_id;

-- name: DuesMemberRefunds :many
SELECT l.charge_id, (-l.amount)::bigint AS refunded, l.occurred_at, l.source_id FROM dues_ledger l
JOIN dues_payments p ON p.charge_id = l.charge_id
WHERE p.member_id = $1 AND l.kind = 'refund' ORDER BY l.occurred_at, l.source_id;

-- name: DuesLedgerAll :many
SELECT * FROM dues_ledger ORDER BY balance_transaction_id;

-- name: DuesLockMember :one
SELECT id, chapter_id, joined_on, status FROM members WHERE id = $1 FOR NO KEY UPDATE;

-- name: DuesMemberChapter :one
SELECT chapter_id FROM members WHERE id = $1;

-- name: DuesInsertWaiver :one
INSERT INTO dues_waivers (member_id, starts_on, expires_on, reason, granted_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: DuesGetWaiver :one
SELECT * FROM dues_waivers WHERE id = $1;

-- name: DuesRevokeWaiver :one
UPDATE dues_waivers SET revoked_on = $2, revoked_by = $3 WHERE id = $1 AND revoked_on IS NULL RETURNING *;

-- name: DuesMemberWaivers :many
SELECT * FROM dues_waivers WHERE member_id = $1 ORDER BY starts_on, id;

-- name: DuesStandingInForce :many
SELECT * FROM member_standing_history WHERE member_id = $1 AND superseded_at IS NULL ORDER BY effective_on;

-- name: DuesStandingHistoryAll :many
SELECT * FROM member_standing_history WHERE member_id = $1 ORDER BY id;

-- name: DuesSupersedeStanding :exec
UPDATE member_standing_history SET superseded_at = now()
WHERE member_id = $1 AND effective_on >= $2 AND superseded_at IS NULL;

-- name: DuesInsertStanding :exec
INSERT INTO member_standing_history (member_id, standing, effective_on, reason) VALUES ($1, $2, $3, $4);

-- name: DuesStandingOn :one
-- The standing of a member on a date: 'good' or 'lapsed'.
SELECT member_standing_on(sqlc.arg(member_id), sqlc.arg(on_date))::text AS standing;

-- name: DuesChapterStandingOn :many
SELECT m.id, m.given_name, m.family_name, member_standing_on(m.id, sqlc.arg(on_date))::text AS standing
FROM members m WHERE m.chapter_id = sqlc.arg(chapter_id) ORDER BY m.family_name, m.given_name, m.id;

-- name: DuesStandingSweepCandidates :many
-- Members whose recorded standing today may differ from the policy's:
-- those with no standing recorded yet, and those whose recorded standing
-- disagrees with a SQL estimate of today's (the service then recomputes
-- them exactly; a false candidate costs one no-op recompute).
WITH est AS (
    SELECT m.id,
        m.status = 'active' AND (
            EXISTS (SELECT 1 FROM dues_payments p
                    WHERE p.member_id = m.id AND p.paid_at::date <= sqlc.arg(today)::date
                      AND p.period_end + sqlc.arg(grace_days)::int >= sqlc.arg(today)::date
                      AND coalesce((SELECT sum(-l.amount) FROM dues_ledger l WHERE l.charge_id = p.charge_id AND l.kind = 'refund'), 0) < p.amount
                      AND NOT EXISTS (SELECT 1 FROM dues_disputes d WHERE d.charge_id = p.charge_id AND d.status <> 'won'))
            OR EXISTS (SELECT 1 FROM dues_waivers w
                       WHERE w.member_id = m.id AND w.starts_on <= sqlc.arg(today)::date AND w.expires_on > sqlc.arg(today)::date
                         AND (w.revoked_on IS NULL OR w.revoked_on > sqlc.arg(today)::date))) AS good
    FROM members m
)
SELECT est.id FROM est
WHERE member_standing_on(est.id, sqlc.arg(today)::date) <> CASE WHEN est.good THEN 'good' ELSE 'lapsed' END
   OR NOT EXISTS (SELECT 1 FROM member_standing_history h WHERE h.member_id = est.id AND h.superseded_at IS NULL)
ORDER BY est.id;

-- name: DuesUpsertPayout :exec
INSERT INTO dues_payouts AS p (payout_id, amount, currency, status, arrival_date, created)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (payout_id) DO UPDATE SET status = CASE
    WHEN p.status IN ('paid', 'failed', 'canceled') THEN p.status ELSE excluded.status END,
    amount = excluded.amount, arrival_date = excluded.arrival_date;

-- name: DuesDeletePayoutItems :exec
DELETE FROM dues_payout_items WHERE payout_id = $1;

-- name: DuesInsertPayoutItem :exec
INSERT INTO dues_payout_items (payout_id, balance_transaction_id, type, source_id, amount, fee, net, currency, created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT DO NOTHING;

-- name: DuesSetPayoutReconciled :exec
UPDATE dues_payouts SET reconciled_at = now(), items_net = $2, difference = $3 WHERE payout_id = $1;

-- name: DuesGetPayout :one
SELECT * FROM dues_payouts WHERE payout_id = $1;

-- name: DuesListPayouts :many
SELECT p.*, d.id AS deposit_id, d.deposited_on, d.amount AS deposit_amount
FROM dues_payouts p LEFT JOIN dues_deposits d ON d.payout_id = p.payout_id
WHERE p.arrival_date >= sqlc.arg(from_date) AND p.arrival_date < sqlc.arg(to_date)
ORDER BY p.arrival_date, p.payout_id;

-- name: DuesListPayoutItems :many
SELECT * FROM dues_payout_items WHERE payout_id = $1 ORDER BY created, balance_transaction_id;

-- name: DuesInsertDeposit :one
INSERT INTO dues_deposits (deposited_on, amount, currency, reference, entered_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (deposited_on, amount, currency, reference) DO UPDATE SET reference = excluded.reference
RETURNING *;

-- name: DuesListDeposits :many
SELECT * FROM dues_deposits ORDER BY deposited_on, id;

-- name: DuesUnmatchedDeposits :many
SELECT * FROM dues_deposits WHERE payout_id IS NULL ORDER BY deposited_on, id;

-- name: DuesUnmatchedPayouts :many
SELECT p.* FROM dues_payouts p
WHERE p.status = 'paid' AND NOT EXISTS (SELECT 1 FROM dues_deposits d WHERE d.payout_id = p.payout_id)
ORDER BY p.arrival_date, p.payout_id;

-- name: DuesMatchDeposit :exec
UPDATE dues_deposits SET payout_id = $2 WHERE id = $1 AND payout_id IS NULL;

-- name: DuesIncomeByMonth :many
-- Dues income per chapter per calendar month (UTC) of the ledger rows in
-- [from, to); chapters limited to all or the given list.
SELECT l.chapter_id, date_trunc('month', l.occurred_at AT TIME ZONE 'UTC')::date AS month, l.currency,
    coalesce(sum(l.amount) FILTER (WHERE l.kind = 'payment'), 0)::bigint AS gross,
    coalesce(sum(l.amount) FILTER (WHERE l.kind = 'refund'), 0)::bigint AS refunds,
    coalesce(sum(l.amount) FILTER (WHERE l.kind IN ('dispute', 'dispute_reversal')), 0)::bigint AS disputes,
    coalesce(sum(l.fee), 0)::bigint AS fees,
    coalesce(sum(l.net), 0)::bigint AS net,
    count(DISTINCT l.member_id) FILTER (WHERE l.kind = 'payment') AS payers
FROM dues_ledger l
WHERE l.occurred_at >= sqlc.arg(from_time) AND l.occurred_at < sqlc.arg(to_time) AND l.chapter_id IS NOT NULL
  AND (sqlc.arg(all_chapters)::bool OR l.chapter_id = ANY(sqlc.arg(chapter_ids)::uuid[]))
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- name: DuesShareInputs :many
-- Per chapter, for ledger rows in [from, to): payments, refunds and
-- disputes (signed, reversals included), and the number of members whose
-- net dues to the chapter in the period are positive.
WITH per_member AS (
    SELECT l.chapter_id, l.member_id, l.currency,
        coalesce(sum(l.amount) FILTER (WHERE l.kind = 'payment'), 0) AS gross,
        coalesce(sum(l.amount) FILTER (WHERE l.kind = 'refund'), 0) AS refunds,
        coalesce(sum(l.amount) FILTER (WHERE l.kind IN ('dispute', 'dispute_reversal')), 0) AS disputes
    FROM dues_ledger l
    WHERE l.occurred_at >= sqlc.arg(from_time) AND l.occurred_at < sqlc.arg(to_time) AND l.chapter_id IS NOT NULL
      AND (sqlc.arg(all_chapters)::bool OR l.chapter_id = ANY(sqlc.arg(chapter_ids)::uuid[]))
      AND l.kind IN ('payment', 'refund', 'dispute', 'dispute_reversal')
    GROUP BY 1, 2, 3
)
SELECT pm.chapter_id, c.slug, c.name, pm.currency,
    sum(pm.gross)::bigint AS gross, sum(pm.refunds)::bigint AS refunds, sum(pm.disputes)::bigint AS disputes,
    count(*) FILTER (WHERE pm.gross + pm.refunds + pm.disputes > 0) AS members
FROM per_member pm JOIN chapters c ON c.id = pm.chapter_id
GROUP BY 1, 2, 3, 4
ORDER BY c.slug, pm.currency;

-- name: DuesRefundsDisputes :many
SELECT l.*, c.slug AS chapter_slug FROM dues_ledger l LEFT JOIN chapters c ON c.id = l.chapter_id
WHERE l.kind IN ('refund', 'dispute', 'dispute_reversal')
  AND l.occurred_at >= sqlc.arg(from_time) AND l.occurred_at < sqlc.arg(to_time)
  AND (sqlc.arg(all_chapters)::bool OR l.chapter_id = ANY(sqlc.arg(chapter_ids)::uuid[]))
ORDER BY l.occurred_at, l.balance_transaction_id;

-- name: DuesLapseReport :many
-- Members in the chapters asked for with their standing today, the date it
-- took effect, and the end of their current coverage (latest paid period
-- plus grace, or waiver expiry): lapsed members, and members in good
-- standing whose coverage ends before sqlc.arg(horizon).
WITH cov AS (
    SELECT m.id, m.chapter_id, m.given_name, m.family_name,
        (SELECT h.standing FROM member_standing_history h WHERE h.member_id = m.id AND h.superseded_at IS NULL
           AND h.effective_on <= sqlc.arg(today)::date ORDER BY h.effective_on DESC LIMIT 1) AS standing,
        (SELECT h.effective_on FROM member_standing_history h WHERE h.member_id = m.id AND h.superseded_at IS NULL
           AND h.effective_on <= sqlc.arg(today)::date ORDER BY h.effective_on DESC LIMIT 1) AS since,
        greatest(
          (SELECT max(p.period_end) + sqlc.arg(grace_days)::int FROM dues_payments p WHERE p.member_id = m.id),
          (SELECT max(w.expires_on) - 1 FROM dues_waivers w WHERE w.member_id = m.id AND w.revoked_on IS NULL))::date AS covered_through
    FROM members m
    WHERE m.status = 'active' AND (sqlc.arg(all_chapters)::bool OR m.chapter_id = ANY(sqlc.arg(chapter_ids)::uuid[]))
)
SELECT cov.id, cov.chapter_id, cov.given_name, cov.family_name, coalesce(cov.standing, 'lapsed')::text AS standing,
    coalesce(cov.since, '1970-01-01')::date AS since, coalesce(cov.covered_through, cov.since, '1970-01-01')::date AS covered_through
FROM cov
WHERE (coalesce(cov.standing, 'lapsed') = 'lapsed' AND cov.since IS NOT NULL)
   OR (cov.standing = 'good' AND cov.covered_through < sqlc.arg(horizon)::date)
ORDER BY cov.chapter_id, coalesce(cov.standing, 'lapsed'), cov.covered_through, cov.family_name, cov.id;

-- name: DuesQueueStanding :exec
-- Queues members for a standing recompute, in the transaction that changed
-- their facts. An already queued member's row is updated, not skipped: its
-- row lock makes a worker taking it off the queue wait for this
-- transaction, so the recompute cannot miss the new facts.
INSERT INTO dues_standing_queue (member_id) SELECT unnest(sqlc.arg(member_ids)::uuid[])
ON CONFLICT (member_id) DO UPDATE SET queued_at = excluded.queued_at;

-- name: DuesClaimStandingQueue :many
-- Takes up to lim members off the standing queue (rows another transaction
-- holds are skipped); the caller recomputes them in the same transaction.
DELETE FROM dues_standing_queue WHERE member_id IN (
    SELECT q.member_id FROM dues_standing_queue q ORDER BY q.queued_at LIMIT sqlc.arg(lim) FOR UPDATE SKIP LOCKED)
RETURNING member_id;

-- name: DuesStandingQueueLength :one
SELECT count(*)::bigint FROM dues_standing_queue;

-- name: DuesStandingFacts :many
-- Everything the standing policy reads for a set of members, one row per
-- member, in one round trip; the members are locked (those another
-- transaction holds are skipped: the caller queues them again).
SELECT m.id, m.joined_on, m.status,
    coalesce((SELECT jsonb_agg(jsonb_build_object('s', h.status, 'on', h.effective_on) ORDER BY h.effective_on, h.id)
              FROM member_status_history h WHERE h.member_id = m.id), '[]')::jsonb AS statuses,
    coalesce((SELECT jsonb_agg(jsonb_build_object('inv', p.invoice_id, 'amt', p.amount, 'paid', p.paid_at,
                  'end', p.period_end,
                  'refunds', coalesce((SELECT jsonb_agg(jsonb_build_object('amt', -l.amount, 'at', l.occurred_at)
                                          ORDER BY l.occurred_at, l.source_id)
                                       FROM dues_ledger l WHERE l.charge_id = p.charge_id AND l.kind = 'refund'), '[]'),
                  'disputes', coalesce((SELECT jsonb_agg(jsonb_build_object('created', d.created, 'status', d.status,
                                          'closed', d.closed_at) ORDER BY d.created, d.dispute_id)
                                        FROM dues_disputes d WHERE d.charge_id = p.charge_id), '[]'))
                  ORDER BY p.paid_at, p.invoice_id)
              FROM dues_payments p WHERE p.member_id = m.id), '[]')::jsonb AS payments,
    coalesce((SELECT jsonb_agg(jsonb_build_object('start', w.starts_on, 'exp', w.expires_on, 'rev', w.revoked_on)
                  ORDER BY w.starts_on, w.id)
              FROM dues_waivers w WHERE w.member_id = m.id), '[]')::jsonb AS waivers,
    coalesce((SELECT c.paid_through FROM dues_legacy_credits c WHERE c.member_id = m.id), '0001-01-01')::date AS legacy_paid_through,
    coalesce((SELECT jsonb_agg(jsonb_build_object('s', h.standing, 'on', h.effective_on, 'r', h.reason) ORDER BY h.effective_on)
              FROM member_standing_history h WHERE h.member_id = m.id AND h.superseded_at IS NULL), '[]')::jsonb AS in_force
FROM members m WHERE m.id = ANY(sqlc.arg(member_ids)::uuid[])
ORDER BY m.id
FOR NO KEY UPDATE OF m SKIP LOCKED;

-- name: DuesSupersedeStandingMany :exec
-- Supersedes, for each member listed, the rows in force from its date on.
UPDATE member_standing_history h SET superseded_at = now()
FROM (SELECT unnest(sqlc.arg(member_ids)::uuid[]) AS member_id, unnest(sqlc.arg(froms)::date[]) AS from_date) u
WHERE h.member_id = u.member_id AND h.effective_on >= u.from_date AND h.superseded_at IS NULL;

-- name: DuesInsertStandingMany :exec
INSERT INTO member_standing_history (member_id, standing, effective_on, reason)
SELECT unnest(sqlc.arg(member_ids)::uuid[]), unnest(sqlc.arg(standings)::text[]), unnest(sqlc.arg(effective_ons)::date[]),
    unnest(sqlc.arg(reasons)::text[]);


-- name: DuesExistingMembers :many
SELECT id FROM members WHERE id = ANY(sqlc.arg(member_ids)::uuid[]);

-- name: DuesCustomerMember :one
-- The member a Stripe customer belongs to and their current chapter.
SELECT c.member_id, m.chapter_id FROM dues_customers c JOIN members m ON m.id = c.member_id
WHERE c.customer_id = $1;

-- name: DuesInsertEvents :many
-- Stores a batch of verified events (the webhook group commit); events
-- already stored, and repeats within the batch, are skipped. It returns the
-- ids it stored.
INSERT INTO dues_events (event_id, type, api_version, created, livemode, payload)
SELECT unnest(sqlc.arg(event_ids)::text[]), unnest(sqlc.arg(types)::text[]), unnest(sqlc.arg(api_versions)::text[]),
    unnest(sqlc.arg(createds)::timestamptz[]), unnest(sqlc.arg(livemodes)::boolean[]), unnest(sqlc.arg(payloads)::jsonb[])
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id;

-- name: DuesGetEvents :many
SELECT event_id, type, payload FROM dues_events WHERE event_id = ANY(sqlc.arg(event_ids)::text[]) ORDER BY event_id;

-- name: DuesMarkEvents :exec
UPDATE dues_events SET state = sqlc.arg(state), error = '', processed_at = now()
WHERE event_id = ANY(sqlc.arg(event_ids)::text[]);

-- name: DuesApplyInvoicePaid :batchone
-- Applies one paid invoice in one statement: the payment (once per
-- invoice), its ledger row (when the charge has a balance transaction,
-- attributed to the customer's member and the payment's chapter), earlier
-- unattributed rows of the charge, and the member's standing recompute.
-- Sent in a pipeline, so a batch of invoices costs one round trip. ok is
-- false when the invoice was already stored but no payment of its charge
-- exists (the ledger row cannot be attributed).
WITH cm AS (
    SELECT c.member_id, m.chapter_id FROM dues_customers c JOIN members m ON m.id = c.member_id
    WHERE c.customer_id = sqlc.arg(customer_id)::text
), ins AS (
    INSERT INTO dues_payments (invoice_id, member_id, chapter_id, charge_id, subscription_id, amount, currency, paid_at,
        period_start, period_end)
    SELECT sqlc.arg(invoice_id)::text, cm.member_id, cm.chapter_id, sqlc.narg(charge_id)::text, sqlc.narg(subscription_id)::text,
        sqlc.arg(amount)::bigint, sqlc.arg(currency)::text, sqlc.arg(paid_at)::timestamptz, sqlc.arg(period_start)::date,
        sqlc.arg(period_end)::date
    FROM cm
    ON CONFLICT (invoice_id) DO NOTHING
    RETURNING chapter_id
), pay AS (
    SELECT ins.chapter_id FROM ins
    UNION ALL
    SELECT p.chapter_id FROM dues_payments p
    WHERE p.charge_id = sqlc.narg(charge_id)::text AND NOT EXISTS (SELECT 1 FROM ins)
), led AS (
    INSERT INTO dues_ledger (balance_transaction_id, kind, source_id, charge_id, invoice_id, member_id, chapter_id,
        amount, fee, net, currency, occurred_at)
    SELECT sqlc.arg(bt_id)::text, 'payment', coalesce(sqlc.narg(charge_id)::text, ''), sqlc.narg(charge_id)::text,
        sqlc.narg(ledger_invoice_id)::text, cm.member_id, pay.chapter_id, sqlc.arg(bt_amount)::bigint,
        sqlc.arg(bt_fee)::bigint, sqlc.arg(bt_net)::bigint, sqlc.arg(bt_currency)::text, sqlc.arg(bt_created)::timestamptz
    FROM cm, pay WHERE sqlc.arg(bt_id)::text <> ''
    ON CONFLICT (balance_transaction_id) DO NOTHING
    RETURNING 1
), attr AS (
    UPDATE dues_ledger l SET member_id = cm.member_id, chapter_id = pay.chapter_id, invoice_id = sqlc.narg(ledger_invoice_id)::text
    FROM cm, pay
    WHERE sqlc.arg(bt_id)::text <> '' AND l.charge_id = sqlc.narg(charge_id)::text
      AND (l.chapter_id IS DISTINCT FROM pay.chapter_id OR l.invoice_id IS NULL)
    RETURNING 1
), queued AS (
    INSERT INTO dues_standing_queue (member_id) SELECT cm.member_id FROM cm
    ON CONFLICT (member_id) DO UPDATE SET queued_at = excluded.queued_at
    RETURNING 1
)
SELECT (NOT EXISTS (SELECT 1 FROM cm) OR sqlc.arg(bt_id)::text = '' OR EXISTS (SELECT 1 FROM pay))::bool AS ok;

-- name: DuesGetOpenEvents :many
-- The events listed that are neither processed nor ignored.
SELECT event_id, type, payload FROM dues_events
WHERE event_id = ANY(sqlc.arg(event_ids)::text[]) AND state NOT IN ('processed', 'ignored') ORDER BY event_id;

-- name: DuesJobEvents :many
-- What a batch job applies, in one round trip: those of its claimed events
-- (mine) neither processed nor ignored, then up to lim other pending
-- events, none of the job's own (own), to take along.
SELECT e.event_id, e.type, e.payload FROM dues_events e
WHERE e.event_id = ANY(sqlc.arg(mine)::text[]) AND e.state NOT IN ('processed', 'ignored')
UNION ALL
(SELECT p.event_id, p.type, p.payload FROM dues_events p
 WHERE p.state = 'pending' AND NOT (p.event_id = ANY(sqlc.arg(own)::text[])) LIMIT sqlc.arg(lim));
