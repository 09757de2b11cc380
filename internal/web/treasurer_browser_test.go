package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
)

// TestBrowserTreasurerIncome signs the demo national treasurer in through
// the provider's login form, opens the income report from the treasurer's
// page, and checks its charts at desktop and phone widths.
func TestBrowserTreasurerIncome(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	env := apptest.Start(t)
	var mae uuid.UUID
	if err := env.Pool.QueryRow(context.Background(), `SELECT id FROM members WHERE email = 'mae.member@demo.chapterhouse.test'`).Scan(&mae); err != nil {
		t.Fatal(err)
	}
	l := buildLedger(t, env.Pool, mae)
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var loc string
			_ = chromedp.Run(ctx, chromedp.Location(&loc))
			t.Fatalf("%s (at %s): %v", step, loc, err)
		}
	}
	run("sign in as the treasurer",
		chromedp.Navigate(env.URL+"/"),
		chromedp.Click(`.account a.button`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name="username"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="username"]`, "treasurer", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, "treasurer-demo", chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/auth/logout"]`, chromedp.ByQuery),
	)
	var heading string
	run("open the treasurer's page from the navigation",
		chromedp.Click(`nav a[href="/treasurer"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`ul.reports`, chromedp.ByQuery),
		chromedp.Click(`ul.reports a[href="/treasurer/income"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#from`, chromedp.ByQuery),
		chromedp.Text(`h1`, &heading, chromedp.ByQuery),
	)
	if heading != "Dues income" {
		t.Fatalf("income report heading %q", heading)
	}
	// The ledger's months, chosen in the form.
	from, through := l.months[0].Format(time.DateOnly), l.months[1].AddDate(0, 1, -1).Format(time.DateOnly)
	run("show the ledger's months",
		chromedp.Navigate(env.URL+"/treasurer/income?"+url.Values{"from": {from}, "through": {through}}.Encode()),
		chromedp.WaitVisible(`figure.money-chart svg rect.bar`, chromedp.ByQuery),
	)
	dir := screenshotDir(t)
	var wide, phone []byte
	var charts, barWidth int
	var chartText string
	var scrollsSideways bool
	run("screenshot the report",
		chromedp.Evaluate(`document.querySelectorAll('figure.money-chart').length`, &charts),
		chromedp.Evaluate(`Math.round(document.querySelector('figure.money-chart svg').getBoundingClientRect().width)`, &barWidth),
		chromedp.Text(`section[aria-labelledby="chart-h"]`, &chartText, chromedp.ByQuery),
		chromedp.FullScreenshot(&wide, 100),
		chromedp.EmulateViewport(390, 844),
		chromedp.FullScreenshot(&phone, 100),
		chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &scrollsSideways),
		chromedp.EmulateViewport(1280, 900),
	)
	if charts != 3 {
		t.Errorf("%d charts, want the total and one per paying chapter", charts)
	}
	if barWidth < 200 {
		t.Errorf("the chart is %d px wide", barWidth)
	}
	for _, want := range []string{"Riverside Chapter", "Northfield Chapter", "$65.00", l.months[0].Format("Jan 2006")} {
		if !strings.Contains(chartText, want) {
			t.Errorf("the charts do not show %q:\n%s", want, chartText)
		}
	}
	if scrollsSideways {
		t.Error("at 390px the income page scrolls sideways (only its table may)")
	}
	for name, png := range map[string][]byte{"income-1280.png": wide, "income-390.png": phone} {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// TestWaiverFormsNeedCSRF grants and revokes a waiver in a real session:
// without the form's CSRF token both are refused and change nothing.
func TestWaiverFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	b := signIn(t, env, "officer")
	var id string
	if err := env.Pool.QueryRow(context.Background(), `SELECT m.id::text FROM members m JOIN chapters c ON c.id = m.chapter_id
		WHERE c.slug = 'riverside' AND m.status = 'active' AND m.email LIKE '%@example.org'
		AND NOT EXISTS (SELECT 1 FROM dues_waivers w WHERE w.member_id = m.id) ORDER BY m.email LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	page := "/members/" + id
	_, body := b.get(t, page)
	tok := csrfField.FindStringSubmatch(body)
	if tok == nil || !strings.Contains(body, `action="`+page+`/waivers"`) {
		t.Fatalf("the member page has no waiver form with a CSRF token:\n%.2000s", body)
	}
	waivers := func() int {
		var n int
		if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM dues_waivers WHERE member_id = $1 AND revoked_on IS NULL`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	resp, body := b.postNoRedirect(t, page+"/waivers", url.Values{"reason": {"hardship"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF token") || waivers() != 0 {
		t.Fatalf("grant without token: %d, %d waivers", resp.StatusCode, waivers())
	}
	resp, _ = b.postNoRedirect(t, page+"/waivers", url.Values{"reason": {"hardship"}, "csrf_token": {tok[1]}})
	if resp.StatusCode != http.StatusSeeOther || waivers() != 1 {
		t.Fatalf("grant with token: %d, %d waivers", resp.StatusCode, waivers())
	}
	_, body = b.get(t, page)
	if !strings.Contains(body, "Dues are waived from") || !strings.Contains(body, "in force") {
		t.Errorf("after the grant the page shows no waiver in force:\n%.3000s", body)
	}
	var wid string
	if err := env.Pool.QueryRow(context.Background(), `SELECT id::text FROM dues_waivers WHERE member_id = $1`, id).Scan(&wid); err != nil {
		t.Fatal(err)
	}
	revoke := page + "/waivers/" + wid + "/revoke"
	if resp, _ := b.postNoRedirect(t, revoke, url.Values{}); resp.StatusCode != http.StatusForbidden || waivers() != 1 {
		t.Fatalf("revoke without token: %d", resp.StatusCode)
	}
	if resp, _ := b.postNoRedirect(t, revoke, url.Values{"csrf_token": {tok[1]}}); resp.StatusCode != http.StatusSeeOther || waivers() != 0 {
		t.Fatalf("revoke with token: %d, %d waivers in force", resp.StatusCode, waivers())
	}
}
