package voting

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/blt"
)

// ContestResult is a closed contest's result as published. Results are
// published at close, before certification, so voters can check their
// receipts while the committee can still act; Certified says whether the
// committee has certified them.
type ContestResult struct {
	ContestID uuid.UUID
	Title     string
	Method    string
	Seats     int
	// Winners are the elected candidates in order of election (for a
	// yes/no question, "Yes" or "No").
	Winners []string
	// Result is the count with its round-by-round report.
	Result tally.Result
	// Seed is the seed drawn at close for random tie-breaks; recount with
	// `chapterhouse tally --method METHOD --seed SEED` on the BLT.
	Seed int64
	// Ballots counted and RollSize (the contest's part of the frozen roll):
	// turnout is Ballots / RollSize; TurnoutPercent is that ratio in
	// percent, rounded half up to two decimals (text, no floats).
	Ballots        int
	RollSize       int
	TurnoutPercent string
	// Threshold and Passed are set for a yes/no question.
	Threshold string
	Passed    *bool
	CountedAt time.Time
	Certified bool
	// RollCall lists each voter's choice for an open (roll-call) contest.
	RollCall []RollCallVote
}

// RollCallVote is one voter's recorded choice in a roll-call contest.
type RollCallVote struct {
	MemberID uuid.UUID
	Name     string
	Choices  []string
}

// PublishedBallot is an anonymised ballot: the hash of its receipt and its
// choices by name (preference order for a ranked method).
type PublishedBallot struct {
	ReceiptHash string
	Choices     []string
}

// closedContest loads a contest whose results are public: after close, to
// anyone who may see the contest.
func closedContest(ctx context.Context, q *postgres.Queries, p *auth.Principal, electionID, contestID uuid.UUID) (access, postgres.VotingContest, error) {
	a, c, err := loadContest(ctx, q, p, electionID, contestID, false)
	if err != nil {
		return a, c, err
	}
	if a.e.State != StateClosed && a.e.State != StateCertified {
		return a, c, errs.Conflictf("results are not available before voting closes (the election is %s)", a.e.State)
	}
	return a, c, nil
}

// Results returns a closed contest's result. Errors: NotFound (contest not
// visible), Conflict (voting not closed yet).
func (s *Service) Results(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) (ContestResult, error) {
	q := postgres.New(s.pool)
	a, c, err := closedContest(ctx, q, p, electionID, contestID)
	if err != nil {
		return ContestResult{}, err
	}
	r, err := q.VotingGetResult(ctx, contestID)
	if err != nil {
		return ContestResult{}, notFound(err, "result")
	}
	out := ContestResult{ContestID: c.ID, Title: c.Title, Method: c.Method, Seats: int(c.Seats), Seed: r.Seed,
		Ballots: int(r.Ballots), RollSize: int(r.RollSize), TurnoutPercent: percent(int64(r.Ballots), int64(r.RollSize)),
		CountedAt: r.CountedAt, Certified: a.e.State == StateCertified}
	if err := json.Unmarshal(r.Result, &out.Result); err != nil {
		return out, fmt.Errorf("voting: stored result of %s: %w", c.ID, err)
	}
	out.Winners = out.Result.Elected
	if c.Method == MethodYesNo {
		out.Threshold = *c.Threshold
		passed := len(out.Winners) == 1 && out.Winners[0] == "Yes"
		out.Passed = &passed
	}
	if c.RollCall {
		if out.RollCall, err = rollCallVotes(ctx, q, c); err != nil {
			return out, err
		}
	}
	return out, nil
}

func rollCallVotes(ctx context.Context, q *postgres.Queries, c postgres.VotingContest) ([]RollCallVote, error) {
	_, names, err := rulesFor(ctx, q, c)
	if err != nil {
		return nil, err
	}
	rows, err := q.VotingListRollCallVotes(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := make([]RollCallVote, 0, len(rows))
	for _, r := range rows {
		out = append(out, RollCallVote{MemberID: r.MemberID, Name: strings.TrimSpace(r.GivenName + " " + r.FamilyName),
			Choices: choiceNames(names, r.Ranking)})
	}
	return out, nil
}

func choiceNames(names []string, ranking []int16) []string {
	out := make([]string, len(ranking))
	for i, r := range ranking {
		out[i] = names[r]
	}
	return out
}

// percent returns 100*n/d rounded half up to two decimals, with integers.
func percent(n, d int64) string {
	if d <= 0 {
		return "0.00"
	}
	bp := (n*20000 + d) / (2 * d) // basis points, half up
	return fmt.Sprintf("%d.%02d", bp/100, bp%100)
}

// PublishedBallots returns a closed contest's anonymised ballots, ordered
// by their content and then by receipt hash: never in an order that
// follows casting. Errors as Results; Conflict for a roll-call contest
// (see Results.RollCall).
func (s *Service) PublishedBallots(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) ([]PublishedBallot, error) {
	q := postgres.New(s.pool)
	_, c, err := closedContest(ctx, q, p, electionID, contestID)
	if err != nil {
		return nil, err
	}
	if c.RollCall {
		return nil, errs.Conflictf("a roll-call contest publishes its votes with the voters' names, in its results")
	}
	_, names, err := rulesFor(ctx, q, c)
	if err != nil {
		return nil, err
	}
	rows, err := q.VotingListBallots(ctx, contestID)
	if err != nil {
		return nil, err
	}
	out := make([]PublishedBallot, len(rows))
	for i, r := range rows {
		out[i] = PublishedBallot{ReceiptHash: hex.EncodeToString(r.ReceiptHash), Choices: choiceNames(names, r.Ranking)}
	}
	return out, nil
}

// BLT returns a closed contest's anonymised ballots as a BLT file: one
// line per ballot, whose ballot id is the hex receipt hash, in the order
// of PublishedBallots; the candidates by ballot index; the contest title;
// then the election as source and a comment giving the method, seats and
// seed to recount with (`chapterhouse tally --method M --seed S`). A
// roll-call contest is written with each voter's name as the ballot id
// replaced by a sequence number (its names are in the results). Errors as
// Results.
func (s *Service) BLT(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) ([]byte, error) {
	q := postgres.New(s.pool)
	a, c, err := closedContest(ctx, q, p, electionID, contestID)
	if err != nil {
		return nil, err
	}
	r, err := q.VotingGetResult(ctx, contestID)
	if err != nil {
		return nil, notFound(err, "result")
	}
	_, names, err := rulesFor(ctx, q, c)
	if err != nil {
		return nil, err
	}
	var rankings [][]int16
	var ids []string
	if c.RollCall {
		rows, err := q.VotingListRollCallVotes(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for i, v := range rows {
			rankings = append(rankings, v.Ranking)
			ids = append(ids, "vote-"+strconv.Itoa(i+1))
		}
	} else {
		rows, err := q.VotingListBallots(ctx, contestID)
		if err != nil {
			return nil, err
		}
		for _, b := range rows {
			rankings = append(rankings, b.Ranking)
			ids = append(ids, hex.EncodeToString(b.ReceiptHash))
		}
	}
	contest := tallyContest(c, names, rankings, false)
	contest.Title = bltText(c.Title)
	method := c.Method
	recount := fmt.Sprintf("method %s; seats %d; seed %d; recount: chapterhouse tally --method %s --seed %d FILE",
		method, c.Seats, r.Seed, method, r.Seed)
	if method == MethodYesNo {
		recount = fmt.Sprintf("yes/no question, threshold %s, roll size %d; count the marks (chapterhouse tally --method plurality gives the counts)", *c.Threshold, r.RollSize)
	}
	var buf bytes.Buffer
	err = blt.Write(&buf, &blt.File{Contest: contest, BallotIDs: ids,
		Source: bltText("Chapterhouse election: " + a.e.Title), Comment: recount})
	return buf.Bytes(), err
}

// bltText makes a string safe for a BLT quoted string.
func bltText(s string) string {
	return strings.NewReplacer(`"`, "'", "\r", " ", "\n", " ").Replace(s)
}

// CSV returns a closed contest's anonymised ballots as CSV, one row per
// ballot in the order of PublishedBallots: receipt_hash, then choice_1 ..
// choice_N (candidate names; preference order for a ranked method). A
// roll-call contest has voter instead of receipt_hash. Errors as Results.
func (s *Service) CSV(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) ([]byte, error) {
	q := postgres.New(s.pool)
	_, c, err := closedContest(ctx, q, p, electionID, contestID)
	if err != nil {
		return nil, err
	}
	var first string
	var rows [][]string
	if c.RollCall {
		first = "voter"
		votes, err := rollCallVotes(ctx, q, c)
		if err != nil {
			return nil, err
		}
		for _, v := range votes {
			rows = append(rows, append([]string{v.Name}, v.Choices...))
		}
	} else {
		first = "receipt_hash"
		ballots, err := s.PublishedBallots(ctx, p, electionID, contestID)
		if err != nil {
			return nil, err
		}
		for _, b := range ballots {
			rows = append(rows, append([]string{b.ReceiptHash}, b.Choices...))
		}
	}
	_, names, err := rulesFor(ctx, q, c)
	if err != nil {
		return nil, err
	}
	width := len(names)
	if ranked(c.Method) && c.MaxRanks.Valid {
		width = min(width, int(c.MaxRanks.Int32))
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{first}
	for i := range width {
		header = append(header, "choice_"+strconv.Itoa(i+1))
	}
	w.Write(header)
	for _, r := range rows {
		for len(r) < width+1 {
			r = append(r, "")
		}
		w.Write(r)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
