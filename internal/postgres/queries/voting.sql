-- Elections, contests, candidates, rolls, ballots and results (package
-- internal/voting). Reads of ballots never order by anything that follows
-- insertion: published ballots come back ordered by their content and
-- receipt hash.

-- name: VotingCreateElection :one
INSERT INTO voting_elections (chapter_id, title, description, record_date, allow_replacement, min_nominations, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: VotingGetElection :one
SELECT * FROM voting_elections WHERE id = $1;

-- name: VotingGetElectionForUpdate :one
SELECT * FROM voting_elections WHERE id = $1 FOR UPDATE;

-- name: VotingGetElectionForShare :one
SELECT * FROM voting_elections WHERE id = $1 FOR SHARE;

-- VotingListElections returns the elections held by the given chapters
-- (or every election when all is set) and those where member is an
-- official, newest first.
-- name: VotingListElections :many
SELECT * FROM voting_elections e
WHERE sqlc.arg(all_chapters)::bool
   OR e.chapter_id = ANY(sqlc.arg(chapters)::uuid[])
   OR EXISTS (SELECT 1 FROM voting_officials o WHERE o.election_id = e.id AND o.member_id = sqlc.arg(member_id))
ORDER BY e.created_at DESC, e.id;

-- name: VotingUpdateElection :one
UPDATE voting_elections
SET title = $2, description = $3, record_date = $4, allow_replacement = $5, min_nominations = $6, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: VotingSetElectionState :one
UPDATE voting_elections SET state = $2, updated_at = now() WHERE id = $1 RETURNING *;

-- name: VotingOpenElection :one
UPDATE voting_elections SET state = 'open', wrapped_key = $2, opened_at = now(), updated_at = now()
WHERE id = $1 RETURNING *;

-- name: VotingCloseElection :one
UPDATE voting_elections SET state = 'closed', wrapped_key = NULL, closed_at = now(), updated_at = now()
WHERE id = $1 RETURNING *;

-- name: VotingCertifyElection :one
UPDATE voting_elections SET state = 'certified', certified_at = now(), certified_by = $2, updated_at = now()
WHERE id = $1 RETURNING *;

-- name: VotingSetRollFrozen :one
UPDATE voting_elections SET roll_frozen_at = now(), roll_size = $2, updated_at = now()
WHERE id = $1 RETURNING *;

-- name: VotingDeleteOfficials :exec
DELETE FROM voting_officials WHERE election_id = $1;

-- name: VotingInsertOfficial :exec
INSERT INTO voting_officials (election_id, member_id) VALUES ($1, $2);

-- name: VotingIsOfficial :one
SELECT EXISTS (SELECT 1 FROM voting_officials WHERE election_id = $1 AND member_id = $2);

-- name: VotingListOfficials :many
SELECT o.member_id, m.given_name, m.family_name, m.chapter_id
FROM voting_officials o JOIN members m ON m.id = o.member_id
WHERE o.election_id = $1
ORDER BY m.family_name, m.given_name, m.id;

-- name: VotingInsertContest :one
INSERT INTO voting_contests (election_id, chapter_id, position, title, description, method, seats, threshold,
                             max_ranks, approval_limit, roll_call)
VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM voting_contests WHERE election_id = $1),
        $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING *;

-- name: VotingUpdateContest :one
UPDATE voting_contests
SET chapter_id = $2, title = $3, description = $4, seats = $5, max_ranks = $6, approval_limit = $7, roll_call = $8,
    threshold = $9
WHERE id = $1
RETURNING *;

-- name: VotingDeleteContest :exec
DELETE FROM voting_contests WHERE id = $1;

-- name: VotingGetContest :one
SELECT * FROM voting_contests WHERE id = $1;

-- name: VotingListContests :many
SELECT * FROM voting_contests WHERE election_id = $1 ORDER BY position;

-- name: VotingInsertCandidate :one
INSERT INTO voting_candidates (contest_id, position, name, member_id, statement, source, accepted)
VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM voting_candidates WHERE contest_id = $1),
        $2, $3, $4, $5, $6)
RETURNING *;

-- name: VotingGetCandidate :one
SELECT * FROM voting_candidates WHERE id = $1;

-- name: VotingCandidateByMember :one
SELECT * FROM voting_candidates WHERE contest_id = $1 AND member_id = $2;

-- name: VotingDeleteCandidate :exec
DELETE FROM voting_candidates WHERE id = $1;

-- name: VotingAcceptCandidate :one
UPDATE voting_candidates SET accepted = true, statement = $2 WHERE id = $1 RETURNING *;

-- name: VotingSetBallotIndex :exec
UPDATE voting_candidates SET ballot_index = $2 WHERE id = $1;

-- VotingListCandidates returns the candidates of every contest of an
-- election with their number of nominations, in ballot order within each
-- contest.
-- name: VotingListCandidates :many
SELECT c.*, (SELECT count(*) FROM voting_nominations n WHERE n.candidate_id = c.id)::int AS nominations
FROM voting_candidates c JOIN voting_contests k ON k.id = c.contest_id
WHERE k.election_id = $1
ORDER BY k.position, c.position;

-- name: VotingMemberIsCandidate :one
SELECT EXISTS (
    SELECT 1 FROM voting_candidates c JOIN voting_contests k ON k.id = c.contest_id
    WHERE k.election_id = $1 AND c.member_id = $2);

-- name: VotingInsertNomination :execrows
INSERT INTO voting_nominations (candidate_id, nominator_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- VotingFreezeRoll is the one place that decides who may vote: a member is
-- on the roll when they had joined by the record date, the status in force
-- on that date (member_status_history: the latest row with effective_on <=
-- record date) is 'active', and their dues standing on that date
-- (member_standing_on, from the dues standing history) is 'good'. Scope:
-- every member for a national election (all_chapters), else the members
-- whose current chapter is the election's chapter.
-- name: VotingFreezeRoll :execrows
INSERT INTO voting_roll (election_id, member_id, chapter_id)
SELECT sqlc.arg(election_id)::uuid, m.id, m.chapter_id
FROM members m
WHERE m.joined_on <= sqlc.arg(record_date)::date
  AND (sqlc.arg(all_chapters)::bool OR m.chapter_id = sqlc.arg(chapter_id)::uuid)
  AND coalesce((SELECT h.status FROM member_status_history h
       WHERE h.member_id = m.id AND h.effective_on <= sqlc.arg(record_date)::date
       ORDER BY h.effective_on DESC, h.id DESC LIMIT 1), 'active') = 'active'
  AND member_standing_on(m.id, sqlc.arg(record_date)::date) = 'good';

-- name: VotingDeleteRoll :exec
DELETE FROM voting_roll WHERE election_id = $1;

-- name: VotingRollChapter :one
SELECT chapter_id FROM voting_roll WHERE election_id = $1 AND member_id = $2;

-- VotingRollSize counts the roll of a contest: the whole election's roll,
-- or one chapter's part of it when chapter_id is set.
-- name: VotingRollSize :one
SELECT count(*)::int FROM voting_roll
WHERE election_id = sqlc.arg(election_id)
  AND (sqlc.narg(chapter_id)::uuid IS NULL OR chapter_id = sqlc.narg(chapter_id));

-- name: VotingListRoll :many
SELECT r.member_id, m.given_name, m.family_name, r.chapter_id, ch.name AS chapter_name
FROM voting_roll r JOIN members m ON m.id = r.member_id JOIN chapters ch ON ch.id = r.chapter_id
WHERE r.election_id = $1
ORDER BY ch.name, m.family_name, m.given_name, r.member_id;

-- name: VotingHasVoted :one
SELECT EXISTS (SELECT 1 FROM voting_voters WHERE contest_id = $1 AND member_id = $2);

-- name: VotingVotedContests :many
SELECT v.contest_id FROM voting_voters v JOIN voting_contests k ON k.id = v.contest_id
WHERE k.election_id = $1 AND v.member_id = $2;

-- name: VotingInsertVoter :exec
INSERT INTO voting_voters (contest_id, member_id, voted_on) VALUES ($1, $2, $3);

-- name: VotingCountVoters :one
SELECT count(*)::int FROM voting_voters WHERE contest_id = $1;

-- name: VotingReplaceSealedBallot :execrows
UPDATE voting_sealed_ballots SET ciphertext = $3 WHERE contest_id = $1 AND lookup = $2;

-- name: VotingSealedBallotExists :one
SELECT EXISTS (SELECT 1 FROM voting_sealed_ballots WHERE contest_id = $1 AND lookup = $2);

-- name: VotingListSealedBallots :many
SELECT lookup, ciphertext FROM voting_sealed_ballots WHERE contest_id = $1;

-- name: VotingDeleteSealedBallots :execrows
DELETE FROM voting_sealed_ballots WHERE contest_id = $1;

-- name: VotingCopyBallots :copyfrom
INSERT INTO voting_ballots (id, contest_id, receipt_hash, ranking) VALUES ($1, $2, $3, $4);

-- name: VotingListBallots :many
SELECT receipt_hash, ranking FROM voting_ballots WHERE contest_id = $1 ORDER BY ranking, receipt_hash;

-- name: VotingBallotByReceipt :one
SELECT receipt_hash, ranking FROM voting_ballots WHERE contest_id = $1 AND receipt_hash = $2;

-- name: VotingInsertRollCallVote :exec
INSERT INTO voting_roll_call_votes (contest_id, member_id, ranking, voted_on) VALUES ($1, $2, $3, $4);

-- name: VotingUpdateRollCallVote :execrows
UPDATE voting_roll_call_votes SET ranking = $3, voted_on = $4 WHERE contest_id = $1 AND member_id = $2;

-- name: VotingListRollCallVotes :many
SELECT v.member_id, m.given_name, m.family_name, v.ranking
FROM voting_roll_call_votes v JOIN members m ON m.id = v.member_id
WHERE v.contest_id = $1
ORDER BY m.family_name, m.given_name, v.member_id;

-- name: VotingInsertResult :exec
INSERT INTO voting_results (contest_id, result, seed, ballots, roll_size, counted_at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: VotingGetResult :one
SELECT * FROM voting_results WHERE contest_id = $1;

-- VotingPendingStanding counts the members in an election's scope whose
-- dues standing still waits in the recompute queue.
-- name: VotingPendingStanding :one
SELECT count(*) FROM dues_standing_queue sq JOIN members m ON m.id = sq.member_id
WHERE sqlc.arg(all_chapters)::bool OR m.chapter_id = sqlc.arg(chapter_id)::uuid;

-- VotingCastContext reads in one round trip what casting a ballot needs:
-- the election, whether the national body holds it, whether the member is
-- one of its officials, the member's chapter on the frozen roll (NULL when
-- not on it), the contest (of this election) and its ballot: the ids and
-- ballot indexes of the candidates on it, in ballot order. No row when the
-- election or the contest (in this election) does not exist.
-- name: VotingCastContext :one
SELECT sqlc.embed(e), sqlc.embed(k),
       (ch.kind = 'national')::boolean AS national,
       EXISTS (SELECT 1 FROM voting_officials o
               WHERE o.election_id = e.id AND o.member_id = sqlc.arg(member_id)::uuid)::boolean AS official,
       r.chapter_id AS roll_chapter_id,
       coalesce((SELECT array_agg(c.id ORDER BY c.ballot_index) FROM voting_candidates c
                 WHERE c.contest_id = k.id AND c.ballot_index IS NOT NULL), '{}')::uuid[] AS ballot_ids,
       coalesce((SELECT array_agg(c.ballot_index ORDER BY c.ballot_index) FROM voting_candidates c
                 WHERE c.contest_id = k.id AND c.ballot_index IS NOT NULL), '{}')::int[] AS ballot_indexes
FROM voting_elections e
JOIN chapters ch ON ch.id = e.chapter_id
JOIN voting_contests k ON k.election_id = e.id AND k.id = sqlc.arg(contest_id)::uuid
LEFT JOIN voting_roll r ON r.election_id = e.id AND r.member_id = sqlc.arg(member_id)::uuid
WHERE e.id = sqlc.arg(election_id)::uuid;

-- VotingCastSealed records a secret ballot in one statement (run at
-- SERIALIZABLE). It locks the election row FOR SHARE only while the
-- election is open and still holds the wrapped data key the ballot was
-- sealed under (a close locks the row FOR UPDATE, so it waits for this
-- transaction and then sees its ballot, or the cast sees the close); it
-- inserts the who-voted row unless the member has voted in the contest
-- (the primary key: one ballot per voter), and the sealed ballot only with
-- a new who-voted row, and only for a member on the frozen roll (in the
-- contest's chapter, contest_chapter_id, for a per-chapter contest).
-- is_open reports that the election was open with that key; on_roll that
-- the member is on the roll for the contest; is_cast that both rows were
-- inserted; state is the election's state and allow_replacement its rule,
-- for the refusal.
-- name: VotingCastSealed :one
WITH e AS (
    SELECT id FROM voting_elections
    WHERE id = sqlc.arg(election_id)::uuid AND state = 'open' AND wrapped_key = sqlc.arg(wrapped_key)::bytea
    FOR SHARE
), r AS (
    SELECT 1 AS on_roll FROM voting_roll
    WHERE election_id = sqlc.arg(election_id)::uuid AND member_id = sqlc.arg(member_id)::uuid
      AND (sqlc.narg(contest_chapter_id)::uuid IS NULL OR chapter_id = sqlc.narg(contest_chapter_id)::uuid)
), v AS (
    INSERT INTO voting_voters (contest_id, member_id, voted_on)
    SELECT sqlc.arg(contest_id)::uuid, sqlc.arg(member_id)::uuid, sqlc.arg(voted_on)::date FROM e, r
    ON CONFLICT DO NOTHING
    RETURNING contest_id
), b AS (
    INSERT INTO voting_sealed_ballots (contest_id, lookup, ciphertext)
    SELECT v.contest_id, sqlc.arg(lookup)::bytea, sqlc.arg(ciphertext)::bytea FROM v
    RETURNING contest_id
)
SELECT EXISTS (SELECT 1 FROM e)::boolean AS is_open, EXISTS (SELECT 1 FROM r)::boolean AS on_roll,
       EXISTS (SELECT 1 FROM b)::boolean AS is_cast,
       x.state, x.allow_replacement
FROM voting_elections x WHERE x.id = sqlc.arg(election_id)::uuid;
