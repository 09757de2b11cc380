package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// maxShownRowErrors bounds the problems table of a rejected import, so a
// wholly wrong 500,000-row file does not make a page of hundreds of
// megabytes; the page says how many more there are.
const maxShownRowErrors = 10_000

// importPage is the data of import.html.
type importPage struct {
	Chapter     membership.Chapter
	Report      *membership.ImportReport
	RowErrors   []membership.RowError
	TotalErrors int
	Form        *form
}

// importRoster is POST /chapters/{id}/roster/import (multipart: file,
// dry_run). A dry run shows the report; a clean file that is applied
// redirects to the roster with the report as the flash message; a
// rejected file shows every problem (up to maxShownRowErrors) in a table,
// with status 422.
func (s *Site) importRoster(rq *request) error {
	ctx := rq.r.Context()
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	ch, err := s.d.Members.GetChapter(ctx, rq.p, id)
	if err != nil {
		return err
	}
	f := s.importForm(rq, id)
	f.fill(rq.r)
	dryRun := rq.r.PostFormValue("dry_run") != ""
	page := importPage{Chapter: ch, Form: f}

	var rep membership.ImportReport
	file, _, err := rq.r.FormFile("file")
	if err != nil {
		err = errs.Field("file", "choose a CSV file to import")
	} else {
		defer file.Close()
		rep, err = s.d.Members.ImportRoster(ctx, rq.p, id, file, dryRun)
	}
	switch {
	case err == nil && !dryRun:
		return s.seeOther(rq, "/chapters/"+id.String()+"/roster", fmt.Sprintf(
			"Imported %d rows: %d created, %d updated, %d unchanged.", rep.Rows, rep.Created, rep.Updated, rep.Unchanged))
	case err == nil:
		page.Report = &rep
		return s.render(rq, http.StatusOK, "import", "Import checked", page)
	}
	status := formStatus(f, err)
	if status == 0 {
		return err
	}
	if e := errs.As(err); e != nil {
		if rows, ok := e.Details.([]membership.RowError); ok && len(rows) > 0 {
			page.TotalErrors = len(rows)
			page.RowErrors = rows[:min(len(rows), maxShownRowErrors)]
			f.Fields[0].Error = "Fix the problems listed above, then choose the file again."
		}
	}
	return s.render(rq, status, "import", "Import refused", page)
}

// exportRoster is GET /chapters/{id}/roster/export.csv[?status=]: the
// chapter's roster as a CSV download, streamed from the domain, which
// checks the export permission and logs the export.
func (s *Site) exportRoster(rq *request) error {
	ctx := rq.r.Context()
	id, err := rq.pathID("id", "chapter")
	if err != nil {
		return err
	}
	ch, err := s.d.Members.GetChapter(ctx, rq.p, id)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-roster-%s.csv", ch.Slug, time.Now().UTC().Format(time.DateOnly))
	w := &csvDownload{w: rq.w, filename: name}
	if err := s.d.Members.ExportRoster(ctx, rq.p, id, rq.r.URL.Query().Get("status"), w); err != nil {
		if w.started {
			// The rows are read before the first byte is written, so this
			// is a failed write to a client that went away: only log it.
			s.log.WarnContext(ctx, "web: roster export cut short", "request_id", rq.w.Header().Get("X-Request-ID"), "err", err)
			return nil
		}
		return err
	}
	if !w.started {
		w.start()
	}
	return nil
}

// csvDownload sets the download headers on the first write, so an error
// before any data (not allowed, not found) can still be shown as a page.
type csvDownload struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (d *csvDownload) start() {
	d.started = true
	h := d.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", d.filename))
	d.w.WriteHeader(http.StatusOK)
}

// Write implements io.Writer.
func (d *csvDownload) Write(p []byte) (int, error) {
	if !d.started {
		d.start()
	}
	return d.w.Write(p)
}
