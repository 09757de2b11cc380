package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// TestBrowserElectionJourney runs an election end to end in Chromium: the
// demo officer, official of a Riverside election the test creates, opens
// voting on the committee page; the demo member signs in through the
// provider's form, ranks the candidates with the keyboard only on the
// rank grid (and reorders with rank.js's buttons, by keyboard), reviews
// and casts, and gets a receipt; the officer closes voting; the member
// checks the receipt and sees the ballot counted as cast, and the results
// with their chart. Screenshots at 1280 and 390 px go to screenshotDir.
func TestBrowserElectionJourney(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	env := apptest.Start(t)
	bg := context.Background()

	var officerID, riverside uuid.UUID
	if err := env.Pool.QueryRow(bg, `SELECT m.id, m.chapter_id FROM members m WHERE m.email = 'olu.officer@demo.chapterhouse.test'`).
		Scan(&officerID, &riverside); err != nil {
		t.Fatal(err)
	}
	officer := &auth.Principal{MemberID: officerID, ChapterID: riverside,
		Grants: []auth.Grant{{Role: auth.RoleSecretary, ChapterID: riverside}}}
	v := env.App.Voting
	e, err := v.CreateElection(bg, officer, voting.ElectionInput{ChapterID: riverside, Title: "Riverside chair election",
		RecordDate: time.Now().UTC(), Officials: []uuid.UUID{officerID}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"Ada Lovelace", "Grace Hopper", "Katherine Johnson", "Dorothy Vaughan"}
	c, err := v.AddContest(bg, officer, e.ID, voting.ContestInput{Title: "Chair", Method: "irv", Options: names,
		Description: "The chair convenes and runs the chapter's meetings for a year."})
	if err != nil {
		t.Fatal(err)
	}
	base := env.URL + "/elections/" + e.ID.String()
	cbase := base + "/contests/" + c.ID.String()

	run := func(ctx context.Context, step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var url string
			_ = chromedp.Run(ctx, chromedp.Location(&url))
			t.Fatalf("%s (at %s): %v", step, url, err)
		}
	}
	signIn := func(ctx context.Context, user string) {
		t.Helper()
		run(ctx, "sign in as "+user,
			chromedp.Navigate(env.URL+"/"),
			chromedp.Click(`.account a.button`, chromedp.ByQuery),
			chromedp.WaitVisible(`input[name="username"]`, chromedp.ByQuery),
			chromedp.SendKeys(`input[name="username"]`, user, chromedp.ByQuery),
			chromedp.SendKeys(`input[name="password"]`, user+"-demo", chromedp.ByQuery),
			chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`form[action="/auth/logout"]`, chromedp.ByQuery),
		)
	}
	dir := screenshotDir(t)
	shoot := func(ctx context.Context, name string) {
		t.Helper()
		var wide, phone []byte
		var sideways bool
		run(ctx, "screenshot "+name,
			chromedp.FullScreenshot(&wide, 100),
			chromedp.EmulateViewport(390, 844),
			chromedp.FullScreenshot(&phone, 100),
			chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &sideways),
			chromedp.EmulateViewport(1280, 900),
		)
		if sideways {
			t.Errorf("at 390px the %s page scrolls sideways", name)
		}
		for file, b := range map[string][]byte{name + "-1280.png": wide, name + "-390.png": phone} {
			if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	// as switches the browser to user: every cookie (the site's session
	// and the provider's) is dropped and user signs in afresh.
	as := func(user string) {
		t.Helper()
		run(ctx, "sign out", network.ClearBrowserCookies())
		signIn(ctx, user)
	}

	// The officer opens voting on the committee page.
	octx := ctx
	as("officer")
	var flash string
	run(octx, "open voting",
		chromedp.Navigate(base+"/manage"),
		chromedp.Click(`//button[normalize-space(.)="Open voting"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "Voting is open") {
		t.Fatalf("after opening, the flash says %q", flash)
	}

	// The member finds the election and its ballot.
	as("member")
	run(ctx, "find the ballot",
		chromedp.Click(`nav a[href="/elections"]`, chromedp.ByQuery),
		chromedp.Click(`//a[normalize-space(.)="Riverside chair election"]`, chromedp.BySearch),
		chromedp.WaitVisible(`a[href$="/ballot"]`, chromedp.ByQuery),
		chromedp.Click(`a[href$="/ballot"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.rank-grid`, chromedp.ByQuery),
	)
	ids := map[string]string{}
	for _, k := range c.Candidates {
		ids[k.Name] = k.ID.String()
	}

	// Keyboard only: Tab to the first radio group (Ada), then arrows.
	var name string
	focusedName := chromedp.Evaluate(`(function (a) { return a ? (a.getAttribute("aria-label") || a.name || a.textContent) : "" })(document.activeElement)`, &name)
	tabTo := func(want string) {
		t.Helper()
		for i := 0; i < 60; i++ {
			run(ctx, "tab", chromedp.KeyEvent("\t"), focusedName)
			if strings.TrimSpace(name) == want {
				return
			}
		}
		t.Fatalf("Tab never reached %q", want)
	}
	arrows := func(n int) {
		for i := 0; i < n; i++ {
			run(ctx, "arrow", chromedp.KeyEvent(kb.ArrowRight))
		}
		run(ctx, "space", chromedp.KeyEvent(" "))
	}
	tabTo("rank_" + ids["Ada Lovelace"])
	arrows(3) // Ada: not ranked -> 1 -> 2 -> 3
	tabTo("rank_" + ids["Grace Hopper"])
	arrows(1) // Grace: 1
	tabTo("rank_" + ids["Dorothy Vaughan"])
	arrows(2) // Dorothy: 2
	rankOf := func(who string) string {
		var v string
		run(ctx, "read rank", chromedp.Evaluate(`(document.querySelector('input[name="rank_`+ids[who]+`"]:checked')||{}).value`, &v))
		return v
	}
	for who, want := range map[string]string{"Ada Lovelace": "3", "Grace Hopper": "1", "Dorothy Vaughan": "2", "Katherine Johnson": ""} {
		if got := rankOf(who); got != want {
			t.Errorf("after the keyboard, %s has rank %q, want %q", who, got, want)
		}
	}
	// rank.js's list, by keyboard: move Ada up above Dorothy.
	tabTo("Move Ada Lovelace up")
	run(ctx, "move Ada up", chromedp.KeyEvent(kb.Enter))
	if got, got2 := rankOf("Ada Lovelace"), rankOf("Dorothy Vaughan"); got != "2" || got2 != "3" {
		t.Errorf("after Move up, Ada has rank %q and Dorothy %q, want 2 and 3", got, got2)
	}
	shoot(ctx, "ballot")

	tabTo("Continue to check your ballot")
	var review string
	run(ctx, "review", chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`ol.review-list`, chromedp.ByQuery),
		chromedp.Text(`ol.review-list`, &review, chromedp.ByQuery))
	if want := "Grace Hopper Ada Lovelace Dorothy Vaughan"; strings.Join(strings.Fields(review), " ") != want {
		t.Errorf("review shows %q, want %q", review, want)
	}
	shoot(ctx, "review")
	var receipt string
	run(ctx, "cast",
		chromedp.Click(`//button[normalize-space(.)="Cast ballot"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#receipt-code`, chromedp.ByQuery),
		chromedp.Text(`#receipt-code`, &receipt, chromedp.ByQuery))
	if len(strings.ReplaceAll(receipt, "-", "")) != 26 {
		t.Fatalf("receipt %q", receipt)
	}
	shoot(ctx, "receipt")

	// More voters through the domain, so the count has several rounds:
	// demo members on the roll (in good standing on the record date).
	rows, err := env.Pool.Query(bg, `SELECT id FROM members WHERE chapter_id = $1 AND status = 'active'
		AND email LIKE '%@example.org' AND member_standing_on(id, $2::date) = 'good' ORDER BY email LIMIT 9`,
		riverside, e.RecordDate)
	if err != nil {
		t.Fatal(err)
	}
	var voters []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		voters = append(voters, id)
	}
	rows.Close()
	ballots := [][]string{{"Ada Lovelace", "Grace Hopper"}, {"Ada Lovelace", "Katherine Johnson"}, {"Ada Lovelace"},
		{"Grace Hopper", "Ada Lovelace"}, {"Grace Hopper"}, {"Katherine Johnson", "Grace Hopper"},
		{"Katherine Johnson", "Dorothy Vaughan"}, {"Dorothy Vaughan", "Grace Hopper"}, {"Dorothy Vaughan", "Katherine Johnson"}}
	for i, id := range voters {
		var choice []uuid.UUID
		for _, n := range ballots[i%len(ballots)] {
			choice = append(choice, uuid.MustParse(ids[n]))
		}
		if _, err := v.Cast(bg, &auth.Principal{MemberID: id, ChapterID: riverside}, e.ID, c.ID, choice); err != nil {
			t.Fatal(err)
		}
	}

	// The officer closes voting, confirming with the word.
	as("officer")
	run(octx, "close voting",
		chromedp.Navigate(base+"/manage"),
		chromedp.SendKeys(`#confirm-closed`, "CLOSE", chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space(.)="Close voting and count"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "Voting is closed") {
		t.Fatalf("after closing, the flash says %q", flash)
	}

	// The member checks the receipt: counted as cast.
	as("member")
	var counted, heading string
	run(ctx, "check the receipt",
		chromedp.Navigate(cbase+"/receipt"),
		chromedp.SendKeys(`#receipt`, receipt, chromedp.ByQuery),
		chromedp.Submit(`#receipt`, chromedp.ByQuery),
		chromedp.WaitVisible(`.check-result`, chromedp.ByQuery),
		chromedp.Text(`.check-result h2`, &heading, chromedp.ByQuery),
		chromedp.Text(`.check-result ol`, &counted, chromedp.ByQuery),
	)
	if heading != "Your ballot is in the count, as cast" || strings.Join(strings.Fields(counted), " ") != "Grace Hopper Ada Lovelace Dorothy Vaughan" {
		t.Errorf("receipt check: %q, %q", heading, counted)
	}
	shoot(ctx, "receipt-check")

	var winners string
	var charts int
	run(ctx, "results",
		chromedp.Navigate(cbase+"/results"),
		chromedp.WaitVisible(`.round-chart svg`, chromedp.ByQuery),
		chromedp.Text(`ol.winners`, &winners, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('.round-chart svg[role="img"]').length`, &charts),
	)
	if strings.TrimSpace(winners) == "" || charts < 2 {
		t.Errorf("results: winners %q, %d round charts", winners, charts)
	}
	shoot(ctx, "results")
	t.Logf("screenshots in %s", dir)
}
