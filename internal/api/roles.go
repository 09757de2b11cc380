package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/api/apigen"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

func (s *server) ListRoles(ctx context.Context, req apigen.ListRolesRequestObject) (apigen.ListRolesResponseObject, error) {
	as, err := s.d.Members.ListRoles(ctx, principal(ctx), req.ChapterId, deref(req.Params.IncludeEnded))
	if err != nil {
		return nil, err
	}
	out := apigen.ListRoles200JSONResponse{Items: make([]apigen.RoleAssignment, 0, len(as))}
	for _, a := range as {
		out.Items = append(out.Items, roleJSON(a))
	}
	return out, nil
}

func (s *server) GrantRole(ctx context.Context, req apigen.GrantRoleRequestObject) (apigen.GrantRoleResponseObject, error) {
	b := req.Body
	var member uuid.UUID
	if b.MemberId != nil {
		member = *b.MemberId
	}
	a, err := s.d.Members.GrantRole(ctx, principal(ctx), req.ChapterId, membership.RoleGrant{
		MemberID: member, Email: deref(b.Email), Role: auth.Role(b.Role),
		StartsOn: datePtr(b.StartsOn), EndsOn: datePtr(b.EndsOn),
	})
	if err != nil {
		return nil, err
	}
	return apigen.GrantRole201JSONResponse(roleJSON(a)), nil
}

func (s *server) EndRole(ctx context.Context, req apigen.EndRoleRequestObject) (apigen.EndRoleResponseObject, error) {
	a, err := s.d.Members.EndRole(ctx, principal(ctx), req.AssignmentId, datePtr(req.Body.EndsOn))
	if err != nil {
		return nil, err
	}
	return apigen.EndRole200JSONResponse(roleJSON(a)), nil
}

func (s *server) RemoveRole(ctx context.Context, req apigen.RemoveRoleRequestObject) (apigen.RemoveRoleResponseObject, error) {
	if err := s.d.Members.RemoveRole(ctx, principal(ctx), req.AssignmentId); err != nil {
		return nil, err
	}
	return apigen.RemoveRole204Response{}, nil
}

func roleJSON(a membership.RoleAssignment) apigen.RoleAssignment {
	out := apigen.RoleAssignment{Id: a.ID, MemberId: a.MemberID, MemberName: a.MemberName, HolderActive: a.HolderActive,
		ChapterId: a.ChapterID,
		Role:      apigen.RoleName(a.Role), StartsOn: date(a.StartsOn)}
	if a.EndsOn != nil {
		d := date(*a.EndsOn)
		out.EndsOn = &d
	}
	return out
}
