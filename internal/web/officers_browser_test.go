package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
)

// TestBrowserAdminAppointsOfficer signs the demo national admin in through
// the provider's login form, opens Riverside's officers from the chapters
// page, makes a member treasurer with the form, and checks the page at
// phone width.
func TestBrowserAdminAppointsOfficer(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	env := apptest.Start(t)
	var riverside, email, name string
	if err := env.Pool.QueryRow(context.Background(), `SELECT c.id::text, m.email, m.given_name || ' ' || m.family_name
		FROM members m JOIN chapters c ON c.id = m.chapter_id
		WHERE c.slug = 'riverside' AND m.status = 'active' AND m.email LIKE '%@example.org' ORDER BY m.email LIMIT 1`).
		Scan(&riverside, &email, &name); err != nil {
		t.Fatal(err)
	}
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var loc string
			_ = chromedp.Run(ctx, chromedp.Location(&loc))
			t.Fatalf("%s (at %s): %v", step, loc, err)
		}
	}
	run("sign in as the admin",
		chromedp.Navigate(env.URL+"/"),
		chromedp.Click(`.account a.button`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name="username"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="username"]`, "admin", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, "admin-demo", chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/auth/logout"]`, chromedp.ByQuery),
	)
	page := "/chapters/" + riverside + "/officers"
	var heading, flash, table string
	run("grant a role from the officers page",
		chromedp.Navigate(env.URL+"/chapters"),
		chromedp.Click(`a[href="`+page+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#grant-email`, chromedp.ByQuery),
		chromedp.Text(`h1`, &heading, chromedp.ByQuery),
		chromedp.SendKeys(`#grant-email`, email, chromedp.ByQuery),
		chromedp.SetValue(`#grant-role`, "treasurer", chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space(.)="Grant the role"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		chromedp.Text(`table.officers tbody`, &table, chromedp.ByQuery),
	)
	if heading != "Officers of Riverside Chapter" {
		t.Errorf("officers heading %q", heading)
	}
	if !strings.Contains(flash, name+" is Treasurer from") {
		t.Errorf("flash after the grant: %q", flash)
	}
	if !strings.Contains(table, name) || !strings.Contains(table, "Treasurer") || !strings.Contains(table, "Olu Officer") {
		t.Errorf("officers table lacks the new treasurer or the secretary:\n%s", table)
	}

	var phone []byte
	var theadPosition string
	var scrollsSideways bool
	run("look at it on a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.FullScreenshot(&phone, 100),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('table.officers thead')).position`, &theadPosition),
		chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &scrollsSideways),
		chromedp.EmulateViewport(1280, 900),
	)
	if theadPosition != "absolute" {
		t.Errorf("at 390px the officers table does not collapse to cards (thead position %q)", theadPosition)
	}
	if scrollsSideways {
		t.Errorf("at 390px the officers page scrolls sideways")
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), "officers-390.png"), phone, 0o644); err != nil {
		t.Fatal(err)
	}
}
