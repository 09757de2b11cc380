package voting

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// loadCast reads in one query what a cast needs: the principal's access to
// the election, the contest and its ballot rules. It gives the same answers
// as loadContest followed by rulesFor: NotFound for an election or contest
// the principal may not see (the exact message comes from loadContest,
// which runs only when the election or contest does not exist).
//
// Everything it reads outside the cast's transaction (the contest, its
// candidates and ballot indexes, the frozen roll, the officials) is fixed
// once voting opens, and the cast's transaction checks that the election
// is still open with the same data key; nothing is cached between calls, so
// any number of server replicas give the same answers.
func loadCast(ctx context.Context, q *postgres.Queries, p *auth.Principal, electionID, contestID uuid.UUID) (access, postgres.VotingContest, ballotRules, error) {
	if p == nil {
		return access{}, postgres.VotingContest{}, ballotRules{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	row, err := q.VotingCastContext(ctx, postgres.VotingCastContextParams{MemberID: p.MemberID, ContestID: contestID, ElectionID: electionID})
	if errors.Is(err, pgx.ErrNoRows) {
		a, c, err := loadContest(ctx, q, p, electionID, contestID, false)
		if err == nil {
			// Created since: a contest the first query did not find.
			err = errs.NotFoundf("contest not found")
		}
		return a, c, ballotRules{}, err
	}
	if err != nil {
		return access{}, postgres.VotingContest{}, ballotRules{}, err
	}
	e, c := row.VotingElection, row.VotingContest
	a := access{e: e, p: p, national: row.National, official: row.Official, manager: manages(p, e, row.National)}
	if row.RollChapterID.Valid {
		rc := row.RollChapterID.UUID
		a.rollChapter = &rc
	}
	if !a.seesElection() {
		return a, c, ballotRules{}, errs.NotFoundf("election not found")
	}
	if !a.seesContest(c) {
		return a, c, ballotRules{}, errs.NotFoundf("contest not found")
	}
	if len(row.BallotIds) != len(row.BallotIndexes) {
		return a, c, ballotRules{}, fmt.Errorf("voting: contest %s: %d ballot ids for %d ballot indexes", c.ID, len(row.BallotIds), len(row.BallotIndexes))
	}
	r := ballotRules{method: c.Method, seats: int(c.Seats), maxRanks: int(c.MaxRanks.Int32),
		approvalLimit: int(c.ApprovalLimit.Int32), ballot: make(map[uuid.UUID]int, len(row.BallotIds))}
	for i, id := range row.BallotIds {
		r.ballot[id] = int(row.BallotIndexes[i])
	}
	return a, c, r, nil
}
