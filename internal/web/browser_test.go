package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fresh profile for the test,
// or fails the test (skips it when CHAPTERHOUSE_SKIP_BROWSER=1).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("CHAPTERHOUSE_SKIP_BROWSER") == "1" {
		t.Skip("CHAPTERHOUSE_SKIP_BROWSER=1: skipping the headless Chromium test")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the end-to-end web test needs headless Chromium at %s (%v): install Debian's chromium "+
			"(apt-get install -y chromium), or set CHAPTERHOUSE_SKIP_BROWSER=1 to skip this test", chromiumPath, err)
	}
	// The profile is removed by hand once the browser has exited: Chromium's
	// helper processes can still be writing to it when t.TempDir's cleanup
	// would run.
	profile, err := os.MkdirTemp("", "chapterhouse-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for i := 0; i < 20; i++ {
			if err := os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s", profile)
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx
}

// screenshotDir is where screenshots go: CHAPTERHOUSE_SCREENSHOT_DIR when
// set (to look at them), else a directory removed after the test.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("CHAPTERHOUSE_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestBrowserOfficerJourney signs the demo Riverside secretary in through
// the provider's login form, searches the roster, opens a member, and is
// refused another chapter's roster.
func TestBrowserOfficerJourney(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	env := apptest.Start(t)
	var riverside, northfield, family, email, northEmail string
	err := env.Pool.QueryRow(context.Background(), `SELECT c.id::text, m.family_name, m.email FROM members m
		JOIN chapters c ON c.id = m.chapter_id WHERE c.slug = 'riverside' AND m.email LIKE '%@example.org'
		ORDER BY m.email LIMIT 1`).Scan(&riverside, &family, &email)
	if err == nil {
		err = env.Pool.QueryRow(context.Background(), `SELECT c.id::text, m.email FROM members m
			JOIN chapters c ON c.id = m.chapter_id WHERE c.slug = 'northfield' ORDER BY m.email LIMIT 1`).Scan(&northfield, &northEmail)
	}
	if err != nil {
		t.Fatal(err)
	}
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var url string
			_ = chromedp.Run(ctx, chromedp.Location(&url))
			t.Fatalf("%s (at %s): %v", step, url, err)
		}
	}

	// The first Tab reaches the skip link.
	var focused string
	run("open the landing page",
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible(`.account a.button`, chromedp.ByQuery),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`document.activeElement.textContent`, &focused),
	)
	if focused != "Skip to main content" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}

	var heading string
	run("sign in through the provider's form",
		chromedp.Click(`.account a.button`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name="username"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="username"]`, "officer", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, "officer-demo", chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/auth/logout"]`, chromedp.ByQuery),
		chromedp.Text(`h1`, &heading, chromedp.ByQuery),
	)
	if heading != "Welcome, Olu Officer" {
		t.Fatalf("after signing in the page says %q", heading)
	}

	dir := screenshotDir(t)
	var wide, phone []byte
	var theadPosition string
	var scrollsSideways bool
	run("open the roster from the navigation",
		chromedp.Click(`nav a[href="/chapters/`+riverside+`/roster"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.roster`, chromedp.ByQuery),
		chromedp.Text(`h1`, &heading, chromedp.ByQuery),
		chromedp.CaptureScreenshot(&wide),
		chromedp.EmulateViewport(390, 844),
		chromedp.CaptureScreenshot(&phone),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('table.roster thead')).position`, &theadPosition),
		chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &scrollsSideways),
		chromedp.EmulateViewport(1280, 900),
	)
	if heading != "Riverside Chapter roster" {
		t.Fatalf("roster heading %q", heading)
	}
	if theadPosition != "absolute" {
		t.Errorf("at 390px the roster table does not collapse to cards (thead position %q)", theadPosition)
	}
	if scrollsSideways {
		t.Errorf("at 390px the roster page scrolls sideways")
	}
	for name, png := range map[string][]byte{"roster-1280.png": wide, "roster-390.png": phone} {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var table, location string
	run("search the roster",
		chromedp.SendKeys(`#q`, family, chromedp.ByQuery),
		chromedp.Submit(`#q`, chromedp.ByQuery),
		chromedp.WaitVisible(`//a[contains(., "Clear search and filters")]`, chromedp.BySearch),
		chromedp.Location(&location),
		chromedp.Text(`table.roster`, &table, chromedp.ByQuery),
	)
	if !strings.Contains(location, "q=") || !strings.Contains(table, email) {
		t.Fatalf("searching for %q at %s does not list %s:\n%s", family, location, email, table)
	}
	for _, row := range strings.Split(table, "\n") {
		if strings.Contains(row, "@") && !strings.Contains(strings.ToLower(row), strings.ToLower(family)) {
			t.Errorf("search for %q lists a row without it: %q", family, row)
		}
	}
	var search []byte
	run("screenshot the search", chromedp.FullScreenshot(&search, 100))
	if err := os.WriteFile(filepath.Join(dir, "roster-search-1280.png"), search, 0o644); err != nil {
		t.Fatal(err)
	}

	// A bad import file is rejected with a table of its problems.
	bad := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(bad, []byte("email,given_name,joined_on\nnot-an-email,Bad,2020-01-01\nok@example.net,,yesterday\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var problems string
	var rejected []byte
	run("import a bad file",
		chromedp.SetUploadFiles(`#import-file`, []string{bad}, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space(.)="Import"]`, chromedp.BySearch),
		chromedp.WaitVisible(`table.problems`, chromedp.ByQuery),
		chromedp.Text(`table.problems tbody`, &problems, chromedp.ByQuery),
		chromedp.EmulateViewport(390, 844),
		chromedp.FullScreenshot(&rejected, 100),
		chromedp.EmulateViewport(1280, 900),
	)
	for _, want := range []string{"email", "given_name", "joined_on", "is not an email address"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems table lacks %q:\n%s", want, problems)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "import-rejected-390.png"), rejected, 0o644); err != nil {
		t.Fatal(err)
	}
	run("back to the search", chromedp.Navigate(location), chromedp.WaitVisible(`table.roster`, chromedp.ByQuery))

	var contact string
	run("open a member",
		chromedp.Click(`//table[contains(@class,"roster")]//a[contains(@href,"/members/")][1]`, chromedp.BySearch),
		chromedp.WaitVisible(`#contact-h`, chromedp.ByQuery),
		chromedp.Text(`section[aria-labelledby="contact-h"]`, &contact, chromedp.ByQuery),
	)
	if !strings.Contains(contact, "@example.org") {
		t.Errorf("member page shows no contact details: %q", contact)
	}
	var member []byte
	run("screenshot the member", chromedp.EmulateViewport(390, 844), chromedp.FullScreenshot(&member, 100), chromedp.EmulateViewport(1280, 900))
	if err := os.WriteFile(filepath.Join(dir, "member-390.png"), member, 0o644); err != nil {
		t.Fatal(err)
	}

	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(env.URL+"/chapters/"+northfield+"/roster"))
	if err != nil {
		t.Fatal(err)
	}
	var body string
	run("read the refusal", chromedp.Text(`h1`, &heading, chromedp.ByQuery), chromedp.Text(`body`, &body, chromedp.ByQuery))
	if resp.Status != http.StatusForbidden || heading != "Not allowed" {
		t.Errorf("another chapter's roster: status %d, heading %q", resp.Status, heading)
	}
	if strings.Contains(body, northEmail) {
		t.Errorf("the refusal shows a Northfield member's email")
	}
	t.Logf("screenshots in %s", dir)
}
