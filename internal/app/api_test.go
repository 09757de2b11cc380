package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
)

type problemDoc struct {
	Type      string `json:"type"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Field     string `json:"field"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

func decodeProblem(t *testing.T, ct string, b []byte) problemDoc {
	t.Helper()
	if ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, b)
	}
	var p problemDoc
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.RequestID == "" {
		t.Errorf("problem has no request id: %s", b)
	}
	return p
}

func TestBadInputNamesTheField(t *testing.T) {
	w := newWorld(t)
	admin := w.tokens["admin"]
	riverside := w.chapters["riverside"]
	cases := []struct {
		name, method, path, body, ctype string
		status                          int
		field                           string
	}{
		{"schema: missing required", "POST", "/api/v1/chapters/" + riverside + "/members",
			`{"given_name":"A","joined_on":"2020-01-01"}`, "application/json", 400, "/email"},
		{"schema: bad date", "POST", "/api/v1/chapters/" + riverside + "/members",
			`{"given_name":"A","email":"a@b.org","joined_on":"yesterday"}`, "application/json", 400, "/joined_on"},
		{"schema: unknown field", "POST", "/api/v1/chapters/" + riverside + "/members",
			`{"given_name":"A","email":"a@b.org","joined_on":"2020-01-01","shoe":9}`, "application/json", 400, "/shoe"},
		{"schema: same key in two cases", "POST", "/api/v1/chapters/" + riverside + "/members",
			`{"given_name":"A","email":"ok@b.org","Email":"evil@b.org","joined_on":"2020-01-01"}`, "application/json", 400, "/Email"},
		{"domain: bad email", "POST", "/api/v1/chapters/" + riverside + "/members",
			`{"given_name":"A","email":"not an email","joined_on":"2020-01-01"}`, "application/json", 422, "/email"},
		{"domain: future join", "POST", "/api/v1/chapters/" + riverside + "/members",
			`{"given_name":"A","email":"f@b.org","joined_on":"2999-01-01"}`, "application/json", 422, "/joined_on"},
		{"query: bad limit", "GET", "/api/v1/chapters/" + riverside + "/members?limit=0", "", "", 400, "limit"},
		{"query: bad sort", "GET", "/api/v1/chapters/" + riverside + "/members?sort=shoe", "", "", 400, "sort"},
		{"query: bad cursor", "GET", "/api/v1/chapters/" + riverside + "/members?cursor=xyz", "", "", 422, "cursor"},
		{"path: bad uuid", "GET", "/api/v1/members/not-a-uuid", "", "", 400, "memberId"},
		{"conflict: slug", "POST", "/api/v1/chapters", `{"slug":"riverside","name":"Again"}`, "application/json", 409, "/slug"},
		{"not found", "GET", "/api/v1/members/00000000-0000-4000-8000-000000000000", "", "", 404, ""},
	}
	for _, c := range cases {
		resp, b := w.env.Do(t, admin, c.method, c.path, strings.NewReader(c.body), c.ctype)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, b)
			continue
		}
		p := decodeProblem(t, resp.Header.Get("Content-Type"), b)
		if c.field != "" && p.Field != c.field {
			t.Errorf("%s: field %q, want %q (%s)", c.name, p.Field, c.field, b)
		}
		if p.Detail == "" {
			t.Errorf("%s: no detail: %s", c.name, b)
		}
	}
	// Nothing above may have been stored.
	var n int
	if err := w.env.Pool.QueryRow(t.Context(), `SELECT count(*) FROM members WHERE email LIKE '%@b.org'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rejected requests stored %d members (%v)", n, err)
	}
}

func TestImportOverHTTPListsEveryBadRow(t *testing.T) {
	w := newWorld(t)
	path := "/api/v1/chapters/" + w.chapters["riverside"] + "/members/import"
	file := "email,given_name,joined_on\nok@example.net,Ok,2020-01-01\nbad,Bad,2020-01-01\nworse@example.net,,not-a-date\n"
	resp, b := w.env.Do(t, w.tokens["officer"], "POST", path, strings.NewReader(file), "text/csv")
	if resp.StatusCode != 422 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	p := decodeProblem(t, resp.Header.Get("Content-Type"), b)
	got := []string{}
	for _, e := range p.Errors {
		got = append(got, e.Column+"@"+string(rune('0'+e.Row)))
	}
	if strings.Join(got, " ") != "email@3 given_name@4 joined_on@4" {
		t.Fatalf("row errors = %v: %s", got, b)
	}
	resp, b = w.env.Do(t, w.tokens["officer"], "POST", path+"?dry_run=true", strings.NewReader(file[:strings.Index(file, "bad,")]), "text/csv")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"created":1`) || !strings.Contains(string(b), `"dry_run":true`) {
		t.Fatalf("dry run: %d %s", resp.StatusCode, b)
	}
}

func TestServiceEndpoints(t *testing.T) {
	env := apptest.Start(t)
	for path, want := range map[string]string{
		"/healthz":      `"ok"`,
		"/readyz":       `"ok"`,
		"/openapi.yaml": "openapi: 3.0.3",
		"/docs":         "/api/v1/chapters/{chapterId}/members/import",
	} {
		resp, b := env.Do(t, "", "GET", path, nil, "")
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	resp, b := env.Do(t, "", "GET", "/metrics", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `chapterhouse_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics do not count requests: %d\n%.2000s", resp.StatusCode, b)
	}
	resp, b = env.Do(t, "", "GET", "/api/v1/nowhere", nil, "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown endpoint: %d %s", resp.StatusCode, b)
	}
	decodeProblem(t, resp.Header.Get("Content-Type"), b)
	resp, b = env.Do(t, "not-a-jwt", "GET", "/api/v1/me", nil, "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad token: %d %s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), "not-a-jwt") {
		t.Errorf("the problem echoes the token: %s", b)
	}
}
