package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	assets "github.com/chapterhouse/chapterhouse/web"
)

// pageNames are the page templates; each is parsed together with
// layout.html, which holds the page frame and the shared partials.
var pageNames = slices.Concat([]string{"home", "me", "roster", "member", "chapters", "officers", "import", "error"},
	electionPageNames, duesPageNames)

// templates is the parsed page set and the static files' version hashes.
type templates struct {
	pages  map[string]*template.Template
	static fs.FS
	hashes map[string]string // static file name -> short content hash
}

func loadTemplates() (*templates, error) {
	static, err := fs.Sub(assets.FS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	t := &templates{pages: map[string]*template.Template{}, static: static, hashes: map[string]string{}}
	err = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		t.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: hash static files: %w", err)
	}
	funcs := template.FuncMap{
		"asset": t.assetURL,
		"iso":   func(d time.Time) string { return d.Format(time.DateOnly) },
		"human": humanDate,
	}
	for _, name := range pageNames {
		files := []string{"templates/layout.html", "templates/" + name + ".html"}
		if strings.HasPrefix(name, "treasurer") {
			// The treasurer's pages share their report header and picker.
			files = append(files, "templates/treasurer_common.html")
		}
		p, err := template.New(name).Funcs(funcs).ParseFS(assets.FS, files...)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		t.pages[name] = p
	}
	return t, nil
}

// assetURL returns the URL of a static file with its content hash as a
// version, so a changed file is fetched again despite caching.
func (t *templates) assetURL(name string) (string, error) {
	h, ok := t.hashes[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

// view is what the layout renders around every page.
type view struct {
	Title     string
	User      *auth.Principal // nil when signed out
	Nav       []navItem
	CSRF      string
	Flash     string
	SignInURL string
	RequestID string
	Data      any // the page's own data
}

type navItem struct {
	Label, Href string
	Current     bool
}

// render executes page name into a buffer and writes it with status, so a
// template error becomes a clean 500 instead of half a page.
func (s *Site) render(rq *request, status int, name, title string, data any) error {
	t, ok := s.tpl.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	v := view{
		Title:     title,
		User:      rq.p,
		Nav:       navFor(rq.p, rq.r.URL.Path, s.d.Dues != nil),
		CSRF:      rq.p.CSRFToken(),
		Flash:     rq.flash,
		SignInURL: signInURL(rq.r),
		RequestID: rq.w.Header().Get("X-Request-ID"),
		Data:      data,
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	rq.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.w.WriteHeader(status)
	_, err := buf.WriteTo(rq.w)
	if err != nil {
		// The client went away; nothing more can be sent.
		s.log.DebugContext(rq.r.Context(), "web: write page", "err", err)
	}
	return nil
}

// signInURL is the login link that brings the visitor back to this page
// (for a GET) or to the page that posted the form.
func signInURL(r *http.Request) string {
	back := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		back = r.URL.Path
	}
	if back == "" {
		back = "/"
	}
	return "/auth/login?" + url.Values{auth.ReturnToParam: {auth.SafeReturnPath(back)}}.Encode()
}

// navFor lists the pages p may use; dues adds the dues and treasurer
// pages. It is a courtesy: every page checks its own permission through
// the domain.
func navFor(p *auth.Principal, current string, dues bool) []navItem {
	if p == nil {
		return nil
	}
	items := []navItem{{Label: "Home", Href: "/"}, {Label: "My membership", Href: "/me"}}
	all, chapters := p.Scope(auth.RosterRead)
	chaptersLabel := "Chapters"
	switch {
	case all || len(chapters) > 1:
		chaptersLabel = "Chapters and rosters"
	case len(chapters) == 1:
		items = append(items, navItem{Label: "Roster", Href: "/chapters/" + chapters[0].String() + "/roster"})
	}
	items = append(items, navItem{Label: chaptersLabel, Href: "/chapters"}, navItem{Label: "Elections", Href: "/elections"})
	if dues {
		items = slices.Insert(items, 2, navItem{Label: "Dues", Href: "/me/dues"})
		if all, ids := p.Scope(auth.LedgerRead); all || len(ids) > 0 {
			items = append(items, navItem{Label: "Treasurer", Href: "/treasurer"})
		}
	}
	for i := range items {
		items[i].Current = items[i].Href == current ||
			(items[i].Href == "/treasurer" && strings.HasPrefix(current, "/treasurer/"))
	}
	return items
}

// static serves a file from web/static (GET /static/*path). Pages link
// them with the content hash as ?v=, so they may be cached for a day.
func (s *Site) static(c *gin.Context) { s.serveStatic(c.Writer, c.Request, c.Param("path")) }

// serveStatic serves one embedded static file, or 404.
func (s *Site) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if _, ok := s.tpl.hashes[name]; !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(w, r, s.tpl.static, name)
}

// humanDate is a date as pages and messages show it: 24 Nov 2026.
func humanDate(d time.Time) string { return d.Format("2 Jan 2006") }
