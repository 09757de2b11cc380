package api

import (
	"bytes"
	"context"
	"net/http"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/chapterhouse/chapterhouse/internal/api/apigen"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// Handlers decode, call one domain method and encode. Errors go back to the
// strict server, which writes them with writeProblem.

var _ apigen.StrictServerInterface = (*server)(nil)

func (s *server) GetHealthz(ctx context.Context, _ apigen.GetHealthzRequestObject) (apigen.GetHealthzResponseObject, error) {
	return apigen.GetHealthz200JSONResponse{Status: "ok"}, nil
}

func (s *server) GetReadyz(ctx context.Context, _ apigen.GetReadyzRequestObject) (apigen.GetReadyzResponseObject, error) {
	notReady := func(detail string) (apigen.GetReadyzResponseObject, error) {
		return apigen.GetReadyz503ApplicationProblemPlusJSONResponse{ProblemApplicationProblemPlusJSONResponse: apigen.ProblemApplicationProblemPlusJSONResponse{
			Type: "about:blank", Title: http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable, Detail: &detail,
		}}, nil
	}
	if s.d.Draining != nil && s.d.Draining() {
		return notReady("the server is shutting down")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.d.Pool.Ping(ctx); err != nil {
		s.d.Logger.WarnContext(ctx, "readiness: database unreachable", "err", err)
		return notReady("the database does not answer")
	}
	return apigen.GetReadyz200JSONResponse{Status: "ok"}, nil
}

func (s *server) GetMe(ctx context.Context, _ apigen.GetMeRequestObject) (apigen.GetMeResponseObject, error) {
	p := principal(ctx)
	m, err := s.d.Members.MeWithStanding(ctx, p)
	if err != nil {
		return nil, err
	}
	grants := make([]apigen.Grant, 0, len(p.Grants))
	for _, g := range p.Grants {
		grants = append(grants, apigen.Grant{Role: string(g.Role), ChapterId: g.ChapterID, National: g.National})
	}
	return apigen.GetMe200JSONResponse{Member: withStanding(memberJSON(m.Member), m.Standing), Grants: grants}, nil
}

func (s *server) ListChapters(ctx context.Context, req apigen.ListChaptersRequestObject) (apigen.ListChaptersResponseObject, error) {
	cs, err := s.d.Members.ListChapters(ctx, principal(ctx), deref(req.Params.IncludeDissolved))
	if err != nil {
		return nil, err
	}
	out := apigen.ListChapters200JSONResponse{Items: make([]apigen.Chapter, 0, len(cs))}
	for _, c := range cs {
		out.Items = append(out.Items, chapterJSON(c))
	}
	return out, nil
}

func (s *server) CreateChapter(ctx context.Context, req apigen.CreateChapterRequestObject) (apigen.CreateChapterResponseObject, error) {
	c, err := s.d.Members.CreateChapter(ctx, principal(ctx), membership.ChapterInput{
		Slug: req.Body.Slug, Name: req.Body.Name, CharteredOn: datePtr(req.Body.CharteredOn),
	})
	if err != nil {
		return nil, err
	}
	return apigen.CreateChapter201JSONResponse(chapterJSON(c)), nil
}

func (s *server) GetChapter(ctx context.Context, req apigen.GetChapterRequestObject) (apigen.GetChapterResponseObject, error) {
	c, err := s.d.Members.GetChapter(ctx, principal(ctx), req.ChapterId)
	if err != nil {
		return nil, err
	}
	return apigen.GetChapter200JSONResponse(chapterJSON(c)), nil
}

func (s *server) UpdateChapter(ctx context.Context, req apigen.UpdateChapterRequestObject) (apigen.UpdateChapterResponseObject, error) {
	c, err := s.d.Members.UpdateChapter(ctx, principal(ctx), req.ChapterId, membership.ChapterPatch{
		Slug: req.Body.Slug, Name: req.Body.Name,
	})
	if err != nil {
		return nil, err
	}
	return apigen.UpdateChapter200JSONResponse(chapterJSON(c)), nil
}

func (s *server) DissolveChapter(ctx context.Context, req apigen.DissolveChapterRequestObject) (apigen.DissolveChapterResponseObject, error) {
	c, err := s.d.Members.DissolveChapter(ctx, principal(ctx), req.ChapterId, datePtr(req.Body.DissolvedOn))
	if err != nil {
		return nil, err
	}
	return apigen.DissolveChapter200JSONResponse(chapterJSON(c)), nil
}

func (s *server) ListMembers(ctx context.Context, req apigen.ListMembersRequestObject) (apigen.ListMembersResponseObject, error) {
	p := req.Params
	page, err := s.d.Members.ListMembers(ctx, principal(ctx), req.ChapterId, membership.RosterQuery{
		Status:       string(deref(p.Status)),
		JoinedAfter:  datePtr(p.JoinedAfter),
		JoinedBefore: datePtr(p.JoinedBefore),
		Text:         deref(p.Q),
		Sort:         string(deref(p.Sort)),
		Limit:        deref(p.Limit),
		Cursor:       deref(p.Cursor),
	})
	if err != nil {
		return nil, err
	}
	out := apigen.ListMembers200JSONResponse{Items: make([]apigen.Member, 0, len(page.Members))}
	for _, m := range page.Members {
		out.Items = append(out.Items, withStanding(memberJSON(m), page.Standing[m.ID]))
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return out, nil
}

func (s *server) CreateMember(ctx context.Context, req apigen.CreateMemberRequestObject) (apigen.CreateMemberResponseObject, error) {
	b := req.Body
	m, err := s.d.Members.CreateMember(ctx, principal(ctx), req.ChapterId, membership.MemberInput{
		GivenName: b.GivenName, FamilyName: deref(b.FamilyName), Email: b.Email, Phone: deref(b.Phone),
		PostalAddress: deref(b.PostalAddress), JoinedOn: b.JoinedOn.Time, ExternalID: b.ExternalId,
	})
	if err != nil {
		return nil, err
	}
	return apigen.CreateMember201JSONResponse(memberJSON(m)), nil
}

func (s *server) ImportMembers(ctx context.Context, req apigen.ImportMembersRequestObject) (apigen.ImportMembersResponseObject, error) {
	rep, err := s.d.Members.ImportRoster(ctx, principal(ctx), req.ChapterId, req.Body, deref(req.Params.DryRun))
	if err != nil {
		return nil, err
	}
	return apigen.ImportMembers200JSONResponse{Rows: rep.Rows, Created: rep.Created, Updated: rep.Updated,
		Unchanged: rep.Unchanged, DryRun: rep.DryRun}, nil
}

func (s *server) ExportMembers(ctx context.Context, req apigen.ExportMembersRequestObject) (apigen.ExportMembersResponseObject, error) {
	var buf bytes.Buffer
	if err := s.d.Members.ExportRoster(ctx, principal(ctx), req.ChapterId, string(deref(req.Params.Status)), &buf); err != nil {
		return nil, err
	}
	return apigen.ExportMembers200TextcsvResponse{Body: &buf, ContentLength: int64(buf.Len())}, nil
}

func (s *server) GetMember(ctx context.Context, req apigen.GetMemberRequestObject) (apigen.GetMemberResponseObject, error) {
	m, err := s.d.Members.GetMemberWithStanding(ctx, principal(ctx), req.MemberId)
	if err != nil {
		return nil, err
	}
	return apigen.GetMember200JSONResponse(withStanding(memberJSON(m.Member), m.Standing)), nil
}

func (s *server) UpdateMember(ctx context.Context, req apigen.UpdateMemberRequestObject) (apigen.UpdateMemberResponseObject, error) {
	b := req.Body
	m, err := s.d.Members.UpdateMember(ctx, principal(ctx), req.MemberId, membership.MemberPatch{
		ChapterID: b.ChapterId, GivenName: b.GivenName, FamilyName: b.FamilyName, Email: b.Email, Phone: b.Phone,
		PostalAddress: b.PostalAddress, JoinedOn: datePtr(b.JoinedOn), ExternalID: b.ExternalId,
	})
	if err != nil {
		return nil, err
	}
	return apigen.UpdateMember200JSONResponse(memberJSON(m)), nil
}

func (s *server) DeactivateMember(ctx context.Context, req apigen.DeactivateMemberRequestObject) (apigen.DeactivateMemberResponseObject, error) {
	m, err := s.d.Members.DeactivateMember(ctx, principal(ctx), req.MemberId, req.Body.Reason, datePtr(req.Body.EffectiveOn))
	if err != nil {
		return nil, err
	}
	return apigen.DeactivateMember200JSONResponse(memberJSON(m)), nil
}

func (s *server) GetMemberHistory(ctx context.Context, req apigen.GetMemberHistoryRequestObject) (apigen.GetMemberHistoryResponseObject, error) {
	hs, err := s.d.Members.History(ctx, principal(ctx), req.MemberId)
	if err != nil {
		return nil, err
	}
	out := apigen.GetMemberHistory200JSONResponse{Items: make([]apigen.StatusChange, 0, len(hs))}
	for _, h := range hs {
		sc := apigen.StatusChange{Status: apigen.MemberStatus(h.Status), EffectiveOn: date(h.EffectiveOn),
			Reason: h.Reason, RecordedAt: h.RecordedAt}
		if h.RecordedBy.Valid {
			sc.RecordedBy = &h.RecordedBy.UUID
		}
		out.Items = append(out.Items, sc)
	}
	return out, nil
}

func memberJSON(m membership.Member) apigen.Member {
	return apigen.Member{
		Id: m.ID, ChapterId: m.ChapterID, GivenName: m.GivenName, FamilyName: m.FamilyName, Email: m.Email,
		Phone: m.Phone, PostalAddress: m.PostalAddress, JoinedOn: date(m.JoinedOn),
		Status: apigen.MemberStatus(m.Status), ExternalId: m.ExternalID, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

// withStanding sets a member's dues standing ("" leaves it out).
func withStanding(m apigen.Member, standing string) apigen.Member {
	if standing != "" {
		st := apigen.MemberStanding(standing)
		m.Standing = &st
	}
	return m
}

func chapterJSON(c membership.Chapter) apigen.Chapter {
	out := apigen.Chapter{Id: c.ID, Kind: apigen.ChapterKind(c.Kind), Slug: c.Slug, Name: c.Name,
		CharteredOn: date(c.CharteredOn)}
	if c.ParentID.Valid {
		out.ParentId = &c.ParentID.UUID
	}
	if c.DissolvedOn != nil {
		d := date(*c.DissolvedOn)
		out.DissolvedOn = &d
	}
	return out
}

func date(t time.Time) openapi_types.Date { return openapi_types.Date{Time: t} }

func datePtr(d *openapi_types.Date) *time.Time {
	if d == nil {
		return nil
	}
	return &d.Time
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
