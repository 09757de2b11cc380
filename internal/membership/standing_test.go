package membership_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/membership"
)

// drain runs the dues workers' standing recompute for what the import
// queued, with the test's clock.
func drain(t *testing.T, o *org) int {
	t.Helper()
	ds, err := dues.NewService(o.pool, func() time.Time { return today.Add(15 * time.Hour) }, dues.Config{Policy: dues.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ds.DrainStanding(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportPaidThroughDrivesStanding: a legacy paid_through column is
// validated per row, stored as a dues fact, queues a standing recompute
// in the import's transaction, shows in the roster and on the member, and
// re-importing the file or its export changes nothing.
func TestImportPaidThroughDrivesStanding(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	bad := "email,given_name,joined_on,paid_through\n" +
		"ana@example.org,Ana,2020-01-02,2026-13-01\n" +
		"ben@example.org,Ben,2020-01-02,2040-01-01\n" +
		"cy@example.org,Cy,2020-01-02,\n"
	_, err := o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(bad), false)
	e := kindOf(t, err, errs.Invalid)
	rows, _ := e.Details.([]membership.RowError)
	want := []membership.RowError{
		{2, "paid_through", "must be a date written YYYY-MM-DD"},
		{3, "paid_through", "is more than ten years from today"},
	}
	if len(rows) != len(want) || rows[0] != want[0] || rows[1] != want[1] {
		t.Fatalf("row errors %+v, want %+v", rows, want)
	}

	// today is 2026-11-24; grace is 30 days.
	file := "email,given_name,family_name,joined_on,paid_through\n" +
		"ana@example.org,Ana,A,2020-01-02,2027-06-30\n" + // paid ahead: good
		"ben@example.org,Ben,B,2020-01-02,2026-11-01\n" + // in grace: good
		"cy@example.org,Cy,C,2020-01-02,2025-12-31\n" + // lapsed
		"dee@example.org,Dee,D,2020-01-02,\n" // no legacy fact: lapsed
	rep, err := o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file), false)
	if err != nil || rep.Created != 4 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM dues_legacy_credits"); n != 3 {
		t.Fatalf("%d legacy credits stored, want 3", n)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM dues_standing_queue"); n != 3 {
		t.Fatalf("%d members queued for standing, want 3", n)
	}
	if n := drain(t, o); n != 3 {
		t.Fatalf("drain recomputed %d members, want 3", n)
	}
	page, err := o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range page.Members {
		got[m.GivenName] = page.Standing[m.ID]
	}
	wantSt := map[string]string{"Ana": "good", "Ben": "good", "Cy": "lapsed", "Dee": "lapsed"}
	for k, v := range wantSt {
		if got[k] != v {
			t.Errorf("roster standing of %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	var ana uuid.UUID
	for _, m := range page.Members {
		if m.GivenName == "Ana" {
			ana = m.ID
		}
	}
	mw, err := o.svc.GetMemberWithStanding(ctx, o.northOfficer, ana)
	if err != nil || mw.Standing != "good" {
		t.Errorf("GetMemberWithStanding = %q, %v", mw.Standing, err)
	}

	// The same file again changes nothing and queues nothing.
	rep, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north, strings.NewReader(file), false)
	if err != nil || rep.Unchanged != 4 {
		t.Fatalf("re-import: %+v, %v", rep, err)
	}
	if n := count(t, o.pool, "SELECT count(*) FROM dues_standing_queue"); n != 0 {
		t.Fatalf("re-import queued %d members", n)
	}
	// A changed date is an update and a recompute: Cy paid up.
	rep, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north,
		strings.NewReader("email,given_name,joined_on,paid_through\ncy@example.org,Cy,2020-01-02,2027-01-31\n"), false)
	if err != nil || rep.Updated != 1 {
		t.Fatalf("paid_through change: %+v, %v", rep, err)
	}
	drain(t, o)
	page, _ = o.svc.ListMembers(ctx, o.northOfficer, o.north, membership.RosterQuery{Text: "cy@"})
	if len(page.Members) != 1 || page.Standing[page.Members[0].ID] != "good" {
		t.Errorf("Cy after paying up: %+v", page.Standing)
	}

	// The export carries paid_through and re-imports to no change.
	var buf bytes.Buffer
	if err := o.svc.ExportRoster(ctx, o.northOfficer, o.north, "", &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",paid_through\n") || !strings.Contains(buf.String(), ",2027-06-30\n") {
		t.Fatalf("export lacks paid_through:\n%s", buf.String())
	}
	rep, err = o.svc.ImportRoster(ctx, o.northOfficer, o.north, &buf, false)
	if err != nil || rep.Unchanged != 4 || rep.Updated != 0 {
		t.Fatalf("re-import of the export: %+v, %v", rep, err)
	}
}
