package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSecurityHeadersAndLandingPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get(t, "", "/")
	wantStatus(t, r, http.StatusOK)
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := r.header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", h, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q does not forbid framing", csp)
	}
	wantContains(t, r, `<html lang="en">`, `name="viewport"`, `href="#main"`, `id="main"`,
		`href="/auth/login?return_to=%2F"`, "Sign in", "democratic membership organization")
	wantLacks(t, r, "Sign out", "/chapters")

	// Signed in, the landing page links to what the user may use.
	r = f.get(t, "officer", "/")
	wantStatus(t, r, http.StatusOK)
	riverside := f.chapters["riverside"].String()
	wantContains(t, r, "Welcome, Olu Officer", `href="/me"`, `href="/chapters/`+riverside+`/roster"`,
		"Riverside Chapter roster", `action="/auth/logout"`, "Sign out")
	wantLacks(t, r, f.chapters["northfield"].String(), "Charter, rename")
	r = f.get(t, "member", "/")
	wantLacks(t, r, "/roster", "Rosters you look after")
	r = f.get(t, "admin", "/")
	wantContains(t, r, "Charter, rename and dissolve", "Northfield Chapter roster", "Lakeshore Chapter roster")

	// The stylesheet is served with its content type and cache headers.
	css := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(r.body)
	if css == nil {
		t.Fatal("no stylesheet link")
	}
	s := f.get(t, "", css[1])
	wantStatus(t, s, http.StatusOK)
	if ct := s.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("stylesheet content type %q", ct)
	}
	wantStatus(t, f.get(t, "", "/static/../templates/layout.html"), http.StatusNotFound)
	wantStatus(t, f.get(t, "", "/static/nope.css"), http.StatusNotFound)
}

func TestMePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get(t, "officer", "/me")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "My membership", "Olu Officer", "Riverside Chapter", "olu.officer@demo.chapterhouse.test",
		"Status history", "joined", "Secretary", `aria-current="page"`)
	r = f.get(t, "treasurer", "/me")
	wantContains(t, r, "Treasurer", "National Organization (every chapter)", "Lakeshore Chapter")
	r = f.get(t, "member", "/me")
	wantContains(t, r, "You hold no office")

	// Signed out: a sign-in prompt that returns here.
	r = f.get(t, "", "/me")
	wantStatus(t, r, http.StatusUnauthorized)
	wantContains(t, r, "Please sign in", `href="/auth/login?return_to=%2Fme"`)
}

func TestRosterPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	riverside := f.chapters["riverside"].String()
	base := "/chapters/" + riverside + "/roster"
	r := f.get(t, "officer", base)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Riverside Chapter roster", `<th scope="col">Name</th>`, `<th scope="row" data-label="Name">`,
		`<label for="q">`, "Export CSV", `href="`+base+`/export.csv"`, `enctype="multipart/form-data"`,
		`name="dry_run"`, "Next page", `aria-current="page"`)
	if n := strings.Count(r.body, `<tr>`) - 1; n != 50 {
		t.Errorf("first page shows %d members, want 50", n)
	}

	// Search: the generated member is found by part of their family name,
	// and the Next page link keeps the filters.
	_, email := f.someMember(t, "riverside")
	var family string
	if err := f.pool.QueryRow(context.Background(), `SELECT family_name FROM members WHERE email = $1`, email).Scan(&family); err != nil {
		t.Fatal(err)
	}
	r = f.get(t, "officer", base+"?"+url.Values{"q": {family}}.Encode())
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, email, "matching your search", "Clear search and filters")

	r = f.get(t, "officer", base+"?status=active&sort=-joined&joined_after=2000-01-01")
	wantStatus(t, r, http.StatusOK)
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(r.body)
	if next == nil {
		t.Fatal("no Next page link")
	}
	nextURL := html.UnescapeString(next[1])
	for _, keep := range []string{"status=active", "sort=-joined", "joined_after=2000-01-01", "cursor="} {
		if !strings.Contains(nextURL, keep) {
			t.Errorf("next link %q lacks %q", nextURL, keep)
		}
	}
	r2 := f.get(t, "officer", nextURL)
	wantStatus(t, r2, http.StatusOK)
	wantContains(t, r2, "First page")
	if strings.Contains(r2.body, "Inactive</span>") {
		t.Error("the status filter was lost on page 2")
	}

	// A bad filter shows the search form again with the message tied to
	// the input.
	r = f.get(t, "officer", base+"?joined_after=last+tuesday")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="joined_after-error"`, `aria-describedby="joined_after-error"`, "<details class=\"more-filters\" open>",
		`aria-invalid="true"`, "Must be a date written YYYY-MM-DD", `value="last tuesday"`)
	r = f.get(t, "officer", base+"?cursor=garbage")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Is not a cursor of this listing")

	// The national treasurer may read but not export or import.
	r = f.get(t, "treasurer", base)
	wantStatus(t, r, http.StatusOK)
	wantLacks(t, r, "Export CSV", "multipart/form-data")
}

func TestRosterOfAnotherChapterIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, northEmail := f.someMember(t, "northfield")
	northfield := "/chapters/" + f.chapters["northfield"].String() + "/roster"
	for _, user := range []string{"officer", "member"} {
		r := f.get(t, user, northfield)
		wantStatus(t, r, http.StatusForbidden)
		wantContains(t, r, "Not allowed", "You may not see this chapter&#39;s roster.")
		wantLacks(t, r, northEmail, "Export CSV")
	}
	r := f.get(t, "officer2", northfield)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, northEmail)

	wantStatus(t, f.get(t, "officer", northfield+"/export.csv"), http.StatusForbidden)
	wantStatus(t, f.get(t, "", northfield), http.StatusUnauthorized)
	wantStatus(t, f.get(t, "admin", "/chapters/not-a-uuid/roster"), http.StatusNotFound)
	wantStatus(t, f.get(t, "admin", "/chapters/00000000-0000-4000-8000-000000000000/roster"), http.StatusNotFound)
}

func TestMemberPageAndForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, email := f.someMember(t, "riverside")
	path := "/members/" + id.String()

	r := f.get(t, "officer", path)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, email, "Contact details", "Status history", "Edit record", `name="csrf_token"`,
		"Deactivate membership", `<label for="reason">`, "Back to the Riverside Chapter roster")

	// Other people see no contact details: the domain refuses.
	for _, user := range []string{"officer2", "member"} {
		r = f.get(t, user, path)
		wantStatus(t, r, http.StatusForbidden)
		wantLacks(t, r, email)
	}
	// A treasurer reads but cannot edit.
	r = f.get(t, "treasurer", path)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, email)
	wantLacks(t, r, "Edit record", "Deactivate membership")
	wantStatus(t, f.get(t, "officer", "/members/nope"), http.StatusNotFound)
	wantStatus(t, f.get(t, "officer", "/members/00000000-0000-4000-8000-000000000000"), http.StatusNotFound)

	// A bad email shows the form again with the error beside the field and
	// the submitted values kept.
	form := url.Values{"given_name": {"Renamed"}, "family_name": {"Person"}, "email": {"not an email"},
		"phone": {"+1 555 0000"}, "postal_address": {"1 Road"}, "joined_on": {"2020-02-02"}}
	r = f.post(t, "officer", path, form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="email-error"`, `aria-describedby="email-error"`, "Is not an email address", `value="Renamed"`,
		"There is a problem", `href="#email"`)
	if _, st := f.member(t, email); st != "active" {
		t.Fatal("member changed")
	}

	// A good edit redirects with a flash message.
	form.Set("email", "renamed.person@example.net")
	r = f.post(t, "officer", path, form)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != path {
		t.Fatalf("redirect to %q", loc)
	}
	flash := flashCookie(t, r)
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(flash)
	r = f.do(t, "officer", req)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, `role="status"`, "The member&#39;s record was saved.", "renamed.person@example.net", "Renamed Person")

	// Deactivation needs a reason.
	r = f.post(t, "officer", path+"/deactivate", url.Values{"reason": {"  "}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="reason-error"`, "Is required")
	r = f.post(t, "officer", path+"/deactivate", url.Values{"reason": {"moved away"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = f.get(t, "officer", path)
	wantContains(t, r, "moved away", "Inactive</span>")
	wantLacks(t, r, "Deactivate membership")

	// Someone without the roster write permission is refused.
	id2, _ := f.someMember(t, "northfield")
	r = f.post(t, "officer", "/members/"+id2.String()+"/deactivate", url.Values{"reason": {"x"}})
	wantStatus(t, r, http.StatusForbidden)
}

func flashCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if strings.HasSuffix(c.Name, "chapterhouse_flash") && c.MaxAge > 0 {
			return c
		}
	}
	t.Fatalf("no flash cookie in %v", r.header)
	return nil
}

func TestChaptersPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get(t, "member", "/chapters")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Riverside Chapter", "Northfield Chapter", "Lakeshore Chapter", `<th scope="col">Chapter</th>`)
	wantLacks(t, r, "Charter a chapter", "Rename", "/roster")
	wantStatus(t, f.post(t, "member", "/chapters", url.Values{"name": {"X"}, "slug": {"x"}}), http.StatusForbidden)

	r = f.get(t, "officer", "/chapters")
	wantContains(t, r, "/chapters/"+f.chapters["riverside"].String()+"/roster")
	wantLacks(t, r, "/chapters/"+f.chapters["northfield"].String()+"/roster", "Charter a chapter")

	r = f.get(t, "admin", "/chapters")
	wantContains(t, r, "Charter a chapter", "<summary>Rename", "<summary>Dissolve")

	// A slug in use: the form comes back with the conflict beside the slug.
	r = f.post(t, "admin", "/chapters", url.Values{"name": {"Hillside Chapter"}, "slug": {"riverside"}})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r, `id="charter-slug-error"`, "Another chapter already has this slug", `value="Hillside Chapter"`)

	r = f.post(t, "admin", "/chapters", url.Values{"name": {"Hillside Chapter"}, "slug": {"hillside"}})
	wantStatus(t, r, http.StatusSeeOther)
	var hillside string
	if err := f.pool.QueryRow(context.Background(), `SELECT id::text FROM chapters WHERE slug = 'hillside'`).Scan(&hillside); err != nil {
		t.Fatal(err)
	}
	r = f.post(t, "admin", "/chapters/"+hillside+"/rename", url.Values{"name": {"Hillside and Dale"}, "slug": {"hillside"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = f.post(t, "admin", "/chapters/"+hillside+"/rename", url.Values{"name": {" "}, "slug": {"hillside"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="rename-`+hillside+`-name-error"`, "<details open>")

	// A chapter with members cannot be dissolved; an empty one can.
	r = f.post(t, "admin", "/chapters/"+f.chapters["lakeshore"].String()+"/dissolve", url.Values{})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r, "still has", "active members")
	r = f.post(t, "admin", "/chapters/"+hillside+"/dissolve", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	r = f.get(t, "admin", "/chapters")
	wantContains(t, r, "Hillside and Dale", "Dissolved <time")
}

func TestInternalErrorShowsOnlyTheRequestID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.pool.Close() // every query now fails inside the domain
	r := f.get(t, "officer", "/me")
	wantStatus(t, r, http.StatusInternalServerError)
	wantContains(t, r, "Something went wrong", testRequestID)
	wantLacks(t, r, "pool", "closed", "sql")
}
