package membership

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Sort orders of a roster listing.
const (
	SortName       = "name"
	SortNameDesc   = "-name"
	SortJoined     = "joined"
	SortJoinedDesc = "-joined"
)

// RosterQuery selects one page of a chapter's roster. Zero values mean no
// filter; Limit 0 means 50.
type RosterQuery struct {
	Status       string
	JoinedAfter  *time.Time // on or after
	JoinedBefore *time.Time // strictly before
	Text         string     // contained in name or email, case-insensitively
	Sort         string     // one of the Sort constants; "" means SortName
	Limit        int
	Cursor       string // NextCursor of the previous page
}

// RosterPage is one page of a roster. NextCursor is empty on the last page.
type RosterPage struct {
	Members    []Member
	NextCursor string
	// Standing is each listed member's dues standing today, by member id:
	// StandingGood or StandingLapsed (derived from dues facts; a member
	// with no standing recorded is lapsed).
	Standing map[uuid.UUID]string
}

// cursor is the position after the last member of a page, in the sort's
// keys. It is opaque to clients (base64 of JSON).
type cursor struct {
	Sort   string    `json:"s"`
	Family string    `json:"f,omitempty"`
	Given  string    `json:"g,omitempty"`
	Joined string    `json:"j,omitempty"`
	ID     uuid.UUID `json:"id"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Sort != sort {
		return c, errs.Field("cursor", "is not a cursor of this listing (was the sort changed?)")
	}
	return c, nil
}

// likePattern escapes ILIKE's wildcards in text and wraps it in %...%.
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

// ListMembers returns one page of a chapter's roster. It needs the roster
// read permission in that chapter. Bad filters give Invalid errors naming
// the query parameter.
func (s *Service) ListMembers(ctx context.Context, p *auth.Principal, chapterID uuid.UUID, rq RosterQuery) (RosterPage, error) {
	if !p.Can(auth.RosterRead, chapterID) {
		return RosterPage{}, errs.Forbiddenf("you may not see this chapter's roster")
	}
	if rq.Sort == "" {
		rq.Sort = SortName
	}
	if rq.Limit == 0 {
		rq.Limit = 50
	}
	if rq.Limit < 1 || rq.Limit > 200 {
		return RosterPage{}, errs.Field("limit", "must be between 1 and 200")
	}
	var status, q *string
	switch rq.Status {
	case "":
	case StatusActive, StatusInactive:
		status = &rq.Status
	default:
		return RosterPage{}, errs.Field("status", "must be active or inactive")
	}
	if t := strings.TrimSpace(rq.Text); t != "" {
		pat := likePattern(t)
		q = &pat
	}
	var c cursor
	hasCursor := rq.Cursor != ""
	if hasCursor {
		var err error
		if c, err = decodeCursor(rq.Cursor, rq.Sort); err != nil {
			return RosterPage{}, err
		}
	}
	var after time.Time
	if hasCursor && (rq.Sort == SortJoined || rq.Sort == SortJoinedDesc) {
		var err error
		if after, err = time.Parse(time.DateOnly, c.Joined); err != nil {
			return RosterPage{}, errs.Field("cursor", "is not a cursor of this listing")
		}
	}
	// Optional filters: plan for the values given (see CustomPlans).
	db := postgres.New(postgres.CustomPlans(s.pool))
	lim := int32(rq.Limit + 1)
	var rows []Member
	var err error
	switch {
	case rq.Sort != SortName && rq.Sort != SortNameDesc && rq.Sort != SortJoined && rq.Sort != SortJoinedDesc:
		return RosterPage{}, errs.Field("sort", "must be one of name, -name, joined, -joined")
	case q != nil && utf8.RuneCountInString(strings.TrimSpace(rq.Text)) >= 3:
		// Long enough for the trigram index: collect the matches, then sort.
		rows, err = db.SearchMembers(ctx, postgres.SearchMembersParams{ChapterID: chapterID, Status: status,
			JoinedAfter: rq.JoinedAfter, JoinedBefore: rq.JoinedBefore, Q: *q, HasCursor: hasCursor, Sort: rq.Sort,
			AfterFamily: c.Family, AfterGiven: c.Given, AfterID: c.ID, AfterJoined: after, Lim: lim})
	case rq.Sort == SortName || rq.Sort == SortNameDesc:
		args := postgres.ListMembersByNameParams{ChapterID: chapterID, Status: status, JoinedAfter: rq.JoinedAfter,
			JoinedBefore: rq.JoinedBefore, Q: q, HasCursor: hasCursor, AfterFamily: c.Family, AfterGiven: c.Given,
			AfterID: c.ID, Lim: lim}
		if rq.Sort == SortName {
			rows, err = db.ListMembersByName(ctx, args)
		} else {
			rows, err = db.ListMembersByNameDesc(ctx, postgres.ListMembersByNameDescParams(args))
		}
	default:
		args := postgres.ListMembersByJoinedParams{ChapterID: chapterID, Status: status, JoinedAfter: rq.JoinedAfter,
			JoinedBefore: rq.JoinedBefore, Q: q, HasCursor: hasCursor, AfterJoined: after, AfterID: c.ID, Lim: lim}
		if rq.Sort == SortJoined {
			rows, err = db.ListMembersByJoined(ctx, args)
		} else {
			rows, err = db.ListMembersByJoinedDesc(ctx, postgres.ListMembersByJoinedDescParams(args))
		}
	}
	if err != nil {
		return RosterPage{}, err
	}
	page := RosterPage{Members: rows}
	if len(rows) > rq.Limit {
		page.Members = rows[:rq.Limit]
		last := page.Members[rq.Limit-1]
		page.NextCursor = cursor{Sort: rq.Sort, Family: last.FamilyName, Given: last.GivenName,
			Joined: last.JoinedOn.Format(time.DateOnly), ID: last.ID}.encode()
	}
	ids := make([]uuid.UUID, len(page.Members))
	for i, m := range page.Members {
		ids[i] = m.ID
	}
	st, err := postgres.New(s.pool).MembersStandingOn(ctx, postgres.MembersStandingOnParams{Ids: ids, OnDate: s.Today()})
	if err != nil {
		return RosterPage{}, err
	}
	page.Standing = make(map[uuid.UUID]string, len(st))
	for _, r := range st {
		page.Standing[r.ID] = r.Standing
	}
	return page, nil
}
