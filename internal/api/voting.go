package api

import (
	"bytes"
	"context"
	"encoding/json"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/chapterhouse/chapterhouse/internal/api/apigen"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// Handlers for elections, contests, ballots and results: decode, call one
// voting.Service method, encode.

func electionJSON(e voting.Election) apigen.Election {
	out := apigen.Election{Id: e.ID, ChapterId: e.ChapterID, National: e.National, Title: e.Title,
		Description: e.Description, State: apigen.ElectionState(e.State), RecordDate: openapi_types.Date{Time: e.RecordDate},
		AllowReplacement: e.AllowReplacement, MinNominations: e.MinNominations, RollFrozen: e.RollFrozen,
		RollSize: e.RollSize, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt, OpenedAt: e.OpenedAt, ClosedAt: e.ClosedAt,
		CertifiedAt: e.CertifiedAt, CertifiedBy: e.CertifiedBy, ViewerIsOfficial: e.ViewerIsOfficial,
		ViewerCanManage: e.ViewerCanManage, Officials: []apigen.ElectionOfficial{}, Contests: []apigen.ElectionContest{}}
	for _, o := range e.Officials {
		out.Officials = append(out.Officials, apigen.ElectionOfficial{MemberId: o.MemberID, Name: o.Name, ChapterId: o.ChapterID})
	}
	for _, c := range e.Contests {
		out.Contests = append(out.Contests, contestJSON(c))
	}
	return out
}

func positive(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

func contestJSON(c voting.Contest) apigen.ElectionContest {
	out := apigen.ElectionContest{Id: c.ID, ElectionId: c.ElectionID, ChapterId: c.ChapterID, Position: c.Position,
		Title: c.Title, Description: c.Description, Method: apigen.ElectionMethod(c.Method), Seats: c.Seats,
		MaxRanks: positive(c.MaxRanks), ApprovalLimit: positive(c.ApprovalLimit), RollCall: c.RollCall,
		ViewerEligible: c.ViewerEligible, ViewerVoted: c.ViewerVoted, Candidates: []apigen.ElectionCandidate{}}
	if c.Threshold != "" {
		t := apigen.ElectionThreshold(c.Threshold)
		out.Threshold = &t
	}
	for _, k := range c.Candidates {
		out.Candidates = append(out.Candidates, candidateJSON(k))
	}
	return out
}

func candidateJSON(k voting.Candidate) apigen.ElectionCandidate {
	out := apigen.ElectionCandidate{Id: k.ID, ContestId: k.ContestID, Name: k.Name, MemberId: k.MemberID,
		Statement: k.Statement, Source: apigen.ElectionCandidateSource(k.Source), Accepted: k.Accepted,
		Nominations: k.Nominations, OnBallot: k.BallotIndex >= 0}
	if k.BallotIndex >= 0 {
		i := k.BallotIndex
		out.BallotIndex = &i
	}
	return out
}

func (s *server) ListElections(ctx context.Context, _ apigen.ListElectionsRequestObject) (apigen.ListElectionsResponseObject, error) {
	es, err := s.d.Voting.ListElections(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	out := apigen.ListElections200JSONResponse{Items: make([]apigen.Election, 0, len(es))}
	for _, e := range es {
		out.Items = append(out.Items, electionJSON(e))
	}
	return out, nil
}

func (s *server) CreateElection(ctx context.Context, req apigen.CreateElectionRequestObject) (apigen.CreateElectionResponseObject, error) {
	b := req.Body
	e, err := s.d.Voting.CreateElection(ctx, principal(ctx), voting.ElectionInput{ChapterID: b.ChapterId, Title: b.Title,
		Description: deref(b.Description), RecordDate: b.RecordDate.Time, AllowReplacement: deref(b.AllowReplacement),
		MinNominations: deref(b.MinNominations), Officials: deref(b.Officials)})
	if err != nil {
		return nil, err
	}
	return apigen.CreateElection201JSONResponse(electionJSON(e)), nil
}

func (s *server) GetElection(ctx context.Context, req apigen.GetElectionRequestObject) (apigen.GetElectionResponseObject, error) {
	e, err := s.d.Voting.GetElection(ctx, principal(ctx), req.ElectionId)
	if err != nil {
		return nil, err
	}
	return apigen.GetElection200JSONResponse(electionJSON(e)), nil
}

func (s *server) UpdateElection(ctx context.Context, req apigen.UpdateElectionRequestObject) (apigen.UpdateElectionResponseObject, error) {
	b := req.Body
	e, err := s.d.Voting.UpdateElection(ctx, principal(ctx), req.ElectionId, voting.ElectionPatch{Title: b.Title,
		Description: b.Description, RecordDate: datePtr(b.RecordDate), AllowReplacement: b.AllowReplacement,
		MinNominations: b.MinNominations})
	if err != nil {
		return nil, err
	}
	return apigen.UpdateElection200JSONResponse(electionJSON(e)), nil
}

func (s *server) SetElectionOfficials(ctx context.Context, req apigen.SetElectionOfficialsRequestObject) (apigen.SetElectionOfficialsResponseObject, error) {
	e, err := s.d.Voting.SetOfficials(ctx, principal(ctx), req.ElectionId, req.Body.Officials)
	if err != nil {
		return nil, err
	}
	return apigen.SetElectionOfficials200JSONResponse(electionJSON(e)), nil
}

func (s *server) TransitionElection(ctx context.Context, req apigen.TransitionElectionRequestObject) (apigen.TransitionElectionResponseObject, error) {
	p, id := principal(ctx), req.ElectionId
	var e voting.Election
	var err error
	switch req.Body.To {
	case apigen.ElectionTransitionToNominations:
		e, err = s.d.Voting.StartNominations(ctx, p, id)
	case apigen.ElectionTransitionToOpen:
		e, err = s.d.Voting.Open(ctx, p, id)
	case apigen.ElectionTransitionToClosed:
		e, err = s.d.Voting.Close(ctx, p, id)
	case apigen.ElectionTransitionToCertified:
		e, err = s.d.Voting.Certify(ctx, p, id)
	default:
		err = errs.Field("/to", "must be nominations, open, closed or certified")
	}
	if err != nil {
		return nil, err
	}
	return apigen.TransitionElection200JSONResponse(electionJSON(e)), nil
}

func (s *server) GetElectionRoll(ctx context.Context, req apigen.GetElectionRollRequestObject) (apigen.GetElectionRollResponseObject, error) {
	roll, err := s.d.Voting.Roll(ctx, principal(ctx), req.ElectionId)
	if err != nil {
		return nil, err
	}
	out := apigen.GetElectionRoll200JSONResponse{Items: make([]apigen.ElectionRollEntry, 0, len(roll))}
	for _, r := range roll {
		out.Items = append(out.Items, apigen.ElectionRollEntry{MemberId: r.MemberID, Name: r.Name, ChapterId: r.ChapterID, ChapterName: r.ChapterName})
	}
	return out, nil
}

func (s *server) FreezeElectionRoll(ctx context.Context, req apigen.FreezeElectionRollRequestObject) (apigen.FreezeElectionRollResponseObject, error) {
	e, err := s.d.Voting.FreezeRoll(ctx, principal(ctx), req.ElectionId)
	if err != nil {
		return nil, err
	}
	return apigen.FreezeElectionRoll200JSONResponse(electionJSON(e)), nil
}

func threshold(t *apigen.ElectionThreshold) string {
	if t == nil {
		return ""
	}
	return string(*t)
}

func (s *server) CreateContest(ctx context.Context, req apigen.CreateContestRequestObject) (apigen.CreateContestResponseObject, error) {
	b := req.Body
	c, err := s.d.Voting.AddContest(ctx, principal(ctx), req.ElectionId, voting.ContestInput{ChapterID: b.ChapterId,
		Title: b.Title, Description: deref(b.Description), Method: string(b.Method), Seats: deref(b.Seats),
		Threshold: threshold(b.Threshold), MaxRanks: deref(b.MaxRanks), ApprovalLimit: deref(b.ApprovalLimit),
		RollCall: deref(b.RollCall), Options: deref(b.Options)})
	if err != nil {
		return nil, err
	}
	return apigen.CreateContest201JSONResponse(contestJSON(c)), nil
}

func (s *server) UpdateContest(ctx context.Context, req apigen.UpdateContestRequestObject) (apigen.UpdateContestResponseObject, error) {
	b := req.Body
	c, err := s.d.Voting.UpdateContest(ctx, principal(ctx), req.ElectionId, req.ContestId, voting.ContestInput{
		ChapterID: b.ChapterId, Title: b.Title, Description: deref(b.Description), Seats: deref(b.Seats),
		Threshold: threshold(b.Threshold), MaxRanks: deref(b.MaxRanks), ApprovalLimit: deref(b.ApprovalLimit),
		RollCall: deref(b.RollCall)})
	if err != nil {
		return nil, err
	}
	return apigen.UpdateContest200JSONResponse(contestJSON(c)), nil
}

func (s *server) DeleteContest(ctx context.Context, req apigen.DeleteContestRequestObject) (apigen.DeleteContestResponseObject, error) {
	if err := s.d.Voting.DeleteContest(ctx, principal(ctx), req.ElectionId, req.ContestId); err != nil {
		return nil, err
	}
	return apigen.DeleteContest204Response{}, nil
}

func (s *server) CreateCandidate(ctx context.Context, req apigen.CreateCandidateRequestObject) (apigen.CreateCandidateResponseObject, error) {
	b := req.Body
	k, err := s.d.Voting.AddCandidate(ctx, principal(ctx), req.ElectionId, req.ContestId, voting.CandidateInput{
		MemberID: b.MemberId, Name: deref(b.Name), Statement: deref(b.Statement)})
	if err != nil {
		return nil, err
	}
	return apigen.CreateCandidate201JSONResponse(candidateJSON(k)), nil
}

func (s *server) DeleteCandidate(ctx context.Context, req apigen.DeleteCandidateRequestObject) (apigen.DeleteCandidateResponseObject, error) {
	if err := s.d.Voting.RemoveCandidate(ctx, principal(ctx), req.ElectionId, req.ContestId, req.CandidateId); err != nil {
		return nil, err
	}
	return apigen.DeleteCandidate204Response{}, nil
}

func (s *server) AcceptCandidacy(ctx context.Context, req apigen.AcceptCandidacyRequestObject) (apigen.AcceptCandidacyResponseObject, error) {
	k, err := s.d.Voting.AcceptCandidacy(ctx, principal(ctx), req.ElectionId, req.ContestId, req.CandidateId, deref(req.Body.Statement))
	if err != nil {
		return nil, err
	}
	return apigen.AcceptCandidacy200JSONResponse(candidateJSON(k)), nil
}

func (s *server) NominateCandidate(ctx context.Context, req apigen.NominateCandidateRequestObject) (apigen.NominateCandidateResponseObject, error) {
	k, err := s.d.Voting.Nominate(ctx, principal(ctx), req.ElectionId, req.ContestId, req.Body.MemberId)
	if err != nil {
		return nil, err
	}
	return apigen.NominateCandidate200JSONResponse(candidateJSON(k)), nil
}

func receiptJSON(r voting.CastReceipt) apigen.BallotReceipt {
	out := apigen.BallotReceipt{RollCall: r.RollCall}
	if r.Receipt != "" {
		out.Receipt, out.ReceiptHash = &r.Receipt, &r.ReceiptHash
	}
	return out
}

func (s *server) CastBallot(ctx context.Context, req apigen.CastBallotRequestObject) (apigen.CastBallotResponseObject, error) {
	r, err := s.d.Voting.Cast(ctx, principal(ctx), req.ElectionId, req.ContestId, req.Body.Choices)
	if err != nil {
		return nil, err
	}
	return apigen.CastBallot201JSONResponse(receiptJSON(r)), nil
}

func (s *server) ReplaceBallot(ctx context.Context, req apigen.ReplaceBallotRequestObject) (apigen.ReplaceBallotResponseObject, error) {
	r, err := s.d.Voting.Replace(ctx, principal(ctx), req.ElectionId, req.ContestId, deref(req.Body.Receipt), req.Body.Choices)
	if err != nil {
		return nil, err
	}
	return apigen.ReplaceBallot200JSONResponse(receiptJSON(r)), nil
}

func (s *server) CheckReceipt(ctx context.Context, req apigen.CheckReceiptRequestObject) (apigen.CheckReceiptResponseObject, error) {
	r, err := s.d.Voting.CheckReceipt(ctx, principal(ctx), req.ElectionId, req.ContestId, req.Body.Receipt)
	if err != nil {
		return nil, err
	}
	return apigen.CheckReceipt200JSONResponse{Status: apigen.ReceiptCheckStatus(r.Status), ReceiptHash: r.ReceiptHash, Choices: r.Choices}, nil
}

func (s *server) GetContestResults(ctx context.Context, req apigen.GetContestResultsRequestObject) (apigen.GetContestResultsResponseObject, error) {
	r, err := s.d.Voting.Results(ctx, principal(ctx), req.ElectionId, req.ContestId)
	if err != nil {
		return nil, err
	}
	// The result travels as the tally's own JSON (its contract with
	// `chapterhouse tally --json`), decoded into a generic object.
	raw, err := json.Marshal(r.Result)
	if err != nil {
		return nil, err
	}
	var result map[string]any
	if err := json.Unmarshal(raw, &result); err != nil {
		return nil, err
	}
	out := apigen.GetContestResults200JSONResponse{ContestId: r.ContestID, Title: r.Title, Method: apigen.ElectionMethod(r.Method),
		Seats: r.Seats, Winners: r.Winners, Result: result, Seed: r.Seed, Ballots: r.Ballots, RollSize: r.RollSize,
		TurnoutPercent: r.TurnoutPercent, Passed: r.Passed, CountedAt: r.CountedAt, Certified: r.Certified}
	if r.Winners == nil {
		out.Winners = []string{}
	}
	if r.Threshold != "" {
		t := apigen.ElectionThreshold(r.Threshold)
		out.Threshold = &t
	}
	if r.RollCall != nil {
		votes := make([]apigen.RollCallVote, 0, len(r.RollCall))
		for _, v := range r.RollCall {
			votes = append(votes, apigen.RollCallVote{MemberId: v.MemberID, Name: v.Name, Choices: v.Choices})
		}
		out.RollCall = &votes
	}
	return out, nil
}

func (s *server) ListPublishedBallots(ctx context.Context, req apigen.ListPublishedBallotsRequestObject) (apigen.ListPublishedBallotsResponseObject, error) {
	p, e, c := principal(ctx), req.ElectionId, req.ContestId
	switch deref(req.Params.Format) {
	case apigen.ListPublishedBallotsParamsFormatCsv:
		b, err := s.d.Voting.CSV(ctx, p, e, c)
		if err != nil {
			return nil, err
		}
		return apigen.ListPublishedBallots200TextcsvResponse{Body: bytes.NewReader(b), ContentLength: int64(len(b))}, nil
	case apigen.ListPublishedBallotsParamsFormatBlt:
		b, err := s.d.Voting.BLT(ctx, p, e, c)
		if err != nil {
			return nil, err
		}
		return apigen.ListPublishedBallots200TextxBltResponse{Body: bytes.NewReader(b), ContentLength: int64(len(b))}, nil
	}
	ballots, err := s.d.Voting.PublishedBallots(ctx, p, e, c)
	if err != nil {
		return nil, err
	}
	out := apigen.ListPublishedBallots200JSONResponse{Items: make([]apigen.PublishedBallot, 0, len(ballots))}
	for _, b := range ballots {
		out.Items = append(out.Items, apigen.PublishedBallot{ReceiptHash: b.ReceiptHash, Choices: b.Choices})
	}
	return out, nil
}
