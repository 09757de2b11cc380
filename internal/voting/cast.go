package voting

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// CastReceipt is what a voter gets back for a ballot.
type CastReceipt struct {
	// Receipt is the voter's receipt code, shown once: with it they can
	// replace the ballot before close (when the election allows it) and
	// find it among the published ballots after close. Empty for a
	// roll-call contest, where the vote is public.
	Receipt string
	// ReceiptHash is the hex SHA-256 the published ballot will carry.
	ReceiptHash string
	// RollCall reports an open vote, recorded with the voter's name.
	RollCall bool
}

// rulesFor reads the ballot of contest c: its standing candidates and the
// limits that apply.
func rulesFor(ctx context.Context, q *postgres.Queries, c postgres.VotingContest) (ballotRules, []string, error) {
	cands, err := q.VotingListCandidates(ctx, c.ElectionID)
	if err != nil {
		return ballotRules{}, nil, err
	}
	r := ballotRules{method: c.Method, seats: int(c.Seats), maxRanks: int(c.MaxRanks.Int32),
		approvalLimit: int(c.ApprovalLimit.Int32), ballot: map[uuid.UUID]int{}}
	var names []string
	for _, k := range cands {
		if k.ContestID != c.ID || !k.BallotIndex.Valid {
			continue
		}
		r.ballot[k.ID] = int(k.BallotIndex.Int32)
	}
	names = make([]string, len(r.ballot))
	for _, k := range cands {
		if k.ContestID == c.ID && k.BallotIndex.Valid {
			names[k.BallotIndex.Int32] = k.Name
		}
	}
	return r, names, nil
}

// Cast records the principal's ballot in a contest: choices are candidate
// ids (in preference order for a ranked method; see validateBallot). The
// who-voted row and the sealed ballot are written in one SERIALIZABLE
// transaction, so a voter has one ballot per contest however many
// requests race. A roll-call contest records the choice with the voter.
//
// Errors: NotFound (contest not visible), Forbidden (not on the frozen
// roll for this contest: joined after the record date, not in good
// standing on it, or of another chapter), Conflict (voting not open; the
// voter has already voted), Invalid (the ballot, naming the choice).
func (s *Service) Cast(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, choices []uuid.UUID) (CastReceipt, error) {
	if p == nil {
		return CastReceipt{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	// The fast path: a cached ballot definition and one round trip. It
	// succeeds only for a valid ballot of a voter on the roll for the
	// contest while the election is open (which implies the voter may see
	// the contest); every refusal is explained by castRefusal, which makes
	// the checks in the same order as the uncached path.
	def := s.ballots.get(electionID, contestID)
	if def == nil {
		a, c, rules, err := s.castChecks(ctx, p, electionID, contestID)
		if err != nil {
			return CastReceipt{}, err
		}
		def = &ballotDef{e: a.e, c: c, rules: rules}
		s.ballots.put(def)
	}
	ranking, err := validateBallot(def.rules, choices)
	if err != nil {
		return CastReceipt{}, s.castRefusal(ctx, p, electionID, contestID, err)
	}
	out := CastReceipt{RollCall: def.c.RollCall}
	if def.c.RollCall {
		if _, _, _, err := s.castChecks(ctx, p, electionID, contestID); err != nil {
			return CastReceipt{}, err
		}
		return out, s.castRollCall(ctx, p, electionID, contestID, ranking)
	}
	display, canonical := newReceipt()
	h, _ := ReceiptHash(canonical)
	out.Receipt, out.ReceiptHash = display, hex.EncodeToString(h[:])
	// Sealed under the data key read while the election was open: the
	// statement stores the ballot only if the election still holds that
	// key and is open.
	sealed, lookup, err := s.sealBallot(def.e, contestID, canonical, ranking)
	if err != nil {
		return CastReceipt{}, err
	}
	var res postgres.VotingCastSealedRow
	err = oneTripTx(ctx, s.pool, func(db postgres.DBTX) error {
		var err error
		res, err = postgres.New(db).VotingCastSealed(ctx, postgres.VotingCastSealedParams{ElectionID: electionID, WrappedKey: def.e.WrappedKey,
			MemberID: p.MemberID, ContestChapterID: def.c.ChapterID, ContestID: contestID, VotedOn: s.today(),
			Lookup: lookup, Ciphertext: sealed})
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		s.ballots.drop(electionID, contestID)
		return CastReceipt{}, errs.NotFoundf("election not found")
	case err != nil:
		return CastReceipt{}, err
	case !res.IsOpen:
		s.ballots.drop(electionID, contestID)
		if res.State == StateOpen {
			// Open with another data key: cannot happen (the key is set
			// when voting opens and destroyed at close), so it is a fault.
			return CastReceipt{}, fmt.Errorf("voting: election %s holds another data key than the ballot was sealed under", electionID)
		}
		return CastReceipt{}, s.castRefusal(ctx, p, electionID, contestID, errs.Conflictf("cannot vote: the election is %s", res.State))
	case !res.OnRoll:
		return CastReceipt{}, s.castRefusal(ctx, p, electionID, contestID, nil)
	case !res.IsCast:
		return CastReceipt{}, errAlreadyVoted(res.AllowReplacement)
	}
	return out, nil
}

// castChecks loads the contest and checks, in this order, that the
// principal may see it (NotFound), that voting is open (Conflict) and that
// the principal is on the roll for it (Forbidden).
func (s *Service) castChecks(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) (access, postgres.VotingContest, ballotRules, error) {
	a, c, rules, err := loadCast(ctx, postgres.New(s.pool), p, electionID, contestID)
	if err != nil {
		return a, c, rules, err
	}
	if err := a.mustBeIn("vote", StateOpen); err != nil {
		return a, c, rules, err
	}
	if !a.eligible(c) {
		return a, c, rules, errs.Forbiddenf("you are not on the voter roll for this contest: it holds the members in good standing on the record date %s%s",
			a.e.RecordDate.Format("2006-01-02"), scopeText(a, c))
	}
	return a, c, rules, nil
}

// castRefusal explains a cast the fast path refused: the first error of
// castChecks (the order of the uncached path), else fallback, else an
// internal error (the checks passed where the transaction refused).
func (s *Service) castRefusal(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, fallback error) error {
	if _, _, _, err := s.castChecks(ctx, p, electionID, contestID); err != nil {
		return err
	}
	if fallback != nil {
		return fallback
	}
	return fmt.Errorf("voting: cast of member %s in contest %s refused although the checks pass", p.MemberID, contestID)
}

// castRollCall records an open (roll-call) vote with the voter in one
// SERIALIZABLE transaction that first checks the election is open.
func (s *Service) castRollCall(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, ranking []int16) error {
	today := s.today()
	return s.inSerializableTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		e, err := q.VotingGetElectionForShare(ctx, electionID)
		if err != nil {
			return err
		}
		if e.State != StateOpen {
			return errs.Conflictf("cannot vote: the election is %s", e.State)
		}
		// The primary key of voting_voters is the one-ballot rule. Reading
		// it first would, at SERIALIZABLE, predicate-lock the index page
		// every concurrent voter inserts into and abort their transactions.
		if err := q.VotingInsertVoter(ctx, postgres.VotingInsertVoterParams{ContestID: contestID, MemberID: p.MemberID, VotedOn: today}); err != nil {
			if classify(err, "") != err {
				return errAlreadyVoted(e.AllowReplacement)
			}
			return err
		}
		return q.VotingInsertRollCallVote(ctx, postgres.VotingInsertRollCallVoteParams{ContestID: contestID,
			MemberID: p.MemberID, Ranking: ranking, VotedOn: today})
	})
}

func errAlreadyVoted(replace bool) error {
	if replace {
		return errs.Conflictf("you have already voted in this contest; to change your vote, replace your ballot with its receipt")
	}
	return errs.Conflictf("you have already voted in this contest")
}

func scopeText(a access, c postgres.VotingContest) string {
	if c.ChapterID.Valid {
		return " in the contest's chapter"
	}
	if !a.national {
		return " in the election's chapter"
	}
	return ""
}

// sealBallot encrypts a ballot under election e's data key.
func (s *Service) sealBallot(e postgres.VotingElection, contestID uuid.UUID, canonical string, ranking []int16) (sealed, lookup []byte, err error) {
	dataKey, err := unwrapKey(s.ballotKey, e.WrappedKey, e.ID)
	if err != nil {
		return nil, nil, err
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, nil, err
	}
	h, err := ReceiptHash(canonical)
	if err != nil {
		return nil, nil, err
	}
	lookup = receiptLookup(canonical)
	return seal(aead, plainBallot{receiptHash: h, ranking: ranking}.marshal(), ballotAAD(contestID, lookup)), lookup, nil
}

// Replace replaces the principal's ballot in a contest before close, when
// the election allows it: the receipt finds the sealed ballot, whose
// content is replaced (the receipt stays valid). The who-voted row does
// not change. For a roll-call contest the voter's recorded choice is
// replaced and the receipt is not needed.
//
// Errors: NotFound (contest; no ballot with this receipt in it), Forbidden
// (not a voter in this contest), Conflict (replacement not allowed; voting
// not open), Invalid (receipt or ballot).
func (s *Service) Replace(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, receipt string, choices []uuid.UUID) (CastReceipt, error) {
	q := postgres.New(s.pool)
	a, c, err := loadContest(ctx, q, p, electionID, contestID, false)
	if err != nil {
		return CastReceipt{}, err
	}
	if !a.e.AllowReplacement {
		return CastReceipt{}, errs.Conflictf("this election does not allow replacing a ballot")
	}
	if err := a.mustBeIn("replace a ballot", StateOpen); err != nil {
		return CastReceipt{}, err
	}
	var canonical string
	if !c.RollCall {
		if canonical, err = canonicalReceipt(receipt); err != nil {
			return CastReceipt{}, err
		}
	}
	rules, _, err := rulesFor(ctx, q, c)
	if err != nil {
		return CastReceipt{}, err
	}
	ranking, err := validateBallot(rules, choices)
	if err != nil {
		return CastReceipt{}, err
	}
	out := CastReceipt{RollCall: c.RollCall}
	if !c.RollCall {
		h, _ := ReceiptHash(canonical)
		out.Receipt, out.ReceiptHash = receipt, hex.EncodeToString(h[:])
	}
	today := s.today()
	err = s.inSerializableTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		e, err := q.VotingGetElectionForShare(ctx, electionID)
		if err != nil {
			return err
		}
		if e.State != StateOpen {
			return errs.Conflictf("cannot replace a ballot: the election is %s", e.State)
		}
		voted, err := q.VotingHasVoted(ctx, postgres.VotingHasVotedParams{ContestID: contestID, MemberID: p.MemberID})
		if err != nil {
			return err
		}
		if !voted {
			return errs.Forbiddenf("you have not voted in this contest, so you have no ballot to replace")
		}
		if c.RollCall {
			_, err := q.VotingUpdateRollCallVote(ctx, postgres.VotingUpdateRollCallVoteParams{ContestID: contestID,
				MemberID: p.MemberID, Ranking: ranking, VotedOn: today})
			return err
		}
		sealed, lookup, err := s.sealBallot(e, contestID, canonical, ranking)
		if err != nil {
			return err
		}
		n, err := q.VotingReplaceSealedBallot(ctx, postgres.VotingReplaceSealedBallotParams{ContestID: contestID,
			Lookup: lookup, Ciphertext: sealed})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("no ballot with this receipt in this contest")
		}
		return nil
	})
	if err != nil {
		return CastReceipt{}, err
	}
	return out, nil
}

// ReceiptCheck is the answer to a receipt check.
type ReceiptCheck struct {
	// Status is "stored" (voting still open: a ballot with this receipt is
	// stored, content not shown) or "counted" (published and counted).
	Status      string
	ReceiptHash string
	// Choices are the ballot's candidates as published (preference order
	// for a ranked method); empty before close.
	Choices []string
}

// CheckReceipt tells whoever holds a receipt what became of the ballot.
// While voting is open it confirms that a sealed ballot with this receipt
// is stored, without decrypting it (the content is not needed to confirm
// storage, and nothing is decrypted before close). After close it returns
// the published ballot carrying the receipt's hash. Any member who can see
// the contest may ask. Errors: NotFound (contest; no such ballot), Invalid
// (not a receipt), Conflict (roll-call contest, or not open yet).
func (s *Service) CheckReceipt(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, receipt string) (ReceiptCheck, error) {
	canonical, err := canonicalReceipt(receipt)
	if err != nil {
		return ReceiptCheck{}, err
	}
	q := postgres.New(s.pool)
	a, c, err := loadContest(ctx, q, p, electionID, contestID, false)
	if err != nil {
		return ReceiptCheck{}, err
	}
	if c.RollCall {
		return ReceiptCheck{}, errs.Conflictf("a roll-call contest has no receipts: its votes are published with the voters' names")
	}
	h, _ := ReceiptHash(canonical)
	out := ReceiptCheck{ReceiptHash: hex.EncodeToString(h[:]), Choices: []string{}}
	switch a.e.State {
	case StateOpen:
		ok, err := q.VotingSealedBallotExists(ctx, postgres.VotingSealedBallotExistsParams{ContestID: contestID, Lookup: receiptLookup(canonical)})
		if err != nil {
			return out, err
		}
		if !ok {
			return out, errs.NotFoundf("no ballot with this receipt in this contest")
		}
		out.Status = "stored"
		return out, nil
	case StateClosed, StateCertified:
		b, err := q.VotingBallotByReceipt(ctx, postgres.VotingBallotByReceiptParams{ContestID: contestID, ReceiptHash: h[:]})
		if err != nil {
			return out, notFound(err, "ballot with this receipt")
		}
		_, names, err := rulesFor(ctx, q, c)
		if err != nil {
			return out, err
		}
		for _, r := range b.Ranking {
			out.Choices = append(out.Choices, names[r])
		}
		out.Status = "counted"
		return out, nil
	}
	return out, errs.Conflictf("voting has not opened yet")
}
