-- Foundation: chapters, members, status history, roles, identities, sessions
-- and the hash-chained audit log.


CREATE TABLE chapters (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id     uuid REFERENCES chapters (id),
    kind          text NOT NULL CHECK (kind IN ('national', 'chapter')),
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    chartered_on  date NOT NULL DEFAULT current_date,
    dissolved_on  date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'national') = (parent_id IS NULL)),
    CHECK (dissolved_on IS NULL OR dissolved_on >= chartered_on)
);
-- Exactly one national body is the root of the tree.
CREATE UNIQUE INDEX chapters_one_national ON chapters ((true)) WHERE kind = 'national';

CREATE TABLE members (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chapter_id      uuid NOT NULL REFERENCES chapters (id),
    given_name      text NOT NULL CHECK (length(btrim(given_name)) BETWEEN 1 AND 100),
    family_name     text NOT NULL CHECK (length(family_name) <= 100),
    email           text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    phone           text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    postal_address  text NOT NULL DEFAULT '' CHECK (length(postal_address) <= 500),
    joined_on       date NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    external_id     text CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX members_email ON members (email);
CREATE UNIQUE INDEX members_external_id ON members (external_id) WHERE external_id IS NOT NULL;
-- Roster pages: a chapter's members in name order, keyset-paginated.
CREATE INDEX members_chapter_name ON members (chapter_id, family_name, given_name, id);
CREATE INDEX members_chapter_joined ON members (chapter_id, joined_on, id);

-- Every change of a member's status, so "what was this member's status on
-- date D" has an answer: a member is active from joined_on until the first
-- row says otherwise; on D the row in force is the latest with
-- effective_on <= D. Joining itself is members.joined_on, not a row here.
CREATE TABLE member_status_history (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id     uuid NOT NULL REFERENCES members (id),
    status        text NOT NULL CHECK (status IN ('active', 'inactive')),
    effective_on  date NOT NULL,
    reason        text NOT NULL,
    recorded_by   uuid REFERENCES members (id),
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_status_history_member ON member_status_history (member_id, effective_on, id);

-- Roles held by members, scoped to one chapter or to the national body (the
-- root chapter). A role grants the permissions the auth package assigns to
-- it while current_date lies in [starts_on, ends_on).
CREATE TABLE role_assignments (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id   uuid NOT NULL REFERENCES members (id),
    chapter_id  uuid NOT NULL REFERENCES chapters (id),
    role        text NOT NULL CHECK (role IN ('admin', 'chair', 'secretary', 'membership_officer', 'treasurer')),
    starts_on   date NOT NULL DEFAULT current_date,
    ends_on     date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on > starts_on)
);
CREATE INDEX role_assignments_member ON role_assignments (member_id);

-- OIDC identities linked to members: the first login with a verified email
-- links (issuer, subject) to the member with that email.
CREATE TABLE member_identities (
    issuer     text NOT NULL,
    subject    text NOT NULL,
    member_id  uuid NOT NULL REFERENCES members (id),
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX member_identities_member ON member_identities (member_id);

-- Web sessions. Only a SHA-256 of the session token is stored, so a database
-- reader cannot take over a session.
CREATE TABLE web_sessions (
    token_hash    bytea PRIMARY KEY,
    member_id     uuid NOT NULL REFERENCES members (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- Pending OIDC logins: state -> PKCE verifier, nonce and where to return.
CREATE TABLE oidc_logins (
    state_hash     bytea PRIMARY KEY,
    code_verifier  text NOT NULL,
    nonce          text NOT NULL,
    return_to      text NOT NULL DEFAULT '/',
    expires_at     timestamptz NOT NULL
);

-- Append-only audit log. Each entry's hash covers its own fields and the
-- previous entry's hash, so changing or deleting any entry breaks the chain
-- from there on; `chapterhouse audit verify` recomputes it.
CREATE TABLE audit_log (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_id   uuid,
    action     text NOT NULL,
    entity     text NOT NULL,
    entity_id  text NOT NULL,
    chapter_id uuid,
    -- json, not jsonb: the hash covers the exact text stored.
    data       json NOT NULL DEFAULT '{}',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();
