package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestOfficersPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	riverside := f.chapters["riverside"].String()
	page := "/chapters/" + riverside + "/officers"

	// Any member sees who holds office (the demo's Riverside secretary),
	// without the forms.
	r := f.get(t, "member", page)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Officers of Riverside Chapter", "Secretary", "Olu Officer", "Current")
	wantLacks(t, r, "Grant a role", "End the term")
	wantStatus(t, f.post(t, "member", page, url.Values{"email": {"x@example.org"}, "role": {"chair"}}), http.StatusForbidden)
	// So does the chapters page link to it.
	wantContains(t, f.get(t, "member", "/chapters"), `href="`+page+`"`)
	// The secretary manages the roster, not the officers.
	wantLacks(t, f.get(t, "officer", page), "Grant a role")

	// The national admin grants a role; refusals come back beside the field.
	_, email := f.someMember(t, "riverside")
	_, northEmail := f.someMember(t, "northfield")
	r = f.get(t, "admin", page)
	wantContains(t, r, "Grant a role", `id="grant-email"`, `<option value="membership_officer">Membership officer</option>`)
	r = f.post(t, "admin", page, url.Values{"email": {""}, "role": {"chair"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="grant-email-error"`, "Enter the member&#39;s email address")
	r = f.post(t, "admin", page, url.Values{"email": {northEmail}, "role": {"chair"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="grant-email-error"`, "another chapter", `value="`+northEmail+`"`)
	r = f.post(t, "admin", page, url.Values{"email": {email}, "role": {""}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="grant-role-error"`)
	r = f.post(t, "admin", page, url.Values{"email": {email}, "role": {"treasurer"}, "starts_on": {"2001-01-01"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="grant-starts_on-error"`, "not granted retroactively")

	r = f.post(t, "admin", page, url.Values{"email": {email}, "role": {"treasurer"}})
	wantStatus(t, r, http.StatusSeeOther)
	var id string
	if err := f.pool.QueryRow(context.Background(), `SELECT r.id::text FROM role_assignments r JOIN members m ON m.id = r.member_id
		WHERE m.email = $1 AND r.role = 'treasurer'`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	r = f.get(t, "admin", page)
	wantContains(t, r, "Treasurer", `action="`+page+`/`+id+`/end"`, `action="`+page+`/`+id+`/remove"`)

	// Ending it on the day it began is refused beside the date; ending it
	// tomorrow is fine, and the page shows the end.
	today := time.Now().UTC().Format(time.DateOnly)
	r = f.post(t, "admin", page+"/"+id+"/end", url.Values{"ends_on": {today}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, `id="end-`+id+`-ends_on-error"`, "<details open>")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	wantStatus(t, f.post(t, "admin", page+"/"+id+"/end", url.Values{"ends_on": {tomorrow}}), http.StatusSeeOther)
	wantContains(t, f.get(t, "admin", page), `datetime="`+tomorrow+`"`)

	// It began today, so it may still be removed (a grant made in error);
	// then it is gone from every list.
	wantStatus(t, f.post(t, "admin", page+"/"+id+"/remove", url.Values{}), http.StatusSeeOther)
	wantLacks(t, f.get(t, "admin", page+"?ended=1"), id)
	// The secretary's term began long ago: it cannot be removed, only ended.
	var secretary string
	if err := f.pool.QueryRow(context.Background(), `SELECT id::text FROM role_assignments
		WHERE chapter_id = $1 AND role = 'secretary'`, riverside).Scan(&secretary); err != nil {
		t.Fatal(err)
	}
	wantLacks(t, f.get(t, "admin", page), page+"/"+secretary+"/remove")
	// A holder whose membership lapsed into inactive is shown so.
	if _, err := f.pool.Exec(context.Background(), `UPDATE members SET status = 'inactive'
		WHERE id = (SELECT member_id FROM role_assignments WHERE id = $1)`, secretary); err != nil {
		t.Fatal(err)
	}
	wantContains(t, f.get(t, "member", page), "Holder inactive")
	r = f.post(t, "admin", page+"/"+secretary+"/remove", url.Values{})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r, "end it instead")
}
