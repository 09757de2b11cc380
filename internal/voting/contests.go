package voting

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// ContestInput defines a contest. Method is one of Methods(); Seats
// defaults to 1; Threshold is required for (and only for) yes/no; MaxRanks
// applies to ranked methods, ApprovalLimit to approval. ChapterID makes a
// per-chapter contest of a national election.
type ContestInput struct {
	ChapterID     *uuid.UUID
	Title         string
	Description   string
	Method        string
	Seats         int
	Threshold     string
	MaxRanks      int
	ApprovalLimit int
	RollCall      bool
	// Options are the choices of a question (not members); a yes/no
	// question gets Yes, No and Abstain by itself.
	Options []string
}

// normalize checks the input, naming the field at fault.
func (in *ContestInput) normalize() (err error) {
	if in.Title, err = normTitle("/title", in.Title); err != nil {
		return err
	}
	if len(in.Description) > 10000 {
		return errs.Field("/description", "must be at most 10000 characters")
	}
	if !slices.Contains(Methods(), in.Method) {
		return errs.Field("/method", "must be one of %s", strings.Join(Methods(), ", "))
	}
	if in.Seats == 0 {
		in.Seats = 1
	}
	if in.Seats < 1 || in.Seats > 1000 {
		return errs.Field("/seats", "must be between 1 and 1000")
	}
	switch {
	case in.Method == MethodYesNo:
		if _, err := tally.ParseThreshold(in.Threshold); err != nil {
			return errs.Field("/threshold", "must be majority-of-cast, two-thirds-of-cast or majority-of-electorate")
		}
		if in.Seats != 1 {
			return errs.Field("/seats", "a yes/no question has one outcome")
		}
		if len(in.Options) > 0 {
			return errs.Field("/options", "a yes/no question has the options Yes, No and Abstain")
		}
	case in.Threshold != "":
		return errs.Field("/threshold", "applies to yes/no questions only")
	}
	if in.MaxRanks < 0 || (in.MaxRanks > 0 && !ranked(in.Method)) {
		return errs.Field("/max_ranks", "applies to ranked methods only, and must be positive")
	}
	if in.ApprovalLimit < 0 || (in.ApprovalLimit > 0 && in.Method != "approval") {
		return errs.Field("/approval_limit", "applies to approval only, and must be positive")
	}
	for i, o := range in.Options {
		if err := checkName("/options/"+itoa(i), o); err != nil {
			return err
		}
	}
	return nil
}

func checkName(field, s string) error {
	if t := strings.TrimSpace(s); t == "" || len([]rune(t)) > 200 || strings.ContainsAny(s, "\"\r\n") {
		return errs.Field(field, "must be 1 to 200 characters with no double quote or line break")
	}
	return nil
}

// checkContestChapter: a per-chapter contest belongs in a national
// election and names a chapter (not the national body).
func checkContestChapter(ctx context.Context, q *postgres.Queries, a access, ch *uuid.UUID) error {
	if ch == nil {
		return nil
	}
	if !a.national {
		return errs.Field("/chapter_id", "only a national election has per-chapter contests")
	}
	c, err := q.GetChapter(ctx, *ch)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Field("/chapter_id", "no such chapter")
		}
		return err
	}
	if c.Kind != "chapter" {
		return errs.Field("/chapter_id", "must be a chapter, not the national body")
	}
	return nil
}

// editable loads an election for a change to its contests: officials only,
// before voting opens.
func editable(ctx context.Context, q *postgres.Queries, p *auth.Principal, id uuid.UUID) (access, error) {
	a, err := loadElection(ctx, q, p, id, true)
	if err != nil {
		return a, err
	}
	if err := a.mustRun("change contests"); err != nil {
		return a, err
	}
	return a, a.mustBeIn("change contests (they lock when voting opens)", StateDraft, StateNominations)
}

// AddContest adds a contest to an election before voting opens. Officials
// only. Errors: NotFound, Forbidden, Conflict (state), Invalid.
func (s *Service) AddContest(ctx context.Context, p *auth.Principal, electionID uuid.UUID, in ContestInput) (Contest, error) {
	if err := in.normalize(); err != nil {
		return Contest{}, err
	}
	var id uuid.UUID
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := editable(ctx, q, p, electionID)
		if err != nil {
			return err
		}
		if err := checkContestChapter(ctx, q, a, in.ChapterID); err != nil {
			return err
		}
		var threshold *string
		if in.Threshold != "" {
			threshold = &in.Threshold
		}
		c, err := q.VotingInsertContest(ctx, postgres.VotingInsertContestParams{ElectionID: electionID,
			ChapterID: nullUUID(in.ChapterID), Title: in.Title, Description: in.Description, Method: in.Method,
			Seats: int32(in.Seats), Threshold: threshold, MaxRanks: int4(in.MaxRanks), ApprovalLimit: int4(in.ApprovalLimit),
			RollCall: in.RollCall})
		if err != nil {
			return classify(err, "conflicts with another contest")
		}
		id = c.ID
		options := in.Options
		if in.Method == MethodYesNo {
			options = []string{"Yes", "No", "Abstain"}
		}
		for _, o := range options {
			if _, err := q.VotingInsertCandidate(ctx, postgres.VotingInsertCandidateParams{ContestID: c.ID,
				Name: strings.TrimSpace(o), Source: "committee", Accepted: true}); err != nil {
				return classify(err, "two options have the same name")
			}
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "contest.create", Entity: "contest",
			EntityID: c.ID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"election": electionID,
				"title": in.Title, "method": in.Method, "seats": in.Seats, "threshold": in.Threshold,
				"roll_call": in.RollCall, "chapter": in.ChapterID}})
	})
	if err != nil {
		return Contest{}, err
	}
	return s.contest(ctx, p, electionID, id)
}

// contest returns one contest of the election as the principal sees it.
func (s *Service) contest(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) (Contest, error) {
	e, err := s.GetElection(ctx, p, electionID)
	if err != nil {
		return Contest{}, err
	}
	for _, c := range e.Contests {
		if c.ID == contestID {
			return c, nil
		}
	}
	return Contest{}, errs.NotFoundf("contest not found")
}

// UpdateContest replaces a contest's definition (its method cannot
// change: remove and add the contest instead) before voting opens.
// Officials only. Errors: NotFound, Forbidden, Conflict (state), Invalid.
func (s *Service) UpdateContest(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, in ContestInput) (Contest, error) {
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := editable(ctx, q, p, electionID)
		if err != nil {
			return err
		}
		c, err := q.VotingGetContest(ctx, contestID)
		if err != nil || c.ElectionID != electionID {
			return errs.NotFoundf("contest not found")
		}
		if in.Method == "" {
			in.Method = c.Method
		}
		if in.Method != c.Method {
			return errs.Field("/method", "cannot change; remove the contest and add a new one")
		}
		if in.Threshold == "" && c.Threshold != nil && in.Method == MethodYesNo {
			in.Threshold = *c.Threshold
		}
		if err := in.normalize(); err != nil {
			return err
		}
		if err := checkContestChapter(ctx, q, a, in.ChapterID); err != nil {
			return err
		}
		var threshold *string
		if in.Threshold != "" {
			threshold = &in.Threshold
		}
		if _, err := q.VotingUpdateContest(ctx, postgres.VotingUpdateContestParams{ID: contestID, ChapterID: nullUUID(in.ChapterID),
			Title: in.Title, Description: in.Description, Seats: int32(in.Seats), MaxRanks: int4(in.MaxRanks),
			ApprovalLimit: int4(in.ApprovalLimit), RollCall: in.RollCall, Threshold: threshold}); err != nil {
			return classify(err, "conflicts with another contest")
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "contest.update", Entity: "contest",
			EntityID: contestID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"title": in.Title,
				"seats": in.Seats, "threshold": in.Threshold, "roll_call": in.RollCall, "chapter": in.ChapterID}})
	})
	if err != nil {
		return Contest{}, err
	}
	return s.contest(ctx, p, electionID, contestID)
}

// DeleteContest removes a contest before voting opens. Officials only.
func (s *Service) DeleteContest(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := editable(ctx, q, p, electionID)
		if err != nil {
			return err
		}
		c, err := q.VotingGetContest(ctx, contestID)
		if err != nil || c.ElectionID != electionID {
			return errs.NotFoundf("contest not found")
		}
		if err := q.VotingDeleteContest(ctx, contestID); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "contest.delete", Entity: "contest",
			EntityID: contestID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"title": c.Title}})
	})
}

// CandidateInput adds a candidate: a member standing (MemberID set; Name
// defaults to theirs) or an option of a question (Name only).
type CandidateInput struct {
	MemberID  *uuid.UUID
	Name      string
	Statement string
}

// AddCandidate adds a candidate or option to a contest before voting
// opens; committee candidates stand without nominations. Officials only. A
// member who is an official of the election is refused (Conflict), as is a
// member already standing in the contest or a candidate in a yes/no
// question. Errors: NotFound, Forbidden, Conflict, Invalid.
func (s *Service) AddCandidate(ctx context.Context, p *auth.Principal, electionID, contestID uuid.UUID, in CandidateInput) (Candidate, error) {
	if len(in.Statement) > 20000 {
		return Candidate{}, errs.Field("/statement", "must be at most 20000 characters")
	}
	var out Candidate
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := editable(ctx, q, p, electionID)
		if err != nil {
			return err
		}
		c, err := q.VotingGetContest(ctx, contestID)
		if err != nil || c.ElectionID != electionID {
			return errs.NotFoundf("contest not found")
		}
		if c.Method == MethodYesNo {
			return errs.Conflictf("a yes/no question has the options Yes, No and Abstain only")
		}
		name := in.Name
		if in.MemberID != nil {
			m, err := memberInScope(ctx, q, a, c, *in.MemberID, "/member_id")
			if err != nil {
				return err
			}
			if name == "" {
				name = strings.TrimSpace(m.GivenName + " " + m.FamilyName)
			}
		}
		if err := checkName("/name", name); err != nil {
			return err
		}
		k, err := q.VotingInsertCandidate(ctx, postgres.VotingInsertCandidateParams{ContestID: contestID,
			Name: strings.TrimSpace(name), MemberID: nullUUID(in.MemberID), Statement: in.Statement,
			Source: "committee", Accepted: true})
		if err != nil {
			return classify(err, "this member already stands in the contest")
		}
		out = candidateFrom(k, 0)
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "candidate.create", Entity: "candidate",
			EntityID: k.ID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"contest": contestID,
				"name": k.Name, "member": in.MemberID}})
	})
	return out, err
}

// memberInScope checks that a member may stand in contest c: they exist,
// belong to the contest's scope, and are not an official of the election.
func memberInScope(ctx context.Context, q *postgres.Queries, a access, c postgres.VotingContest, id uuid.UUID, field string) (postgres.Member, error) {
	m, err := q.GetMember(ctx, id)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return m, errs.Field(field, "no such member")
		}
		return m, err
	}
	switch {
	case c.ChapterID.Valid && m.ChapterID != c.ChapterID.UUID,
		!c.ChapterID.Valid && !a.national && m.ChapterID != a.e.ChapterID:
		return m, &errs.Error{Kind: errs.Invalid, Field: field, Msg: "this member is not in the contest's chapter"}
	}
	official, err := q.VotingIsOfficial(ctx, postgres.VotingIsOfficialParams{ElectionID: a.e.ID, MemberID: id})
	if err != nil {
		return m, err
	}
	if official {
		return m, &errs.Error{Kind: errs.Conflict, Field: field, Msg: "an official of the election cannot be a candidate in it"}
	}
	return m, nil
}

// RemoveCandidate removes a candidate or option before voting opens.
// Officials only.
func (s *Service) RemoveCandidate(ctx context.Context, p *auth.Principal, electionID, contestID, candidateID uuid.UUID) error {
	return s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, err := editable(ctx, q, p, electionID)
		if err != nil {
			return err
		}
		c, err := q.VotingGetContest(ctx, contestID)
		if err != nil || c.ElectionID != electionID {
			return errs.NotFoundf("contest not found")
		}
		k, err := q.VotingGetCandidate(ctx, candidateID)
		if err != nil || k.ContestID != contestID {
			return errs.NotFoundf("candidate not found")
		}
		if c.Method == MethodYesNo {
			return errs.Conflictf("a yes/no question keeps its options")
		}
		if err := q.VotingDeleteCandidate(ctx, candidateID); err != nil {
			return err
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "candidate.delete", Entity: "candidate",
			EntityID: candidateID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"contest": contestID, "name": k.Name}})
	})
}

// Nominate records the principal's nomination of a member (themselves
// included) in a contest while nominations are open. The nominator must be
// in the contest's scope (its chapter, or any member for a national
// contest); the nominee too, and not an official of the election. A
// repeated nomination by the same member counts once. Errors: NotFound,
// Forbidden, Conflict (state, official, yes/no question), Invalid.
func (s *Service) Nominate(ctx context.Context, p *auth.Principal, electionID, contestID, nominee uuid.UUID) (Candidate, error) {
	var out Candidate
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, c, err := loadContest(ctx, q, p, electionID, contestID, true)
		if err != nil {
			return err
		}
		if err := a.mustBeIn("nominate", StateNominations); err != nil {
			return err
		}
		if c.Method == MethodYesNo {
			return errs.Conflictf("a yes/no question has no candidates")
		}
		inScope := (c.ChapterID.Valid && p.ChapterID == c.ChapterID.UUID) ||
			(!c.ChapterID.Valid && (a.national || p.ChapterID == a.e.ChapterID))
		if !inScope && a.rollChapter == nil {
			return errs.Forbiddenf("only members in the contest's scope may nominate")
		}
		m, err := memberInScope(ctx, q, a, c, nominee, "/member_id")
		if err != nil {
			return err
		}
		k, err := q.VotingCandidateByMember(ctx, postgres.VotingCandidateByMemberParams{ContestID: contestID,
			MemberID: uuid.NullUUID{UUID: nominee, Valid: true}})
		if errors.Is(err, pgx.ErrNoRows) {
			k, err = q.VotingInsertCandidate(ctx, postgres.VotingInsertCandidateParams{ContestID: contestID,
				Name: strings.TrimSpace(m.GivenName + " " + m.FamilyName), MemberID: uuid.NullUUID{UUID: nominee, Valid: true},
				Source: "nomination", Accepted: false})
		}
		if err != nil {
			return err
		}
		n, err := q.VotingInsertNomination(ctx, postgres.VotingInsertNominationParams{CandidateID: k.ID, NominatorID: p.MemberID})
		if err != nil {
			return err
		}
		out = candidateFrom(k, 0)
		if n == 0 {
			return nil
		}
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "candidate.nominate", Entity: "candidate",
			EntityID: k.ID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"contest": contestID, "nominee": nominee}})
	})
	return out, err
}

// AcceptCandidacy lets a candidate (the member themself) accept a
// nomination and set their statement, before voting opens. Errors:
// NotFound, Forbidden (not the candidate), Conflict (state), Invalid.
func (s *Service) AcceptCandidacy(ctx context.Context, p *auth.Principal, electionID, contestID, candidateID uuid.UUID, statement string) (Candidate, error) {
	if len(statement) > 20000 {
		return Candidate{}, errs.Field("/statement", "must be at most 20000 characters")
	}
	var out Candidate
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		a, _, err := loadContest(ctx, q, p, electionID, contestID, true)
		if err != nil {
			return err
		}
		if err := a.mustBeIn("accept a candidacy", StateDraft, StateNominations); err != nil {
			return err
		}
		k, err := q.VotingGetCandidate(ctx, candidateID)
		if err != nil || k.ContestID != contestID {
			return errs.NotFoundf("candidate not found")
		}
		if !k.MemberID.Valid || k.MemberID.UUID != p.MemberID {
			return errs.Forbiddenf("only the candidate may accept their candidacy")
		}
		if k, err = q.VotingAcceptCandidate(ctx, postgres.VotingAcceptCandidateParams{ID: candidateID, Statement: statement}); err != nil {
			return err
		}
		out = candidateFrom(k, 0)
		return s.audit(ctx, tx, audit.Entry{ActorID: p.MemberID, Action: "candidate.accept", Entity: "candidate",
			EntityID: k.ID.String(), ChapterID: a.e.ChapterID, Data: map[string]any{"contest": contestID}})
	})
	return out, err
}
