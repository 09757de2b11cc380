package voting

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/count"
)

// The states of an election, in life-cycle order: draft -> (nominations)
// -> open -> closed -> certified.
const (
	StateDraft       = "draft"
	StateNominations = "nominations"
	StateOpen        = "open"
	StateClosed      = "closed"
	StateCertified   = "certified"
)

// MethodYesNo is the method of a yes/no/abstain question; every other
// method is one of count.Methods().
const MethodYesNo = "yesno"

// Methods returns the methods a contest may use: count.Methods() and
// MethodYesNo.
func Methods() []string { return append(count.Methods(), MethodYesNo) }

// ranked reports whether the method reads preferences (ranks) rather than
// marks.
func ranked(method string) bool {
	switch method {
	case count.IRV, count.STVScottish, count.STVWIGMPRF, count.STVMeekPRF, count.Schulze:
		return true
	}
	return false
}

// Election is an election as its viewer may see it.
type Election struct {
	ID uuid.UUID
	// ChapterID holds the election: a chapter, or the national body.
	ChapterID        uuid.UUID
	National         bool
	Title            string
	Description      string
	State            string
	RecordDate       time.Time
	AllowReplacement bool
	MinNominations   int
	// RollFrozen reports whether the voter roll has been frozen; RollSize
	// is its size then.
	RollFrozen  bool
	RollSize    int
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
	OpenedAt    *time.Time
	ClosedAt    *time.Time
	CertifiedAt *time.Time
	CertifiedBy *uuid.UUID
	Officials   []Official
	// Contests are the contests the viewer may see, in ballot order.
	Contests []Contest
	// ViewerIsOfficial and ViewerCanManage describe the viewer's rights.
	ViewerIsOfficial bool
	ViewerCanManage  bool
}

// Official is a member of the election committee.
type Official struct {
	MemberID  uuid.UUID
	Name      string
	ChapterID uuid.UUID
}

// Contest is one question or race of an election.
type Contest struct {
	ID         uuid.UUID
	ElectionID uuid.UUID
	// ChapterID is set for a per-chapter contest of a national election.
	ChapterID   *uuid.UUID
	Position    int
	Title       string
	Description string
	Method      string
	Seats       int
	// Threshold is set for a yes/no question (tally.Threshold names).
	Threshold string
	// MaxRanks bounds the preferences of a ranked ballot; 0 for no bound
	// beyond the number of candidates.
	MaxRanks int
	// ApprovalLimit bounds the marks of an approval ballot; 0 for none.
	ApprovalLimit int
	// RollCall marks an open vote: each voter's choice is recorded with
	// their name and published.
	RollCall   bool
	Candidates []Candidate
	// ViewerEligible and ViewerVoted describe the viewer: on the roll for
	// this contest, and has voted in it.
	ViewerEligible bool
	ViewerVoted    bool
}

// Candidate is a candidate (a member standing) or an option of a question.
type Candidate struct {
	ID        uuid.UUID
	ContestID uuid.UUID
	Name      string
	// MemberID is the member standing; nil for an option.
	MemberID  *uuid.UUID
	Statement string
	// Source is "committee" (added by the officials) or "nomination".
	Source      string
	Accepted    bool
	Nominations int
	// BallotIndex is the candidate's place on the ballot once voting
	// opens (from 0); -1 for one not on the ballot.
	BallotIndex int
}

func timePtr(t pgtype.Timestamptz) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

func uuidPtr(u uuid.NullUUID) *uuid.UUID {
	if !u.Valid {
		return nil
	}
	v := u.UUID
	return &v
}

func nullUUID(u *uuid.UUID) uuid.NullUUID {
	if u == nil {
		return uuid.NullUUID{}
	}
	return uuid.NullUUID{UUID: *u, Valid: true}
}

func int4(n int) pgtype.Int4 { return pgtype.Int4{Int32: int32(n), Valid: n > 0} }

func contestFrom(c postgres.VotingContest) Contest {
	out := Contest{ID: c.ID, ElectionID: c.ElectionID, ChapterID: uuidPtr(c.ChapterID), Position: int(c.Position),
		Title: c.Title, Description: c.Description, Method: c.Method, Seats: int(c.Seats),
		MaxRanks: int(c.MaxRanks.Int32), ApprovalLimit: int(c.ApprovalLimit.Int32), RollCall: c.RollCall}
	if c.Threshold != nil {
		out.Threshold = *c.Threshold
	}
	return out
}

func candidateFrom(c postgres.VotingCandidate, nominations int32) Candidate {
	out := Candidate{ID: c.ID, ContestID: c.ContestID, Name: c.Name, MemberID: uuidPtr(c.MemberID),
		Statement: c.Statement, Source: c.Source, Accepted: c.Accepted, Nominations: int(nominations), BallotIndex: -1}
	if c.BallotIndex.Valid {
		out.BallotIndex = int(c.BallotIndex.Int32)
	}
	return out
}

// access is what a principal may do with one election.
type access struct {
	e        postgres.VotingElection
	national bool
	official bool
	manager  bool
	// rollChapter is the principal's chapter on the frozen roll; nil when
	// they are not on it.
	rollChapter *uuid.UUID
	p           *auth.Principal
}

// accessTo works out the principal's rights in election e.
func accessTo(ctx context.Context, q *postgres.Queries, p *auth.Principal, e postgres.VotingElection) (access, error) {
	if p == nil {
		return access{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	a := access{e: e, p: p}
	ch, err := q.GetChapter(ctx, e.ChapterID)
	if err != nil {
		return a, err
	}
	a.national = ch.Kind == "national"
	a.manager = manages(p, e, a.national)
	if a.official, err = q.VotingIsOfficial(ctx, postgres.VotingIsOfficialParams{ElectionID: e.ID, MemberID: p.MemberID}); err != nil {
		return a, err
	}
	rc, err := q.VotingRollChapter(ctx, postgres.VotingRollChapterParams{ElectionID: e.ID, MemberID: p.MemberID})
	switch {
	case err == nil:
		a.rollChapter = &rc
	case errors.Is(err, pgx.ErrNoRows):
	default:
		return a, err
	}
	return a, nil
}

// manages reports whether p may manage election e: a national admin for a
// national election, else a holder of elections.manage in its chapter.
func manages(p *auth.Principal, e postgres.VotingElection, national bool) bool {
	if national {
		return p.IsNationalAdmin()
	}
	return p.Can(auth.ElectionsManage, e.ChapterID)
}

// seesElection: officials and managers always; members in scope once the
// election leaves draft.
func (a access) seesElection() bool {
	if a.official || a.manager {
		return true
	}
	if a.e.State == StateDraft {
		return false
	}
	return a.national || a.p.ChapterID == a.e.ChapterID || a.rollChapter != nil
}

// seesContest: a per-chapter contest is for that chapter's members only.
func (a access) seesContest(c postgres.VotingContest) bool {
	if !a.seesElection() {
		return false
	}
	if a.official || a.manager || !c.ChapterID.Valid {
		return true
	}
	return a.p.ChapterID == c.ChapterID.UUID || (a.rollChapter != nil && *a.rollChapter == c.ChapterID.UUID)
}

// eligible: on the roll, and in the contest's chapter for a per-chapter
// contest.
func (a access) eligible(c postgres.VotingContest) bool {
	if a.rollChapter == nil {
		return false
	}
	return !c.ChapterID.Valid || *a.rollChapter == c.ChapterID.UUID
}

// mustRun refuses anyone but an official.
func (a access) mustRun(what string) error {
	if !a.official {
		return errs.Forbiddenf("only the election's officials may %s", what)
	}
	return nil
}

// mustBeIn refuses unless the election is in one of the states.
func (a access) mustBeIn(what string, states ...string) error {
	if !slices.Contains(states, a.e.State) {
		return errs.Conflictf("cannot %s: the election is %s", what, a.e.State)
	}
	return nil
}

// loadElection reads an election (locking it FOR UPDATE when lock is set)
// and the principal's access; an election the principal may not see is
// NotFound.
func loadElection(ctx context.Context, q *postgres.Queries, p *auth.Principal, id uuid.UUID, lock bool) (access, error) {
	var e postgres.VotingElection
	var err error
	if lock {
		e, err = q.VotingGetElectionForUpdate(ctx, id)
	} else {
		e, err = q.VotingGetElection(ctx, id)
	}
	if err != nil {
		return access{}, notFound(err, "election")
	}
	a, err := accessTo(ctx, q, p, e)
	if err != nil {
		return a, err
	}
	if !a.seesElection() {
		return a, errs.NotFoundf("election not found")
	}
	return a, nil
}

// loadContest reads a contest and its election's access; a contest the
// principal may not see is NotFound.
func loadContest(ctx context.Context, q *postgres.Queries, p *auth.Principal, electionID, contestID uuid.UUID, lock bool) (access, postgres.VotingContest, error) {
	a, err := loadElection(ctx, q, p, electionID, lock)
	if err != nil {
		return a, postgres.VotingContest{}, err
	}
	c, err := q.VotingGetContest(ctx, contestID)
	if err != nil || c.ElectionID != electionID {
		return a, c, errs.NotFoundf("contest not found")
	}
	if !a.seesContest(c) {
		return a, c, errs.NotFoundf("contest not found")
	}
	return a, c, nil
}

func int4p(n int) pgtype.Int4 { return pgtype.Int4{Int32: int32(n), Valid: true} }

func itoa(n int) string { return strconv.Itoa(n) }

// sortByBallot orders candidates by ballot index, those not on the ballot
// last.
func sortByBallot(cs []Candidate) {
	slices.SortStableFunc(cs, func(a, b Candidate) int {
		ai, bi := a.BallotIndex, b.BallotIndex
		if ai < 0 {
			ai = 1 << 30
		}
		if bi < 0 {
			bi = 1 << 30
		}
		return ai - bi
	})
}
