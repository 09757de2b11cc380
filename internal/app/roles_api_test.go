package app_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestRoleGrantTakesEffectAtOnce: a role granted through the API gives its
// permissions on the holder's next request and removing it takes them
// away; refusals name the field at fault; the changes are audited.
func TestRoleGrantTakesEffectAtOnce(t *testing.T) {
	w := newWorld(t)
	admin, member := w.tokens["admin"], w.tokens["member"]
	riverside := w.chapters["riverside"]
	roster := "/api/v1/chapters/" + riverside + "/members?limit=5"

	if resp, _ := w.env.Do(t, member, "GET", roster, nil, ""); resp.StatusCode != 403 {
		t.Fatalf("a plain member reads the roster: %d", resp.StatusCode)
	}
	resp, body := w.env.Do(t, admin, "POST", "/api/v1/chapters/"+riverside+"/roles",
		strings.NewReader(`{"email":"`+memberEmail(t, w)+`","role":"membership_officer"}`), "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("grant: %d %s", resp.StatusCode, body)
	}
	var a struct {
		ID         string  `json:"id"`
		MemberID   string  `json:"member_id"`
		MemberName string  `json:"member_name"`
		Active     bool    `json:"holder_active"`
		Role       string  `json:"role"`
		StartsOn   string  `json:"starts_on"`
		EndsOn     *string `json:"ends_on"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	if a.MemberID != w.self || a.MemberName != "Mae Member" || !a.Active || a.Role != "membership_officer" || a.EndsOn != nil {
		t.Errorf("granted: %s", body)
	}
	if resp, body := w.env.Do(t, member, "GET", roster, nil, ""); resp.StatusCode != 200 {
		t.Errorf("the new membership officer reads the roster: %d %s", resp.StatusCode, body)
	}
	// Their own grants say so.
	var me struct {
		Grants []struct {
			Role      string `json:"role"`
			ChapterID string `json:"chapter_id"`
		} `json:"grants"`
	}
	getJSON(t, w.env, member, "/api/v1/me", &me)
	if len(me.Grants) != 1 || me.Grants[0].Role != "membership_officer" || me.Grants[0].ChapterID != riverside {
		t.Errorf("/me grants after the grant: %+v", me.Grants)
	}

	for _, c := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"unknown role", "POST", "/api/v1/chapters/" + riverside + "/roles", `{"member_id":"` + w.self + `","role":"king"}`, 400, "/role"},
		{"same role again", "POST", "/api/v1/chapters/" + riverside + "/roles", `{"member_id":"` + w.self + `","role":"membership_officer"}`, 409, "/starts_on"},
		{"no one", "POST", "/api/v1/chapters/" + riverside + "/roles", `{"role":"chair"}`, 422, "/member_id"},
		{"past start", "POST", "/api/v1/chapters/" + riverside + "/roles", `{"member_id":"` + w.self + `","role":"chair","starts_on":"2001-01-01"}`, 422, "/starts_on"},
		{"another chapter's member", "POST", "/api/v1/chapters/" + w.chapters["northfield"] + "/roles", `{"member_id":"` + w.self + `","role":"chair"}`, 422, "/member_id"},
		{"end before start", "POST", "/api/v1/roles/" + a.ID + "/end", `{"ends_on":"` + a.StartsOn + `"}`, 422, "/ends_on"},
		{"unknown assignment", "DELETE", "/api/v1/roles/00000000-0000-4000-8000-000000000000", "", 404, ""},
	} {
		var rd io.Reader
		ctype := ""
		if c.body != "" {
			rd, ctype = strings.NewReader(c.body), "application/json"
		}
		resp, body := w.env.Do(t, admin, c.method, c.path, rd, ctype)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.status)
			continue
		}
		if p := decodeProblem(t, resp.Header.Get("Content-Type"), body); p.Field != c.field {
			t.Errorf("%s: field %q, want %q (%s)", c.name, p.Field, c.field, body)
		}
	}

	// Granted in error today: removed, and the permission is gone.
	if resp, body := w.env.Do(t, admin, "DELETE", "/api/v1/roles/"+a.ID, nil, ""); resp.StatusCode != 204 {
		t.Fatalf("remove: %d %s", resp.StatusCode, body)
	}
	if resp, _ := w.env.Do(t, member, "GET", roster, nil, ""); resp.StatusCode != 403 {
		t.Errorf("after removal the member reads the roster: %d", resp.StatusCode)
	}
	var n int
	if err := w.env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE entity = 'role_assignment' AND entity_id = $1 AND action IN ('role.grant', 'role.remove')`, a.ID).Scan(&n); err != nil || n != 2 {
		t.Errorf("audit entries for the grant and removal: %d (%v), want 2", n, err)
	}
}

// memberEmail is the demo plain member's email address, as the admin sees it.
func memberEmail(t *testing.T, w *world) string {
	t.Helper()
	var m struct{ Email string }
	getJSON(t, w.env, w.tokens["admin"], "/api/v1/members/"+w.self, &m)
	return m.Email
}
