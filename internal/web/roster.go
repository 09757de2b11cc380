package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// rosterPageSize is the number of members per roster page.
const rosterPageSize = 50

// rosterPage is the data of roster.html.
type rosterPage struct {
	Chapter      membership.Chapter
	Search       field   // the search box, always shown
	Filters      []field // status, dates and sort, in a disclosure
	FiltersOpen  bool    // open the disclosure: a filter is set or wrong
	FilterError  string  // a problem with no input of its own (the cursor)
	FilterErrors bool
	Filtered     bool
	Members      []membership.Member
	Standing     map[uuid.UUID]string // dues standing today by member id
	NextURL      string
	FirstURL     string
	ExportURL    string
	ExportStatus string
	Import       *form
}

// rosterFilterNames are the query parameters the roster keeps across pages.
var rosterFilterNames = []string{"q", "status", "joined_after", "joined_before", "sort"}

// rosterFilters returns the filter form's fields filled from the query.
func rosterFilters(q url.Values) []field {
	return []field{
		{ID: "q", Name: "q", Label: "Search names and emails", Type: "search", Value: q.Get("q")},
		{ID: "status", Name: "status", Label: "Status", Type: "select", Value: q.Get("status"), Options: []option{
			{"", "Any status"}, {membership.StatusActive, "Active"}, {membership.StatusInactive, "Inactive"}}},
		{ID: "joined_after", Name: "joined_after", Label: "Joined on or after", Type: "date", Value: q.Get("joined_after")},
		{ID: "joined_before", Name: "joined_before", Label: "Joined before", Type: "date", Value: q.Get("joined_before")},
		{ID: "sort", Name: "sort", Label: "Sort by", Type: "select", Value: q.Get("sort"), Options: []option{
			{"", "Name, A to Z"}, {membership.SortNameDesc, "Name, Z to A"},
			{membership.SortJoined, "Joined, oldest first"}, {membership.SortJoinedDesc, "Joined, newest first"}}},
	}
}

// roster is GET /chapters/{id}/roster: one page of the chapter's roster,
// searched, filtered and sorted by the query string.
func (s *Site) roster(rq *request) error {
	ctx := rq.r.Context()
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	q := rq.r.URL.Query()
	rosterQ, err := rosterQuery(q)
	var list membership.RosterPage
	if err == nil {
		list, err = s.d.Members.ListMembers(ctx, rq.p, id, rosterQ)
	}
	fields := rosterFilters(q)
	var page rosterPage
	status := http.StatusOK
	if err != nil {
		f := form{Fields: fields}
		if status = formStatus(&f, err); status == 0 {
			return err // 401, 403, 404, 500
		}
		page.FilterErrors, page.FilterError = true, f.Error
	}
	page.Search, page.Filters = fields[0], fields[1:]
	for _, x := range page.Filters {
		page.FiltersOpen = page.FiltersOpen || x.Value != "" || x.Error != ""
	}
	ch, err := s.d.Members.GetChapter(ctx, rq.p, id)
	if err != nil {
		return err
	}
	page.Chapter, page.Members, page.Standing = ch, list.Members, list.Standing
	keep := url.Values{}
	for _, name := range rosterFilterNames {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			keep.Set(name, v)
			if name != "sort" {
				page.Filtered = true
			}
		}
	}
	base := "/chapters/" + id.String() + "/roster"
	if list.NextCursor != "" {
		next := cloneValues(keep)
		next.Set("cursor", list.NextCursor)
		page.NextURL = base + "?" + next.Encode()
	}
	if q.Get("cursor") != "" {
		page.FirstURL = base
		if len(keep) > 0 {
			page.FirstURL += "?" + keep.Encode()
		}
	}
	if rq.p.Can(auth.RosterExport, id) {
		page.ExportURL = base + "/export.csv"
		if st := q.Get("status"); st == membership.StatusActive || st == membership.StatusInactive {
			page.ExportURL += "?" + url.Values{"status": {st}}.Encode()
			page.ExportStatus = st
		}
	}
	if rq.p.Can(auth.RosterWrite, id) && ch.DissolvedOn == nil {
		page.Import = s.importForm(rq, id)
	}
	return s.render(rq, status, "roster", ch.Name+" roster", page)
}

// rosterQuery reads the roster's query parameters. A malformed date is an
// Invalid error naming its parameter; the domain checks the rest.
func rosterQuery(q url.Values) (membership.RosterQuery, error) {
	rq := membership.RosterQuery{
		Status: q.Get("status"),
		Text:   q.Get("q"),
		Sort:   q.Get("sort"),
		Limit:  rosterPageSize,
		Cursor: q.Get("cursor"),
	}
	var err error
	if rq.JoinedAfter, err = optionalDate("joined_after", q.Get("joined_after")); err != nil {
		return rq, err
	}
	if rq.JoinedBefore, err = optionalDate("joined_before", q.Get("joined_before")); err != nil {
		return rq, err
	}
	return rq, nil
}

// optionalDate parses a YYYY-MM-DD value; empty gives nil.
func optionalDate(name, v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, errs.Field(name, "must be a date written YYYY-MM-DD")
	}
	return &d, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// importForm is the roster import form of chapter id.
func (s *Site) importForm(rq *request, id uuid.UUID) *form {
	return &form{
		Action: "/chapters/" + id.String() + "/roster/import", Submit: "Import", Multipart: true, CSRF: rq.p.CSRFToken(),
		Fields: []field{
			{ID: "import-file", Name: "file", Label: "Roster file (CSV)", Type: "file", Accept: ".csv,text/csv", Required: true},
			{ID: "import-dry-run", Name: "dry_run", Label: "Only check the file; change nothing", Type: "checkbox", Checked: true,
				Hint: "Untick to apply the file. A file with any problem changes nothing either way."},
		},
	}
}
