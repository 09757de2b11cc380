-- Dues: plans, Stripe customers and subscriptions, webhook events, payments,
-- the ledger (one row per Stripe balance transaction), waivers, the derived
-- standing history, payouts and their reconciliation, bank deposits.
-- Money is always an integer number of minor units (cents) with an ISO 4217
-- currency code in lower case, as Stripe writes it.

-- Dues plans are data: an amount range (sliding scale) per interval, an
-- income-based suggestion, and low-income plans (a fixed, reduced range).
CREATE TABLE dues_plans (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    billing_interval text NOT NULL CHECK (billing_interval IN ('month', 'year')),
    currency        text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    min_amount      bigint NOT NULL CHECK (min_amount > 0),
    max_amount      bigint NOT NULL,
    -- Suggested amount per interval, in basis points of the annual income
    -- the member states (100 = 1 % a year), clamped to [min, max].
    income_bp       integer NOT NULL DEFAULT 0 CHECK (income_bp BETWEEN 0 AND 10000),
    low_income      boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (max_amount >= min_amount)
);
CREATE UNIQUE INDEX dues_plans_name ON dues_plans (lower(name));

-- Stripe customers, one per member.
CREATE TABLE dues_customers (
    customer_id  text PRIMARY KEY,
    member_id    uuid NOT NULL UNIQUE REFERENCES members (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Subscriptions as Stripe last told us, ordered by the events' own created
-- time (not arrival): a row changes only for an event at least as new as the
-- one it came from, and 'canceled' is final.
CREATE TABLE dues_subscriptions (
    subscription_id     text PRIMARY KEY,
    customer_id         text NOT NULL,
    member_id           uuid REFERENCES members (id),
    status              text NOT NULL,
    billing_interval    text NOT NULL DEFAULT '',
    amount              bigint NOT NULL DEFAULT 0,
    currency            text NOT NULL DEFAULT '',
    current_period_end  timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    event_created       timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dues_subscriptions_member ON dues_subscriptions (member_id);

-- Every webhook event, stored once by its id, in the transaction that
-- enqueues its processing job.
CREATE TABLE dues_events (
    event_id      text PRIMARY KEY,
    type          text NOT NULL,
    api_version   text NOT NULL DEFAULT '',
    created       timestamptz NOT NULL,
    livemode      boolean NOT NULL DEFAULT false,
    payload       jsonb NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'ignored', 'failed')),
    processed_at  timestamptz,
    error         text NOT NULL DEFAULT ''
);
CREATE INDEX dues_events_state ON dues_events (state) WHERE state <> 'processed';

-- Paid invoices: what standing is computed from. A payment counts for
-- standing from the day it was paid until the day its charge is fully
-- refunded (from the refunds in the ledger) or disputed (dues_disputes); a
-- dispute that is won makes it count again from the day it closed.
CREATE TABLE dues_payments (
    invoice_id         text PRIMARY KEY,
    member_id          uuid NOT NULL REFERENCES members (id),
    chapter_id         uuid NOT NULL REFERENCES chapters (id),
    charge_id          text,
    subscription_id    text,
    amount             bigint NOT NULL,
    currency           text NOT NULL,
    paid_at            timestamptz NOT NULL,
    period_start       date NOT NULL,
    period_end         date NOT NULL,
    CHECK (period_end >= period_start)
);
CREATE INDEX dues_payments_member ON dues_payments (member_id, period_end);
CREATE UNIQUE INDEX dues_payments_charge ON dues_payments (charge_id) WHERE charge_id IS NOT NULL;

-- Disputes as Stripe last told us, ordered by the events' created time; a
-- closed dispute (won or lost) is final.
CREATE TABLE dues_disputes (
    dispute_id     text PRIMARY KEY,
    charge_id      text NOT NULL,
    amount         bigint NOT NULL,
    currency       text NOT NULL,
    status         text NOT NULL,
    created        timestamptz NOT NULL,
    closed_at      timestamptz,
    event_created  timestamptz NOT NULL
);
CREATE INDEX dues_disputes_charge ON dues_disputes (charge_id);

-- The ledger: one row per Stripe balance transaction, keyed by its id, so a
-- duplicate or replayed event adds nothing. amount is gross, fee is Stripe's
-- fee (a dispute's fee included), net = amount - fee. member_id and
-- chapter_id attribute the row: a payment to the chapter the member belonged
-- to when it was ingested; a refund or dispute to the chapter of the payment
-- it reverses.
CREATE TABLE dues_ledger (
    balance_transaction_id text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('payment', 'refund', 'dispute', 'dispute_reversal', 'other')),
    source_id     text NOT NULL DEFAULT '',
    charge_id     text,
    invoice_id    text,
    member_id     uuid REFERENCES members (id),
    chapter_id    uuid REFERENCES chapters (id),
    amount        bigint NOT NULL,
    fee           bigint NOT NULL,
    net           bigint NOT NULL,
    currency      text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (net = amount - fee)
);
CREATE INDEX dues_ledger_chapter_time ON dues_ledger (chapter_id, occurred_at);
CREATE INDEX dues_ledger_time ON dues_ledger (occurred_at);
CREATE INDEX dues_ledger_charge ON dues_ledger (charge_id);

-- Dues waivers, granted by an officer with a reason; they count as paid
-- from starts_on until the day before expires_on.
CREATE TABLE dues_waivers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id   uuid NOT NULL REFERENCES members (id),
    starts_on   date NOT NULL,
    expires_on  date NOT NULL,
    reason      text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    granted_by  uuid NOT NULL REFERENCES members (id),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    revoked_on  date,
    revoked_by  uuid REFERENCES members (id),
    CHECK (expires_on > starts_on),
    CHECK (revoked_on IS NULL OR revoked_on >= starts_on)
);
CREATE INDEX dues_waivers_member ON dues_waivers (member_id);

-- Good standing, derived (never typed in) and kept as history: the standing
-- on date D is the latest row in force with effective_on <= D, and "lapsed"
-- when there is none. A correction (an event that arrived late) supersedes
-- rows instead of deleting them, so what was believed when stays visible.
CREATE TABLE member_standing_history (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id      uuid NOT NULL REFERENCES members (id),
    standing       text NOT NULL CHECK (standing IN ('good', 'lapsed')),
    effective_on   date NOT NULL,
    reason         text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    superseded_at  timestamptz
);
CREATE UNIQUE INDEX member_standing_history_in_force
    ON member_standing_history (member_id, effective_on) WHERE superseded_at IS NULL;

-- member_standing_on(member, d) is the standing in force on d: 'good' or
-- 'lapsed'. One index probe; usable in any query (roll freezes, rosters).
CREATE FUNCTION member_standing_on(member uuid, d date) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT h.standing FROM member_standing_history h
        WHERE h.member_id = member AND h.effective_on <= d AND h.superseded_at IS NULL
        ORDER BY h.effective_on DESC LIMIT 1), 'lapsed')
$$;

-- Stripe payouts and the balance transactions each one paid out.
CREATE TABLE dues_payouts (
    payout_id      text PRIMARY KEY,
    amount         bigint NOT NULL,
    currency       text NOT NULL,
    status         text NOT NULL,
    arrival_date   date NOT NULL,
    created        timestamptz NOT NULL,
    reconciled_at  timestamptz,
    items_net      bigint,
    difference     bigint
);

CREATE TABLE dues_payout_items (
    payout_id               text NOT NULL REFERENCES dues_payouts (payout_id),
    balance_transaction_id  text NOT NULL,
    type                    text NOT NULL,
    source_id               text NOT NULL DEFAULT '',
    amount                  bigint NOT NULL,
    fee                     bigint NOT NULL,
    net                     bigint NOT NULL,
    currency                text NOT NULL,
    created                 timestamptz NOT NULL,
    PRIMARY KEY (payout_id, balance_transaction_id)
);

-- Bank deposits the treasurer enters or imports, matched to payouts.
CREATE TABLE dues_deposits (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    deposited_on  date NOT NULL,
    amount        bigint NOT NULL CHECK (amount > 0),
    currency      text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    reference     text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
    payout_id     text UNIQUE REFERENCES dues_payouts (payout_id),
    entered_by    uuid NOT NULL REFERENCES members (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX dues_deposits_natural ON dues_deposits (deposited_on, amount, currency, reference);
