package voting

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// ElectionInput defines an election.
type ElectionInput struct {
	// ChapterID holds the election: a chapter, or the national body for a
	// national election.
	ChapterID        uuid.UUID
	Title            string
	Description      string
	RecordDate       time.Time
	AllowReplacement bool
	// MinNominations is the number of nominations a nominated candidate
	// needs to stand; 0 means 1.
	MinNominations int
	// Officials is the election committee.
	Officials []uuid.UUID
}

// ElectionPatch changes an election's rules; nil fields stay as they are.
type ElectionPatch struct {
	Title            *string
	Description      *string
	RecordDate       *time.Time
	AllowReplacement *bool
	MinNominations   *int
}

func normTitle(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len([]rune(s)) > 200 {
		return "", errs.Field(field, "must be 1 to 200 characters")
	}
	return s, nil
}

func checkMinNominations(n int) error {
	if n < 1 || n > 1000 {
		return errs.Field("/min_nominations", "must be between 1 and 1000")
	}
	return nil
}

// CreateElection creates a draft election and its committee. A chapter
// election needs the elections manage permission in the chapter; a
// national election needs a national admin. The committee may not include
// a candidate (there are none yet). Errors: Forbidden, NotFound (chapter),
// Invalid (title, min nominations, unknown official), Conflict (dissolved
// chapter).
func (s *Service) CreateElection(ctx context.Context, p *auth.Principal, in ElectionInput) (Election, error) {
	if p == nil {
		return Election{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	var err error
	if in.Title, err = normTitle("/title", in.Title); err != nil {
		return Election{}, err
	}
	if len(in.Description) > 10000 {
		return Election{}, errs.Field("/description", "must be at most 10000 characters")
	}
	if in.MinNominations == 0 {
		in.MinNominations = 1
	}
	if err := checkMinNominations(in.MinNominations); err != nil {
		return Election{}, err
	}
	var id uuid.UUID
	err = s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		ch, err := q.GetChapter(ctx, in.ChapterID)
		if err != nil {
			return notFound(err, "chapter")
		}
		if ch.Kind == "national" && !p.IsNationalAdmin() {
			return errs.Forbiddenf("only a national admin may create a national election")
		}
		if ch.Kind != "national" && !p.Can(auth.ElectionsManage, ch.ID) {
			return errs.Forbiddenf("you may not create elections in this chapter")
		}
		if ch.DissolvedOn != nil {
			return errs.Conflictf("chapter %s is dissolved", ch.Slug)
		}
		e, err := q.VotingCreateElection(ctx, postgres.VotingCreateElectionParams{
			ChapterID: ch.ID, Title: in.Title, Description: in.Description, RecordDate: in.RecordDate,
			AllowReplacement: in.AllowReplacement, MinNominations: int32(in.MinNominations), CreatedBy: p.MemberID,
		})
		if err != nil {
			return classify(err, "conflicts with an existing election")
		}
		id = e.ID
		if err := setOfficials(ctx, q, e.ID, in.Officials); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.create", Entity: "election",
			EntityID: e.ID.String(), ChapterID: ch.ID, Data: map[string]any{
				"title": in.Title, "record_date": in.RecordDate.Format(time.DateOnly), "officials": in.Officials,
				"allow_replacement": in.AllowReplacement, "min_nominations": in.MinNominations}})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// setOfficials replaces the committee, refusing a member who is a
// candidate or nominee in the election.
func setOfficials(ctx context.Context, q *postgres.Queries, election uuid.UUID, members []uuid.UUID) error {
	if err := q.VotingDeleteOfficials(ctx, election); err != nil {
		return err
	}
	seen := map[uuid.UUID]bool{}
	for i, m := range members {
		if seen[m] {
			continue
		}
		seen[m] = true
		field := "/officials/" + itoa(i)
		mem, err := q.GetMember(ctx, m)
		if err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errs.Field(field, "no such member")
			}
			return err
		}
		cand, err := q.VotingMemberIsCandidate(ctx, postgres.VotingMemberIsCandidateParams{
			ElectionID: election, MemberID: uuid.NullUUID{UUID: m, Valid: true}})
		if err != nil {
			return err
		}
		if cand {
			return &errs.Error{Kind: errs.Conflict, Field: field,
				Msg: mem.GivenName + " " + mem.FamilyName + " is a candidate or nominee in this election and cannot be an official of it"}
		}
		if err := q.VotingInsertOfficial(ctx, postgres.VotingInsertOfficialParams{ElectionID: election, MemberID: m}); err != nil {
			return err
		}
	}
	return nil
}

// GetElection returns an election with the contests the principal may see.
// Drafts are visible to officials and managers only; an election outside
// the principal's scope is NotFound.
func (s *Service) GetElection(ctx context.Context, p *auth.Principal, id uuid.UUID) (Election, error) {
	q := postgres.New(s.pool)
	a, err := loadElection(ctx, q, p, id, false)
	if err != nil {
		return Election{}, err
	}
	return s.view(ctx, q, a)
}

// view builds the Election a principal sees.
func (s *Service) view(ctx context.Context, q *postgres.Queries, a access) (Election, error) {
	e := a.e
	out := Election{ID: e.ID, ChapterID: e.ChapterID, National: a.national, Title: e.Title, Description: e.Description,
		State: e.State, RecordDate: e.RecordDate, AllowReplacement: e.AllowReplacement, MinNominations: int(e.MinNominations),
		RollFrozen: e.RollFrozenAt.Valid, RollSize: int(e.RollSize.Int32), CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt,
		OpenedAt: timePtr(e.OpenedAt), ClosedAt: timePtr(e.ClosedAt), CertifiedAt: timePtr(e.CertifiedAt),
		CertifiedBy: uuidPtr(e.CertifiedBy), ViewerIsOfficial: a.official, ViewerCanManage: a.manager,
		Officials: []Official{}, Contests: []Contest{}}
	offs, err := q.VotingListOfficials(ctx, e.ID)
	if err != nil {
		return out, err
	}
	for _, o := range offs {
		out.Officials = append(out.Officials, Official{MemberID: o.MemberID, Name: strings.TrimSpace(o.GivenName + " " + o.FamilyName), ChapterID: o.ChapterID})
	}
	contests, err := q.VotingListContests(ctx, e.ID)
	if err != nil {
		return out, err
	}
	cands, err := q.VotingListCandidates(ctx, e.ID)
	if err != nil {
		return out, err
	}
	voted, err := q.VotingVotedContests(ctx, postgres.VotingVotedContestsParams{ElectionID: e.ID, MemberID: a.p.MemberID})
	if err != nil {
		return out, err
	}
	for _, c := range contests {
		if !a.seesContest(c) {
			continue
		}
		v := contestFrom(c)
		v.Candidates = []Candidate{}
		v.ViewerEligible = a.eligible(c)
		for _, id := range voted {
			if id == c.ID {
				v.ViewerVoted = true
			}
		}
		for _, k := range cands {
			if k.ContestID != c.ID {
				continue
			}
			cand := candidateFrom(postgres.VotingCandidate{ID: k.ID, ContestID: k.ContestID, Position: k.Position,
				Name: k.Name, MemberID: k.MemberID, Statement: k.Statement, Source: k.Source, Accepted: k.Accepted,
				BallotIndex: k.BallotIndex}, k.Nominations)
			// Once voting opens the ballot is what counts: candidates who
			// do not stand drop out of the public view.
			if e.State != StateDraft && e.State != StateNominations && cand.BallotIndex < 0 && !a.official && !a.manager {
				continue
			}
			v.Candidates = append(v.Candidates, cand)
		}
		if e.State != StateDraft && e.State != StateNominations {
			sortByBallot(v.Candidates)
		}
		out.Contests = append(out.Contests, v)
	}
	return out, nil
}

// ListElections returns the elections the principal may see, newest first:
// those of their chapter and the national ones once out of draft, those of
// chapters where they may manage elections, and those they are an official
// of.
func (s *Service) ListElections(ctx context.Context, p *auth.Principal) ([]Election, error) {
	if p == nil {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	q := postgres.New(s.pool)
	all, managed := p.Scope(auth.ElectionsManage)
	chapters := append([]uuid.UUID{p.ChapterID}, managed...)
	national, err := q.GetNationalChapter(ctx)
	if err == nil {
		chapters = append(chapters, national.ID)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	rows, err := q.VotingListElections(ctx, postgres.VotingListElectionsParams{AllChapters: all, Chapters: chapters, MemberID: p.MemberID})
	if err != nil {
		return nil, err
	}
	out := []Election{}
	for _, e := range rows {
		a, err := accessTo(ctx, q, p, e)
		if err != nil {
			return nil, err
		}
		if !a.seesElection() {
			continue
		}
		v, err := s.view(ctx, q, a)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// UpdateElection changes an election's rules. Officials only, and only
// before voting opens; the record date cannot change once the roll is
// frozen. Errors: NotFound, Forbidden, Conflict (state, frozen roll),
// Invalid.
func (s *Service) UpdateElection(ctx context.Context, p *auth.Principal, id uuid.UUID, patch ElectionPatch) (Election, error) {
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if err := a.mustRun("change the election"); err != nil {
			return err
		}
		if err := a.mustBeIn("change the rules (they lock when voting opens)", StateDraft, StateNominations); err != nil {
			return err
		}
		e := a.e
		var changed []string
		if patch.Title != nil {
			if e.Title, err = normTitle("/title", *patch.Title); err != nil {
				return err
			}
			changed = append(changed, "title")
		}
		if patch.Description != nil {
			if len(*patch.Description) > 10000 {
				return errs.Field("/description", "must be at most 10000 characters")
			}
			e.Description = *patch.Description
			changed = append(changed, "description")
		}
		if patch.RecordDate != nil && !patch.RecordDate.Equal(e.RecordDate) {
			if e.RollFrozenAt.Valid {
				return &errs.Error{Kind: errs.Conflict, Field: "/record_date", Msg: "the voter roll is already frozen at the record date"}
			}
			e.RecordDate = *patch.RecordDate
			changed = append(changed, "record_date")
		}
		if patch.AllowReplacement != nil {
			e.AllowReplacement = *patch.AllowReplacement
			changed = append(changed, "allow_replacement")
		}
		if patch.MinNominations != nil {
			if err := checkMinNominations(*patch.MinNominations); err != nil {
				return err
			}
			e.MinNominations = int32(*patch.MinNominations)
			changed = append(changed, "min_nominations")
		}
		if _, err := q.VotingUpdateElection(ctx, postgres.VotingUpdateElectionParams{ID: e.ID, Title: e.Title,
			Description: e.Description, RecordDate: e.RecordDate, AllowReplacement: e.AllowReplacement,
			MinNominations: e.MinNominations}); err != nil {
			return classify(err, "conflicts with an existing election")
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.update", Entity: "election",
			EntityID: e.ID.String(), ChapterID: e.ChapterID, Data: map[string]any{"changed": changed}})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// SetOfficials replaces the election committee. It needs the right to
// create the election (elections manage in the chapter; national admin for
// a national election), before voting opens. A member who is a candidate
// or nominee in the election is refused (Conflict naming them).
func (s *Service) SetOfficials(ctx context.Context, p *auth.Principal, id uuid.UUID, members []uuid.UUID) (Election, error) {
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if !a.manager {
			return errs.Forbiddenf("you may not appoint this election's officials")
		}
		if err := a.mustBeIn("change the officials", StateDraft, StateNominations); err != nil {
			return err
		}
		if err := setOfficials(ctx, q, id, members); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.officials", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"officials": members}})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// StartNominations moves a draft election to nominations, where members
// nominate candidates and nominees accept. Officials only.
func (s *Service) StartNominations(ctx context.Context, p *auth.Principal, id uuid.UUID) (Election, error) {
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if err := a.mustRun("open nominations"); err != nil {
			return err
		}
		if err := a.mustBeIn("open nominations", StateDraft); err != nil {
			return err
		}
		if _, err := q.VotingSetElectionState(ctx, postgres.VotingSetElectionStateParams{ID: id, State: StateNominations}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.nominations", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// freezeRoll stores the voter roll as of the record date (see the
// VotingFreezeRoll query for the rule) and returns its size.
func (s *Service) freezeRoll(ctx context.Context, q *postgres.Queries, a access) (int64, error) {
	if a.e.RecordDate.After(s.today()) {
		return 0, errs.Conflictf("the record date %s is still ahead: the roll can be frozen from that day on", a.e.RecordDate.Format(time.DateOnly))
	}
	// Standing follows from facts (payments, waivers, imported paid-through
	// dates) through a recompute queue; a roll frozen while members in scope
	// still wait in it would use their old standing.
	pending, err := q.VotingPendingStanding(ctx, postgres.VotingPendingStandingParams{AllChapters: a.national, ChapterID: a.e.ChapterID})
	if err != nil {
		return 0, err
	}
	if pending > 0 {
		return 0, errs.Conflictf("the dues standing of %d member(s) in scope is being brought up to date (after an import or a payment): try again in a moment", pending)
	}
	if err := q.VotingDeleteRoll(ctx, a.e.ID); err != nil {
		return 0, err
	}
	n, err := q.VotingFreezeRoll(ctx, postgres.VotingFreezeRollParams{ElectionID: a.e.ID, RecordDate: a.e.RecordDate,
		AllChapters: a.national, ChapterID: a.e.ChapterID})
	if err != nil {
		return 0, err
	}
	_, err = q.VotingSetRollFrozen(ctx, postgres.VotingSetRollFrozenParams{ID: a.e.ID, RollSize: int4(int(n))})
	return n, err
}

// FreezeRoll freezes (or, before voting opens, freezes again) the voter
// roll at the record date, which must not be in the future. Officials
// only. Errors: NotFound, Forbidden, Conflict (state, future record date).
func (s *Service) FreezeRoll(ctx context.Context, p *auth.Principal, id uuid.UUID) (Election, error) {
	if s.settle != nil {
		if err := s.settle(ctx); err != nil {
			return Election{}, err
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if err := a.mustRun("freeze the roll"); err != nil {
			return err
		}
		if err := a.mustBeIn("freeze the roll", StateDraft, StateNominations); err != nil {
			return err
		}
		n, err := s.freezeRoll(ctx, q, a)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.roll_freeze", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID,
			Data: map[string]any{"record_date": a.e.RecordDate.Format(time.DateOnly), "roll_size": n}})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// Open opens voting: it freezes the roll if it is not frozen yet, fixes
// each contest's ballot (committee candidates and options; nominees who
// accepted and have at least the minimum number of nominations), and
// creates the election's data key, stored wrapped by the server's ballot
// key. Officials only; rules and contests lock from here on.
//
// Errors: NotFound, Forbidden, Conflict (state, no ballot key, future
// record date), Invalid (a contest with no contests, or fewer standing
// candidates than seats, named by contest).
func (s *Service) Open(ctx context.Context, p *auth.Principal, id uuid.UUID) (Election, error) {
	if len(s.ballotKey) != KeySize {
		return Election{}, errs.Conflictf("this server has no ballot key (CHAPTERHOUSE_BALLOT_KEY), so it cannot open an election")
	}
	if s.settle != nil {
		// Opening freezes the roll when it is not frozen yet.
		if err := s.settle(ctx); err != nil {
			return Election{}, err
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if err := a.mustRun("open voting"); err != nil {
			return err
		}
		if err := a.mustBeIn("open voting", StateDraft, StateNominations); err != nil {
			return err
		}
		rollSize := int64(a.e.RollSize.Int32)
		if !a.e.RollFrozenAt.Valid {
			if rollSize, err = s.freezeRoll(ctx, q, a); err != nil {
				return err
			}
		}
		contests, err := q.VotingListContests(ctx, id)
		if err != nil {
			return err
		}
		if len(contests) == 0 {
			return errs.Conflictf("the election has no contests")
		}
		cands, err := q.VotingListCandidates(ctx, id)
		if err != nil {
			return err
		}
		standing := map[string]any{}
		for _, c := range contests {
			n := 0
			for _, k := range cands {
				if k.ContestID != c.ID {
					continue
				}
				stands := k.Source == "committee" || (k.Accepted && k.Nominations >= a.e.MinNominations)
				if !stands {
					continue
				}
				if err := q.VotingSetBallotIndex(ctx, postgres.VotingSetBallotIndexParams{ID: k.ID, BallotIndex: int4p(n)}); err != nil {
					return err
				}
				n++
			}
			if n == 0 || (c.Method != MethodYesNo && n < int(c.Seats)) {
				return &errs.Error{Kind: errs.Invalid, Field: "/contests/" + c.ID.String(),
					Msg: "contest " + c.Title + " has " + itoa(n) + " standing candidates for " + itoa(int(c.Seats)) + " seats"}
			}
			standing[c.ID.String()] = n
		}
		dataKey := make([]byte, KeySize)
		rand.Read(dataKey)
		wrapped, err := wrapKey(s.ballotKey, dataKey, id)
		if err != nil {
			return err
		}
		if _, err := q.VotingOpenElection(ctx, postgres.VotingOpenElectionParams{ID: id, WrappedKey: wrapped}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.open", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"roll_size": rollSize, "standing": standing}})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// Certify certifies a closed election's results, recording who and when.
// Officials only. Errors: NotFound, Forbidden, Conflict (not closed).
func (s *Service) Certify(ctx context.Context, p *auth.Principal, id uuid.UUID) (Election, error) {
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, true)
		if err != nil {
			return err
		}
		if err := a.mustRun("certify the results"); err != nil {
			return err
		}
		if err := a.mustBeIn("certify the results", StateClosed); err != nil {
			return err
		}
		if _, err := q.VotingCertifyElection(ctx, postgres.VotingCertifyElectionParams{ID: id,
			CertifiedBy: uuid.NullUUID{UUID: p.MemberID, Valid: true}}); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.certify", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID})
	})
	if err != nil {
		return Election{}, err
	}
	return s.GetElection(ctx, p, id)
}

// RollEntry is one voter on a frozen roll, as candidates and officials may
// inspect it: name and chapter only.
type RollEntry struct {
	MemberID    uuid.UUID
	Name        string
	ChapterID   uuid.UUID
	ChapterName string
}

// Roll returns the frozen voter roll to the election's officials and
// candidates (names and chapters only); each inspection is audited.
// Errors: NotFound, Forbidden (anyone else), Conflict (roll not frozen).
func (s *Service) Roll(ctx context.Context, p *auth.Principal, id uuid.UUID) ([]RollEntry, error) {
	var out []RollEntry
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := loadElection(ctx, q, p, id, false)
		if err != nil {
			return err
		}
		cand, err := q.VotingMemberIsCandidate(ctx, postgres.VotingMemberIsCandidateParams{ElectionID: id,
			MemberID: uuid.NullUUID{UUID: p.MemberID, Valid: true}})
		if err != nil {
			return err
		}
		if !a.official && !cand {
			return errs.Forbiddenf("only the election's officials and candidates may inspect the voter roll")
		}
		if !a.e.RollFrozenAt.Valid {
			return errs.Conflictf("the voter roll is not frozen yet")
		}
		rows, err := q.VotingListRoll(ctx, id)
		if err != nil {
			return err
		}
		out = make([]RollEntry, 0, len(rows))
		for _, r := range rows {
			out = append(out, RollEntry{MemberID: r.MemberID, Name: strings.TrimSpace(r.GivenName + " " + r.FamilyName),
				ChapterID: r.ChapterID, ChapterName: r.ChapterName})
		}
		role := "candidate"
		if a.official {
			role = "official"
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "election.roll_inspect", Entity: "election",
			EntityID: id.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"as": role, "entries": len(rows)}})
	})
	return out, err
}
