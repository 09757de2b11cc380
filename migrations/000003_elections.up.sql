-- Elections and secret ballots: elections, their committees, contests,
-- candidates and nominations, the frozen voter roll, who voted, sealed
-- (encrypted) ballots while voting is open, published (anonymised,
-- shuffled) ballots after close, open roll-call votes, and results.
--
-- Secrecy rule (see README "Ballot secrecy: threat model"): the ballot
-- tables voting_sealed_ballots and voting_ballots hold no member, no serial
-- or identity column, no timestamp; who voted (voting_voters) holds only a
-- date. A sealed ballot is written in the same transaction as its who-voted
-- row (they share xmin), so its content is encrypted under the election's
-- data key; at close the sealed rows are decrypted, shuffled, written anew
-- into voting_ballots and deleted.

CREATE TABLE voting_elections (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The chapter that holds the election; the national body for a
    -- national election.
    chapter_id         uuid NOT NULL REFERENCES chapters (id),
    title              text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description        text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    state              text NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft', 'nominations', 'open', 'closed', 'certified')),
    record_date        date NOT NULL,
    allow_replacement  boolean NOT NULL DEFAULT false,
    -- The smallest number of nominations a nominated candidate needs to
    -- stand (candidates the committee adds need none).
    min_nominations    integer NOT NULL DEFAULT 1 CHECK (min_nominations BETWEEN 1 AND 1000),
    roll_frozen_at     timestamptz,
    roll_size          integer,
    -- The election's data key, wrapped (AES-256-GCM) by the server's ballot
    -- key; set when voting opens, destroyed (NULL) at close.
    wrapped_key        bytea,
    created_by         uuid NOT NULL REFERENCES members (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    opened_at          timestamptz,
    closed_at          timestamptz,
    certified_at       timestamptz,
    certified_by       uuid REFERENCES members (id)
);
CREATE INDEX voting_elections_chapter ON voting_elections (chapter_id, created_at);

-- The election committee.
CREATE TABLE voting_officials (
    election_id  uuid NOT NULL REFERENCES voting_elections (id) ON DELETE CASCADE,
    member_id    uuid NOT NULL REFERENCES members (id),
    PRIMARY KEY (election_id, member_id)
);
CREATE INDEX voting_officials_member ON voting_officials (member_id);

CREATE TABLE voting_contests (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    election_id     uuid NOT NULL REFERENCES voting_elections (id) ON DELETE CASCADE,
    -- Set for a per-chapter contest inside a national election: only that
    -- chapter's members (on the roll) see it and vote in it.
    chapter_id      uuid REFERENCES chapters (id),
    position        integer NOT NULL,
    title           text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    method          text NOT NULL CHECK (method IN ('plurality', 'approval', 'irv', 'stv-scottish',
                                                    'stv-wigm-prf', 'stv-meek-prf', 'schulze', 'yesno')),
    seats           integer NOT NULL DEFAULT 1 CHECK (seats BETWEEN 1 AND 1000),
    threshold       text CHECK (threshold IN ('majority-of-cast', 'two-thirds-of-cast', 'majority-of-electorate')),
    max_ranks       integer CHECK (max_ranks >= 1),
    approval_limit  integer CHECK (approval_limit >= 1),
    -- An open (roll-call) contest records each voter's choice with their
    -- name; the ballot says so.
    roll_call       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (election_id, position),
    CHECK ((method = 'yesno') = (threshold IS NOT NULL))
);

CREATE TABLE voting_candidates (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contest_id    uuid NOT NULL REFERENCES voting_contests (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200 AND name !~ '["\r\n]'),
    -- The member standing, for a candidate; NULL for an option of a
    -- question.
    member_id     uuid REFERENCES members (id),
    statement     text NOT NULL DEFAULT '' CHECK (length(statement) <= 20000),
    -- committee: added by the election committee (stands as added);
    -- nomination: nominated by members, stands once accepted with enough
    -- nominations.
    source        text NOT NULL CHECK (source IN ('committee', 'nomination')),
    accepted      boolean NOT NULL,
    -- The candidate's index on the ballot (and in the count), fixed when
    -- voting opens; NULL for one who does not stand.
    ballot_index  integer,
    UNIQUE (contest_id, position),
    UNIQUE (contest_id, ballot_index)
);
CREATE UNIQUE INDEX voting_candidates_member ON voting_candidates (contest_id, member_id) WHERE member_id IS NOT NULL;
CREATE INDEX voting_candidates_member_any ON voting_candidates (member_id) WHERE member_id IS NOT NULL;

CREATE TABLE voting_nominations (
    candidate_id  uuid NOT NULL REFERENCES voting_candidates (id) ON DELETE CASCADE,
    nominator_id  uuid NOT NULL REFERENCES members (id),
    PRIMARY KEY (candidate_id, nominator_id)
);

-- The voter roll, frozen at the record date. chapter_id is the member's
-- chapter when the roll was frozen.
CREATE TABLE voting_roll (
    election_id  uuid NOT NULL REFERENCES voting_elections (id) ON DELETE CASCADE,
    member_id    uuid NOT NULL REFERENCES members (id),
    chapter_id   uuid NOT NULL REFERENCES chapters (id),
    PRIMARY KEY (election_id, member_id)
);
CREATE INDEX voting_roll_chapter ON voting_roll (election_id, chapter_id);

-- Who voted: one row per voter per contest, with the day only.
CREATE TABLE voting_voters (
    contest_id  uuid NOT NULL REFERENCES voting_contests (id) ON DELETE CASCADE,
    member_id   uuid NOT NULL REFERENCES members (id),
    voted_on    date NOT NULL,
    PRIMARY KEY (contest_id, member_id)
);

-- Ballots cast while voting is open, encrypted under the election's data
-- key. lookup = SHA-256("lookup:" || receipt) finds the row to replace; it
-- cannot be linked to the published receipt hash without the receipt.
-- No member, no timestamp, no serial: id is a random UUID.
CREATE TABLE voting_sealed_ballots (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contest_id  uuid NOT NULL REFERENCES voting_contests (id) ON DELETE CASCADE,
    lookup      bytea NOT NULL UNIQUE CHECK (length(lookup) = 32),
    ciphertext  bytea NOT NULL
);
CREATE INDEX voting_sealed_ballots_contest ON voting_sealed_ballots (contest_id);

-- Published ballots, written at close in a random order with random ids.
-- ranking holds ballot indexes of candidates: in preference order for a
-- ranked method, in ascending order (the marks) otherwise.
-- receipt_hash = SHA-256("receipt:" || receipt).
CREATE TABLE voting_ballots (
    id            uuid PRIMARY KEY,
    contest_id    uuid NOT NULL REFERENCES voting_contests (id) ON DELETE CASCADE,
    receipt_hash  bytea NOT NULL CHECK (length(receipt_hash) = 32),
    ranking       smallint[] NOT NULL,
    UNIQUE (contest_id, receipt_hash)
);

-- Open (roll-call) votes: the voter and their choice, public by design.
CREATE TABLE voting_roll_call_votes (
    contest_id  uuid NOT NULL REFERENCES voting_contests (id) ON DELETE CASCADE,
    member_id   uuid NOT NULL REFERENCES members (id),
    ranking     smallint[] NOT NULL,
    voted_on    date NOT NULL,
    PRIMARY KEY (contest_id, member_id)
);

-- A contest's result: the count (tally.Result as JSON, with its rounds),
-- the seed drawn for any random tie-break, ballots counted and the size of
-- the contest's roll.
CREATE TABLE voting_results (
    contest_id  uuid PRIMARY KEY REFERENCES voting_contests (id) ON DELETE CASCADE,
    result      json NOT NULL,
    seed        bigint NOT NULL,
    ballots     integer NOT NULL,
    roll_size   integer NOT NULL,
    counted_at  timestamptz NOT NULL
);

-- Chair and secretary now carry elections.manage; no new role values, so
-- the role_assignments CHECK is unchanged.
