package voting

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"runtime"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/count"
)

// Close closes voting and counts every contest, in one SERIALIZABLE
// transaction: the sealed ballots of each contest are decrypted (in
// parallel), checked against the who-voted count, shuffled with a
// cryptographic random source, written with fresh random ids into the
// published ballots table (COPY) and deleted; the contest is counted with
// package tally under a seed drawn from crypto/rand; the result, its rounds,
// the seed, the ballot count and the roll size are stored. The election's
// data key is destroyed. Officials only.
//
// Errors: NotFound, Forbidden, Conflict (not open; no ballot key), and
// internal errors when a sealed ballot does not decrypt or the number of
// sealed ballots differs from the number of voters (nothing is changed).
func (s *Service) Close(ctx context.Context, p *auth.Principal, id uuid.UUID) (Election, error) {
	if len(s.ballotKey) != KeySize {
		return Election{}, errs.Conflictf("this server has no ballot key (CHAPTERHOUSE_BALLOT_KEY), so it cannot close an election")
	}
	err := s.inSerializableTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if err := a.mustRun("close voting"); err != nil {
			return err
		}
		if err := a.mustBeIn("close voting", StateOpen); err != nil {
			return err
		}
		dataKey, err := unwrapKey(s.ballotKey, a.e.WrappedKey, id)
		if err != nil {
			return err
		}
		contests, err := q.VotingListContests(ctx, id)
		if err != nil {
			return err
		}
		summary := map[string]any{}
		for _, c := range contests {
			res, n, err := s.closeContest(ctx, q, a, c, dataKey)
			if err != nil {
				return fmt.Errorf("close contest %s: %w", c.ID, err)
			}
			summary[c.ID.String()] = map[string]any{"ballots": n, "elected": res.Elected, "seed": res.Seed}
		}
		if _, err := q.VotingCloseElection(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.close", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"contests": summary}})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// closeContest publishes and counts one contest's ballots.
func (s *Service) closeContest(ctx context.Context, q *postgres.Queries, a access, c postgres.VotingContest, dataKey []byte) (tally.Result, int, error) {
	rollSize, err := q.VotingRollSize(ctx, postgres.VotingRollSizeParams{ElectionID: a.e.ID, ChapterID: c.ChapterID})
	if err != nil {
		return tally.Result{}, 0, err
	}
	voters, err := q.VotingCountVoters(ctx, c.ID)
	if err != nil {
		return tally.Result{}, 0, err
	}
	var rankings [][]int16
	if c.RollCall {
		rows, err := q.VotingListRollCallVotes(ctx, c.ID)
		if err != nil {
			return tally.Result{}, 0, err
		}
		for _, r := range rows {
			rankings = append(rankings, r.Ranking)
		}
	} else {
		rows, err := q.VotingListSealedBallots(ctx, c.ID)
		if err != nil {
			return tally.Result{}, 0, err
		}
		ballots, err := openAll(dataKey, c.ID, rows)
		if err != nil {
			return tally.Result{}, 0, err
		}
		shuffle(ballots)
		params := make([]postgres.VotingCopyBallotsParams, len(ballots))
		ids := randomIDs(len(ballots))
		for i, b := range ballots {
			params[i] = postgres.VotingCopyBallotsParams{ID: ids[i], ContestID: c.ID, ReceiptHash: b.receiptHash[:], Ranking: b.ranking}
			rankings = append(rankings, b.ranking)
		}
		if _, err := q.VotingCopyBallots(ctx, params); err != nil {
			return tally.Result{}, 0, err
		}
		if _, err := q.VotingDeleteSealedBallots(ctx, c.ID); err != nil {
			return tally.Result{}, 0, err
		}
	}
	if len(rankings) != int(voters) {
		return tally.Result{}, 0, fmt.Errorf("voting: contest %s has %d ballots for %d voters", c.ID, len(rankings), voters)
	}
	rules, names, err := rulesFor(ctx, q, c)
	if err != nil {
		return tally.Result{}, 0, err
	}
	seed := newSeed()
	contest := tallyContest(c, names, rankings, true)
	res, err := countContest(c, contest, seed, int64(rollSize), rules)
	if err != nil {
		return tally.Result{}, 0, err
	}
	js, err := json.Marshal(res)
	if err != nil {
		return tally.Result{}, 0, err
	}
	if err := q.VotingInsertResult(ctx, postgres.VotingInsertResultParams{ContestID: c.ID, Result: js, Seed: seed,
		Ballots: int32(len(rankings)), RollSize: rollSize, CountedAt: s.now()}); err != nil {
		return tally.Result{}, 0, err
	}
	return res, len(rankings), nil
}

// countContest counts a contest by its method; a yes/no question is decided
// by tally.YesNo against its threshold (majority of the electorate uses the
// contest's roll size).
func countContest(c postgres.VotingContest, contest tally.Contest, seed, rollSize int64, rules ballotRules) (tally.Result, error) {
	if c.Method != MethodYesNo {
		return count.Count(c.Method, contest, count.Options{Seed: &seed, ApprovalLimit: rules.approvalLimit})
	}
	t, err := tally.ParseThreshold(*c.Threshold)
	if err != nil {
		return tally.Result{}, err
	}
	var v tally.YesNoVotes
	for _, b := range contest.Ballots {
		for _, rank := range b.Ranks {
			for _, id := range rank {
				switch id {
				case 0:
					v.Yes += b.Weight
				case 1:
					v.No += b.Weight
				default:
					v.Abstain += b.Weight
				}
			}
		}
	}
	o, err := tally.YesNo(v, t, rollSize)
	if err != nil {
		return tally.Result{}, err
	}
	return o.Result(), nil
}

// tallyContest builds the count's input: candidates by ballot index, one
// ballot per ranking (grouped when group is set). A ranked ballot has one
// candidate per preference; a marks ballot one rank holding every mark; a
// blank ballot no ranks.
func tallyContest(c postgres.VotingContest, names []string, rankings [][]int16, group bool) tally.Contest {
	ballots := make([]tally.Ballot, len(rankings))
	isRanked := ranked(c.Method)
	for i, r := range rankings {
		ballots[i] = tally.Ballot{Weight: 1, Ranks: ranksOf(r, isRanked)}
	}
	if group {
		ballots = tally.Group(ballots)
	}
	return tally.Contest{Title: c.Title, Candidates: names, Seats: int(c.Seats), Ballots: ballots}
}

func ranksOf(r []int16, isRanked bool) [][]int {
	if len(r) == 0 {
		return nil
	}
	if isRanked {
		out := make([][]int, len(r))
		for j, id := range r {
			out[j] = []int{int(id)}
		}
		return out
	}
	marks := make([]int, len(r))
	for j, id := range r {
		marks[j] = int(id)
	}
	return [][]int{marks}
}

// openAll decrypts sealed ballots in parallel over GOMAXPROCS workers.
func openAll(dataKey []byte, contest uuid.UUID, rows []postgres.VotingListSealedBallotsRow) ([]plainBallot, error) {
	out := make([]plainBallot, len(rows))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(rows)/1000+1))
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	chunk := (len(rows) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(len(rows), (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			aead, err := newGCM(dataKey)
			if err != nil {
				errc <- err
				return
			}
			if err := openRange(aead, contest, rows[lo:hi], out[lo:hi]); err != nil {
				errc <- err
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return out, nil
}

func openRange(aead cipher.AEAD, contest uuid.UUID, rows []postgres.VotingListSealedBallotsRow, out []plainBallot) error {
	for i, r := range rows {
		plain, err := open(aead, r.Ciphertext, ballotAAD(contest, r.Lookup))
		if err != nil {
			return fmt.Errorf("voting: a sealed ballot of contest %s does not decrypt: %w", contest, err)
		}
		if out[i], err = unmarshalPlain(plain); err != nil {
			return err
		}
	}
	return nil
}

// shuffle permutes ballots uniformly with a ChaCha8 stream keyed from
// crypto/rand, so the published order carries nothing of the cast order.
func shuffle(b []plainBallot) {
	var key [32]byte
	rand.Read(key[:])
	r := mrand.New(mrand.NewChaCha8(key))
	r.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
}

// randomIDs returns n random (version 4) UUIDs from one read of
// crypto/rand.
func randomIDs(n int) []uuid.UUID {
	buf := make([]byte, 16*n)
	rand.Read(buf)
	ids := make([]uuid.UUID, n)
	for i := range ids {
		copy(ids[i][:], buf[16*i:])
		ids[i][6] = ids[i][6]&0x0f | 0x40
		ids[i][8] = ids[i][8]&0x3f | 0x80
	}
	return ids
}

// newSeed draws a non-negative tie-break seed from crypto/rand.
func newSeed() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) >> 1)
}
