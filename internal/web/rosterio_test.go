package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestImportShowsEveryRowError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := "/chapters/" + f.chapters["riverside"].String() + "/roster/import"
	bad := "email,given_name,joined_on\n" +
		"ok@example.net,Ok,2020-01-01\n" +
		"not-an-email,Bad,2020-01-01\n" +
		"worse@example.net,,yesterday\n"
	r := f.upload(t, "officer", path, url.Values{}, "file", "roster.csv", bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "The file was rejected: nothing was imported",
		`<th scope="col">Row</th>`, `<th scope="col">Column</th>`, `<th scope="col">Problem</th>`,
		`<td data-label="Row">3</td><td data-label="Column">email</td>`,
		`<td data-label="Row">4</td><td data-label="Column">given_name</td>`,
		`<td data-label="Row">4</td><td data-label="Column">joined_on</td>`,
		"must be a date written YYYY-MM-DD", `id="import-file-error"`, `aria-describedby="import-file-error"`)
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM members WHERE email LIKE '%@example.net'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a rejected file stored %d members (%v)", n, err)
	}

	// A header problem is a row-1 error too.
	r = f.upload(t, "officer", path, url.Values{}, "file", "roster.csv", "mail,given_name\nx,y\n")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `<td data-label="Row">1</td><td data-label="Column">mail</td>`, "required column is missing")

	// No file at all.
	r = f.post(t, "officer", path, url.Values{"dry_run": {"on"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Choose a CSV file to import")

	// A clean file, checked first: a report and no change.
	good := "email,given_name,family_name,joined_on\nnew.one@example.net,New,One,2021-03-04\nnew.two@example.net,New,Two,2022-05-06\n"
	r = f.upload(t, "officer", path, url.Values{"dry_run": {"on"}}, "file", "roster.csv", good)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Check finished: nothing was changed", "<dt>Would create</dt><dd>2</dd>")
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM members WHERE email LIKE '%@example.net'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a dry run stored %d members (%v)", n, err)
	}

	// Then applied: redirect to the roster with the report as flash.
	r = f.upload(t, "officer", path, url.Values{}, "file", "roster.csv", good)
	wantStatus(t, r, http.StatusSeeOther)
	req, _ := http.NewRequest(http.MethodGet, r.header.Get("Location")+"?q=example.net", nil)
	req.AddCookie(flashCookie(t, r))
	r = f.do(t, "officer", req)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Imported 2 rows: 2 created, 0 updated, 0 unchanged.", "new.one@example.net", "new.two@example.net")

	// Someone without the write permission is refused outright.
	r = f.upload(t, "treasurer", path, url.Values{}, "file", "roster.csv", good)
	wantStatus(t, r, http.StatusForbidden)
}

func TestExportStreamsCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := "/chapters/" + f.chapters["riverside"].String() + "/roster/export.csv"
	r := f.get(t, "officer", path+"?status=inactive")
	wantStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="riverside-roster-`) {
		t.Errorf("content disposition %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || recs[0][0] != "email" {
		t.Fatalf("export has %d records, header %v", len(recs), recs[0])
	}
	for _, rec := range recs[1:] {
		if rec[7] != "inactive" {
			t.Fatalf("status filter ignored: %v", rec)
		}
	}
	var logged int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'roster.export'`).Scan(&logged); err != nil || logged != 1 {
		t.Errorf("export audit entries: %d (%v)", logged, err)
	}
	// The treasurer may read the roster but not export it.
	r = f.get(t, "treasurer", path)
	wantStatus(t, r, http.StatusForbidden)
	wantContains(t, r, "Not allowed")
	r = f.get(t, "officer", path+"?status=gone")
	wantStatus(t, r, http.StatusUnprocessableEntity)
}
