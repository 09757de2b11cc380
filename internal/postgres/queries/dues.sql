-- Dues: plans, Stripe events, payments, ledger, standing, payouts, reports.

-- name: DuesInsertPlan :one
INSERT INTO dues_plans (name, billing_interval, currency, min_amount, max_amount, income_bp, low_income)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: DuesListPlans :many
SELECT * FROM dues_plans WHERE active OR sqlc.arg(include_inactive)::bool ORDER BY low_income, billing_interval, name;

-- name: DuesGetPlan :one
SELECT * FROM dues_plans WHERE id = $1;

-- name: DuesGetEvent :one
SELECT * FROM dues_events WHERE event_id = $1;

-- name: DuesFailEvent :exec
-- Records a failed attempt at an event (not one applied meanwhile) and
-- schedules the next, 2^attempts seconds later but at most an hour, unless
-- the event has had max_attempts.
UPDATE dues_events SET state = 'failed', error = sqlc.arg(error), attempts = attempts + 1, leased_until = NULL,
    next_attempt_at = CASE WHEN attempts + 1 < sqlc.arg(max_attempts)::int
        THEN now() + least(make_interval(secs => power(2, attempts + 1)), interval '1 hour') END
WHERE event_id = sqlc.arg(event_id) AND state NOT IN ('processed', 'ignored');

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

-- name: DuesInsertLedger :execrows
INSERT INTO dues_ledger (balance_transaction_id, kind, source_id, charge_id, invoice_id, member_id, chapter_id,
    amount, fee, net, currency, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (balance_transaction_id) DO NOTHING;

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

-- name: DuesStandingHistoryAll :many
SELECT * FROM member_standing_history WHERE member_id = $1 ORDER BY id;

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

-- name: DuesStandingFacts :many
-- Everything the standing policy reads for a set of members, one row per
-- member, in one round trip; the members are locked (those another
-- transaction holds are skipped: the caller queues them again). Each kind
-- of fact is one lookup per member, however many payments the member has
-- made, returned as parallel arrays in order (no JSON to build or parse):
-- refunds are the ledger's refund rows attributed to the member, disputes
-- those of the member's payments' charges; the caller matches them to
-- payments by charge. A missing time or date is 0001-01-01.
SELECT m.id, m.joined_on, m.status,
    st.status_active::boolean[] AS status_active, st.status_on::date[] AS status_on,
    pa.pay_invoice::text[] AS pay_invoice, pa.pay_amount::bigint[] AS pay_amount, pa.pay_at::timestamptz[] AS pay_at,
    pa.pay_end::date[] AS pay_end, pa.pay_charge::text[] AS pay_charge,
    rf.refund_charge::text[] AS refund_charge, rf.refund_amount::bigint[] AS refund_amount,
    rf.refund_at::timestamptz[] AS refund_at,
    dp.dispute_charge::text[] AS dispute_charge, dp.dispute_at::timestamptz[] AS dispute_at,
    dp.dispute_status::text[] AS dispute_status, dp.dispute_closed::timestamptz[] AS dispute_closed,
    wv.waiver_start::date[] AS waiver_start, wv.waiver_end::date[] AS waiver_end, wv.waiver_revoked::date[] AS waiver_revoked,
    coalesce((SELECT c.paid_through FROM dues_legacy_credits c WHERE c.member_id = m.id), '0001-01-01')::date AS legacy_paid_through,
    hi.have_standing::text[] AS have_standing, hi.have_on::date[] AS have_on, hi.have_reason::text[] AS have_reason
FROM members m
CROSS JOIN LATERAL (
    SELECT array_agg(h.status = 'active' ORDER BY h.effective_on, h.id) AS status_active,
        array_agg(h.effective_on ORDER BY h.effective_on, h.id) AS status_on
    FROM member_status_history h WHERE h.member_id = m.id) st
CROSS JOIN LATERAL (
    SELECT array_agg(p.invoice_id ORDER BY p.paid_at, p.invoice_id) AS pay_invoice,
        array_agg(p.amount ORDER BY p.paid_at, p.invoice_id) AS pay_amount,
        array_agg(p.paid_at ORDER BY p.paid_at, p.invoice_id) AS pay_at,
        array_agg(p.period_end ORDER BY p.paid_at, p.invoice_id) AS pay_end,
        array_agg(coalesce(p.charge_id, '') ORDER BY p.paid_at, p.invoice_id) AS pay_charge
    FROM dues_payments p WHERE p.member_id = m.id) pa
CROSS JOIN LATERAL (
    SELECT array_agg(l.charge_id ORDER BY l.occurred_at, l.source_id) AS refund_charge,
        array_agg(-l.amount ORDER BY l.occurred_at, l.source_id) AS refund_amount,
        array_agg(l.occurred_at ORDER BY l.occurred_at, l.source_id) AS refund_at
    FROM dues_ledger l WHERE l.member_id = m.id AND l.kind = 'refund') rf
CROSS JOIN LATERAL (
    SELECT array_agg(d.charge_id ORDER BY d.created, d.dispute_id) AS dispute_charge,
        array_agg(d.created ORDER BY d.created, d.dispute_id) AS dispute_at,
        array_agg(d.status ORDER BY d.created, d.dispute_id) AS dispute_status,
        array_agg(coalesce(d.closed_at, '0001-01-01 00:00:00+00') ORDER BY d.created, d.dispute_id) AS dispute_closed
    FROM dues_payments p JOIN dues_disputes d ON d.charge_id = p.charge_id WHERE p.member_id = m.id) dp
CROSS JOIN LATERAL (
    SELECT array_agg(w.starts_on ORDER BY w.starts_on, w.id) AS waiver_start,
        array_agg(w.expires_on ORDER BY w.starts_on, w.id) AS waiver_end,
        array_agg(coalesce(w.revoked_on, '0001-01-01') ORDER BY w.starts_on, w.id) AS waiver_revoked
    FROM dues_waivers w WHERE w.member_id = m.id) wv
CROSS JOIN LATERAL (
    SELECT array_agg(h.standing ORDER BY h.effective_on) AS have_standing,
        array_agg(h.effective_on ORDER BY h.effective_on) AS have_on,
        array_agg(h.reason ORDER BY h.effective_on) AS have_reason
    FROM member_standing_history h WHERE h.member_id = m.id AND h.superseded_at IS NULL) hi
WHERE m.id = ANY(sqlc.arg(member_ids)::uuid[])
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

-- name: DuesApplyInvoicesPaid :many
-- Applies a batch of paid invoices and marks a batch of events in one
-- statement. For each invoice (repeats of an invoice id are applied once):
-- the payment, once per invoice, attributed to the customer's member and
-- their current chapter; its ledger row when the charge has a balance
-- transaction, attributed to the payment's chapter; earlier unattributed
-- rows of the charge; the member queued for a standing recompute when the
-- payment is new. Invoices of customers who are not members are skipped.
-- The events listed are marked processed or ignored, except the events of
-- invoices that cannot be applied, which are returned: an invoice already
-- stored while no payment of its charge is (its ledger row could not be
-- attributed). Rows are written in member, then invoice, order so that
-- concurrent batches lock in the same order.
WITH input AS (
    -- The arrays are of equal length: unnest in the select list zips them.
    SELECT
        unnest(sqlc.arg(event_ids)::text[]) AS event_id,
        unnest(sqlc.arg(customer_ids)::text[]) AS customer_id,
        unnest(sqlc.arg(invoice_ids)::text[]) AS invoice_id,
        unnest(sqlc.arg(charge_ids)::text[]) AS charge_id,
        unnest(sqlc.arg(subscription_ids)::text[]) AS subscription_id,
        unnest(sqlc.arg(amounts)::bigint[]) AS amount,
        unnest(sqlc.arg(currencies)::text[]) AS currency,
        unnest(sqlc.arg(paid_ats)::timestamptz[]) AS paid_at,
        unnest(sqlc.arg(period_starts)::date[]) AS period_start,
        unnest(sqlc.arg(period_ends)::date[]) AS period_end,
        unnest(sqlc.arg(bt_ids)::text[]) AS bt_id,
        unnest(sqlc.arg(bt_amounts)::bigint[]) AS bt_amount,
        unnest(sqlc.arg(bt_fees)::bigint[]) AS bt_fee,
        unnest(sqlc.arg(bt_nets)::bigint[]) AS bt_net,
        unnest(sqlc.arg(bt_currencies)::text[]) AS bt_currency,
        unnest(sqlc.arg(bt_createds)::timestamptz[]) AS bt_created
), cm AS (
    -- Lookups are scalar subqueries so that each is an index probe
    -- whatever the planner believes of the tables' sizes (OFFSET 0 keeps
    -- the inner one from being pulled up and probed once per use).
    SELECT DISTINCT ON (x.invoice_id) x.*, (SELECT m.chapter_id FROM members m WHERE m.id = x.member_id) AS chapter_id
    FROM (SELECT i.*, (SELECT c.member_id FROM dues_customers c WHERE c.customer_id = i.customer_id) AS member_id
          FROM input i OFFSET 0) x
    WHERE x.member_id IS NOT NULL
    ORDER BY x.invoice_id
), ins AS (
    INSERT INTO dues_payments (invoice_id, member_id, chapter_id, charge_id, subscription_id, amount, currency, paid_at,
        period_start, period_end)
    SELECT cm.invoice_id, cm.member_id, cm.chapter_id, nullif(cm.charge_id, ''), nullif(cm.subscription_id, ''),
        cm.amount, cm.currency, cm.paid_at, cm.period_start, cm.period_end
    FROM cm ORDER BY cm.member_id, cm.invoice_id
    ON CONFLICT (invoice_id) DO NOTHING
    RETURNING invoice_id, chapter_id
), pay AS (
    -- The chapter of each invoice's payment: the one stored now, else the
    -- stored payment of its charge (none: the invoice cannot be applied).
    SELECT cm.invoice_id, coalesce(ins.chapter_id,
        (SELECT p.chapter_id FROM dues_payments p WHERE p.charge_id = nullif(cm.charge_id, ''))) AS chapter_id
    FROM cm LEFT JOIN ins ON ins.invoice_id = cm.invoice_id
), led AS (
    INSERT INTO dues_ledger (balance_transaction_id, kind, source_id, charge_id, invoice_id, member_id, chapter_id,
        amount, fee, net, currency, occurred_at)
    SELECT cm.bt_id, 'payment', cm.charge_id, nullif(cm.charge_id, ''), cm.invoice_id, cm.member_id, pay.chapter_id,
        cm.bt_amount, cm.bt_fee, cm.bt_net, cm.bt_currency, cm.bt_created
    FROM cm JOIN pay ON pay.invoice_id = cm.invoice_id
    WHERE cm.bt_id <> '' AND pay.chapter_id IS NOT NULL
    ORDER BY cm.member_id, cm.invoice_id
    ON CONFLICT (balance_transaction_id) DO NOTHING
    RETURNING 1
), attr AS (
    UPDATE dues_ledger l SET member_id = cm.member_id, chapter_id = pay.chapter_id, invoice_id = cm.invoice_id
    FROM cm JOIN pay ON pay.invoice_id = cm.invoice_id
    WHERE cm.bt_id <> '' AND pay.chapter_id IS NOT NULL AND l.charge_id = nullif(cm.charge_id, '')
      AND l.charge_id = ANY(sqlc.arg(charge_ids)::text[]) -- an index condition on the ledger
      AND (l.chapter_id IS DISTINCT FROM pay.chapter_id OR l.invoice_id IS NULL)
    RETURNING 1
), queued AS (
    -- Only a payment stored now changes its member's standing facts (a
    -- repeat, such as invoice.payment_succeeded after invoice.paid, or a
    -- ledger row alone, does not).
    INSERT INTO dues_standing_queue (member_id)
    SELECT DISTINCT cm.member_id FROM cm JOIN ins ON ins.invoice_id = cm.invoice_id ORDER BY cm.member_id
    ON CONFLICT (member_id) DO UPDATE SET queued_at = excluded.queued_at
    RETURNING 1
), bad AS (
    SELECT cm.invoice_id, cm.charge_id FROM cm JOIN pay ON pay.invoice_id = cm.invoice_id
    WHERE cm.bt_id <> '' AND pay.chapter_id IS NULL
), marked AS (
    UPDATE dues_events e SET error = '', processed_at = now(), leased_until = NULL,
        state = CASE WHEN e.event_id = ANY(sqlc.arg(ignored_ids)::text[]) THEN 'ignored' ELSE 'processed' END
    WHERE e.event_id = ANY(sqlc.arg(processed_ids)::text[] || sqlc.arg(ignored_ids)::text[])
      AND NOT EXISTS (SELECT 1 FROM input i JOIN bad ON bad.invoice_id = i.invoice_id WHERE i.event_id = e.event_id)
    RETURNING 1
)
SELECT i.event_id::text AS event_id, bad.invoice_id::text AS invoice_id, bad.charge_id::text AS charge_id
FROM input i JOIN bad ON bad.invoice_id = i.invoice_id
ORDER BY i.event_id;

-- name: DuesLeaseEvents :many
-- Leases up to lim due events, oldest first, for lease_seconds: pending
-- ones and failed ones whose next attempt has come, that no live lease
-- holds. Rows another transaction is leasing are skipped.
UPDATE dues_events e SET leased_until = now() + make_interval(secs => sqlc.arg(lease_seconds)::int)
WHERE e.event_id IN (
    SELECT d.event_id FROM dues_events d
    WHERE d.state IN ('pending', 'failed') AND (d.state = 'pending' OR d.next_attempt_at <= now())
      AND (d.leased_until IS NULL OR d.leased_until < now())
    ORDER BY d.received_at
    LIMIT sqlc.arg(lim)
    FOR UPDATE SKIP LOCKED)
RETURNING e.event_id, e.type, e.payload;

-- name: DuesListEvents :many
-- Lists the events in one state, newest received first, without their
-- payloads (they can hold customers' contact details). The state is also
-- bounded to the due index's states so that index serves the query.
SELECT event_id, type, received_at, created, state, attempts, next_attempt_at, error
FROM dues_events
WHERE state = sqlc.arg(state) AND state IN ('pending', 'failed')
ORDER BY received_at DESC, event_id DESC
LIMIT sqlc.arg(lim);

-- name: DuesCountStalePending :one
-- Counts pending events received more than age_seconds ago: events no job
-- has applied in that time, a sign that no worker is running.
SELECT count(*) FROM dues_events
WHERE state = 'pending' AND received_at < now() - make_interval(secs => sqlc.arg(age_seconds)::int);

-- name: DuesRetryEvent :one
-- Makes a failed event due now, keeping its attempts and last error, and
-- returns the event's state and attempts as they were (no row: no such
-- event). Only a failed event is changed; a live lease is left alone, so a
-- job applying the event meanwhile finishes first.
WITH ev AS (
    SELECT e.event_id, e.state, e.attempts, e.type FROM dues_events e WHERE e.event_id = sqlc.arg(event_id) FOR UPDATE
), retried AS (
    UPDATE dues_events d SET next_attempt_at = now()
    FROM ev WHERE d.event_id = ev.event_id AND ev.state = 'failed'
    RETURNING d.event_id
)
SELECT ev.state, ev.attempts, ev.type, EXISTS (SELECT 1 FROM retried) AS retried FROM ev;
