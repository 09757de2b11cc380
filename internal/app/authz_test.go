package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is what the matrix needs to know about the demo organization.
type world struct {
	env       *apptest.Env
	tokens    map[string]string
	chapters  map[string]string // slug -> id
	riverside []string          // ids of ordinary Riverside members
	self      string            // the plain member's own id
}

func newWorld(t *testing.T) *world {
	env := apptest.Start(t)
	w := &world{env: env, tokens: map[string]string{"anonymous": ""}, chapters: map[string]string{}}
	for _, u := range []string{"member", "officer", "officer2", "admin"} {
		w.tokens[u] = env.Token(t, u)
	}
	var cs struct {
		Items []struct{ ID, Slug string }
	}
	getJSON(t, env, w.tokens["admin"], "/api/v1/chapters", &cs)
	for _, c := range cs.Items {
		w.chapters[c.Slug] = c.ID
	}
	var page struct {
		Items []struct{ ID, Email string }
	}
	getJSON(t, env, w.tokens["admin"], "/api/v1/chapters/"+w.chapters["riverside"]+"/members?limit=200&status=active", &page)
	for _, m := range page.Items {
		if strings.HasSuffix(m.Email, "@example.org") {
			w.riverside = append(w.riverside, m.ID)
		}
	}
	var me struct{ Member struct{ ID string } }
	getJSON(t, env, w.tokens["member"], "/api/v1/me", &me)
	w.self = me.Member.ID
	if len(w.riverside) < 10 || w.self == "" {
		t.Fatalf("demo organization not as expected: %d riverside members, self %q", len(w.riverside), w.self)
	}
	return w
}

// grant makes a member treasurer of a chapter from today, as the admin, and
// returns the assignment's id.
func grant(t *testing.T, w *world, chapter, member string) string {
	t.Helper()
	resp, body := w.env.Do(t, w.tokens["admin"], "POST", "/api/v1/chapters/"+chapter+"/roles",
		strings.NewReader(`{"member_id":"`+member+`","role":"treasurer"}`), "application/json")
	var a struct{ ID string }
	if resp.StatusCode != 201 || json.Unmarshal(body, &a) != nil {
		t.Fatalf("grant: %d %s", resp.StatusCode, body)
	}
	return a.ID
}

func getJSON(t *testing.T, env *apptest.Env, token, path string, v any) {
	t.Helper()
	resp, body := env.Do(t, token, "GET", path, nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatal(err)
	}
}

// TestAuthorizationMatrix checks every chapter, roster and role endpoint for five
// callers: nobody, a plain Riverside member, a Riverside officer with the
// roster permission, a Northfield officer, and a national admin.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	riverside, lakeshore := w.chapters["riverside"], w.chapters["lakeshore"]
	actors := []string{"anonymous", "member", "officer", "officer2", "admin"}
	// Each mutating call by an allowed actor needs its own target, so
	// targets are handed out per actor.
	next := 0
	target := func() string { next++; return w.riverside[next] }
	n := 0
	unique := func() string { n++; return fmt.Sprintf("matrix-%d", n) }

	type call struct {
		name   string
		method string
		path   func() string
		body   func() string
		ctype  string
		want   map[string]int
	}
	all200 := map[string]int{"anonymous": 401, "member": 200, "officer": 200, "officer2": 200, "admin": 200}
	roster := func(ok int) map[string]int {
		return map[string]int{"anonymous": 401, "member": 403, "officer": ok, "officer2": 403, "admin": ok}
	}
	adminOnly := func(ok int) map[string]int {
		return map[string]int{"anonymous": 401, "member": 403, "officer": 403, "officer2": 403, "admin": ok}
	}
	fixed := func(s string) func() string { return func() string { return s } }
	calls := []call{
		{"me", "GET", fixed("/api/v1/me"), nil, "", all200},
		{"list chapters", "GET", fixed("/api/v1/chapters"), nil, "", all200},
		{"get chapter", "GET", fixed("/api/v1/chapters/" + riverside), nil, "", all200},
		{"create chapter", "POST", fixed("/api/v1/chapters"),
			func() string { return fmt.Sprintf(`{"slug":"%s","name":"Matrix Chapter"}`, unique()) }, "application/json", adminOnly(201)},
		{"rename chapter", "PATCH", fixed("/api/v1/chapters/" + lakeshore),
			fixed(`{"name":"Lakeshore Chapter (renamed)"}`), "application/json", adminOnly(200)},
		{"dissolve chapter", "POST", func() string {
			// A chapter with no members, made fresh so each allowed call has one.
			resp, body := w.env.Do(t, w.tokens["admin"], "POST", "/api/v1/chapters",
				strings.NewReader(fmt.Sprintf(`{"slug":"%s","name":"Empty"}`, unique())), "application/json")
			var c struct{ ID string }
			if resp.StatusCode != 201 || json.Unmarshal(body, &c) != nil {
				t.Fatalf("make empty chapter: %d %s", resp.StatusCode, body)
			}
			return "/api/v1/chapters/" + c.ID + "/dissolve"
		}, fixed(`{}`), "application/json", adminOnly(200)},
		{"list roster", "GET", fixed("/api/v1/chapters/" + riverside + "/members"), nil, "", roster(200)},
		{"create member", "POST", fixed("/api/v1/chapters/" + riverside + "/members"), func() string {
			return fmt.Sprintf(`{"given_name":"Matrix","email":"%s@example.net","joined_on":"2024-01-02"}`, unique())
		}, "application/json", roster(201)},
		{"get member", "GET", func() string { return "/api/v1/members/" + w.riverside[0] }, nil, "", roster(200)},
		{"member history", "GET", func() string { return "/api/v1/members/" + w.riverside[0] + "/history" }, nil, "", roster(200)},
		{"update member", "PATCH", func() string { return "/api/v1/members/" + w.riverside[0] },
			func() string { return `{"phone":"+1 555 ` + unique() + `"}` }, "application/json", roster(200)},
		{"deactivate member", "POST", func() string { return "/api/v1/members/" + target() + "/deactivate" },
			fixed(`{"reason":"moved away"}`), "application/json", roster(200)},
		{"import roster", "POST", fixed("/api/v1/chapters/" + riverside + "/members/import"), func() string {
			return "email,given_name,joined_on\n" + unique() + "@example.net,Imported,2023-05-06\n"
		}, "text/csv", roster(200)},
		{"export roster", "GET", fixed("/api/v1/chapters/" + riverside + "/members/export"), nil, "", roster(200)},
		{"list roles", "GET", fixed("/api/v1/chapters/" + riverside + "/roles?include_ended=true"), nil, "", all200},
		{"grant role", "POST", fixed("/api/v1/chapters/" + riverside + "/roles"),
			func() string { return `{"member_id":"` + target() + `","role":"treasurer"}` }, "application/json", adminOnly(201)},
		{"end role", "POST", func() string { return "/api/v1/roles/" + grant(t, w, riverside, target()) + "/end" },
			fixed(`{"ends_on":"2099-01-01"}`), "application/json", adminOnly(200)},
		{"remove role", "DELETE", func() string { return "/api/v1/roles/" + grant(t, w, riverside, target()) }, nil, "", adminOnly(204)},
	}
	for _, c := range calls {
		for _, actor := range actors {
			var body io.Reader
			if c.body != nil {
				body = strings.NewReader(c.body())
			}
			resp, b := w.env.Do(t, w.tokens[actor], c.method, c.path(), body, c.ctype)
			if want := c.want[actor]; resp.StatusCode != want {
				t.Errorf("%s as %s: status %d, want %d: %s", c.name, actor, resp.StatusCode, want, b)
				continue
			}
			if resp.StatusCode >= 400 {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s as %s: error content type %q, want application/problem+json", c.name, actor, ct)
				}
				var p struct {
					Status int    `json:"status"`
					Type   string `json:"type"`
				}
				if err := json.Unmarshal(b, &p); err != nil || p.Status != resp.StatusCode || p.Type == "" {
					t.Errorf("%s as %s: body is not a problem document: %s", c.name, actor, b)
				}
			}
		}
	}
	// A member may read their own record, but not change it through the
	// roster endpoints.
	if resp, b := w.env.Do(t, w.tokens["member"], "GET", "/api/v1/members/"+w.self, nil, ""); resp.StatusCode != 200 {
		t.Errorf("member reading self: %d %s", resp.StatusCode, b)
	}
	if resp, _ := w.env.Do(t, w.tokens["member"], "PATCH", "/api/v1/members/"+w.self,
		strings.NewReader(`{"given_name":"Mallory"}`), "application/json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("member patching self: %d, want 403", resp.StatusCode)
	}
	// The Northfield officer sees their own chapter's roster.
	if resp, b := w.env.Do(t, w.tokens["officer2"], "GET", "/api/v1/chapters/"+w.chapters["northfield"]+"/members", nil, ""); resp.StatusCode != 200 {
		t.Errorf("officer2 on own chapter: %d %s", resp.StatusCode, b)
	}
}
