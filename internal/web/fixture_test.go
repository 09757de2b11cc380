package web_test

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
	"github.com/chapterhouse/chapterhouse/internal/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testRequestID is the request id the fixture's engine gives every request,
// as the API's middleware does in production.
const testRequestID = "req-test-1234"

// userHeader names the demo account a test request acts as; the fake
// authenticator turns it into a principal built by hand.
const userHeader = "X-Test-User"

// fixture is the site on a fresh database holding the demo organization,
// with principals built by hand for the demo accounts.
type fixture struct {
	pool       *pgxpool.Pool
	handler    http.Handler
	chapters   map[string]uuid.UUID // slug -> id
	accounts   map[string]uuid.UUID // demo username -> member id
	principals map[string]*auth.Principal
}

type fakeAuth map[string]*auth.Principal

func (f fakeAuth) Authenticate(r *http.Request) (*auth.Principal, error) {
	if p, ok := f[r.Header.Get(userHeader)]; ok {
		return p, nil
	}
	return nil, errs.E(errs.Unauthenticated, "sign in")
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith is newFixture with a hook that completes the site's
// dependencies (a dues service, say) once the database is seeded.
func newFixtureWith(t *testing.T, deps func(*fixture, *web.Deps)) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	if _, err := demo.Seed(ctx, pool, time.Now().UTC()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	f := &fixture{pool: pool, chapters: map[string]uuid.UUID{}, accounts: map[string]uuid.UUID{},
		principals: map[string]*auth.Principal{}}
	rows, err := pool.Query(ctx, `SELECT id, slug FROM chapters`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uuid.UUID
		var slug string
		if err := rows.Scan(&id, &slug); err != nil {
			t.Fatal(err)
		}
		f.chapters[slug] = id
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	grants := map[string][]auth.Grant{
		"admin":     {{Role: auth.RoleAdmin, ChapterID: f.chapters["national"], National: true}},
		"officer":   {{Role: auth.RoleSecretary, ChapterID: f.chapters["riverside"]}},
		"officer2":  {{Role: auth.RoleChair, ChapterID: f.chapters["northfield"]}},
		"treasurer": {{Role: auth.RoleTreasurer, ChapterID: f.chapters["national"], National: true}},
		"member":    nil,
	}
	for _, a := range demo.Accounts() {
		var id, chapter uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT id, chapter_id FROM members WHERE email = $1`, a.Email).Scan(&id, &chapter); err != nil {
			t.Fatalf("demo account %s: %v", a.Username, err)
		}
		f.accounts[a.Username] = id
		f.principals[a.Username] = &auth.Principal{MemberID: id, ChapterID: chapter, DisplayName: a.Name, Grants: grants[a.Username]}
	}
	d := web.Deps{Members: membership.NewService(pool, time.Now), Auth: fakeAuth(f.principals)}
	if deps != nil {
		deps(f, &d)
	}
	site, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Header("X-Request-ID", testRequestID); c.Next() })
	site.Mount(r, web.AuthHandlers{})
	f.handler = r
	return f
}

// response is a recorded response with its body as a string.
type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, user string, req *http.Request) response {
	t.Helper()
	if user != "" {
		req.Header.Set(userHeader, user)
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	return response{status: w.Code, header: w.Header(), body: w.Body.String()}
}

func (f *fixture) get(t *testing.T, user, path string) response {
	t.Helper()
	return f.do(t, user, httptest.NewRequest(http.MethodGet, path, nil))
}

func (f *fixture) post(t *testing.T, user, path string, form url.Values) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(t, user, req)
}

// upload posts a multipart form with fields and one file part.
func (f *fixture) upload(t *testing.T, user, path string, fields url.Values, fileField, fileName, content string) response {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, vs := range fields {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err == nil {
			_, err = io.WriteString(fw, content)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req := httptest.NewRequest(http.MethodPost, path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(t, user, req)
}

// memberByEmail returns a member's id and status.
func (f *fixture) member(t *testing.T, email string) (uuid.UUID, string) {
	t.Helper()
	var id uuid.UUID
	var status string
	if err := f.pool.QueryRow(context.Background(), `SELECT id, status FROM members WHERE email = $1`, email).Scan(&id, &status); err != nil {
		t.Fatalf("member %s: %v", email, err)
	}
	return id, status
}

// someMember returns the email of an active generated member of a chapter.
func (f *fixture) someMember(t *testing.T, slug string) (uuid.UUID, string) {
	t.Helper()
	var id uuid.UUID
	var email string
	if err := f.pool.QueryRow(context.Background(), `SELECT id, email FROM members
		WHERE chapter_id = $1 AND status = 'active' AND email LIKE '%@example.org' ORDER BY email LIMIT 1`,
		f.chapters[slug]).Scan(&id, &email); err != nil {
		t.Fatalf("a member of %s: %v", slug, err)
	}
	return id, email
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body:\n%.3000s", r.status, status, r.body)
	}
}

func wantContains(t *testing.T, r response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Errorf("body lacks %q:\n%.4000s", s, r.body)
		}
	}
}

func wantLacks(t *testing.T, r response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(r.body, s) {
			t.Errorf("body contains %q but must not", s)
		}
	}
}
