package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/voting"
	"github.com/chapterhouse/chapterhouse/internal/web"
)

// electionFixture is the site with the voting service, and a Riverside
// election run by the demo officer: an IRV contest (four candidates), a
// yes/no question and a roll-call plurality contest, open for voting.
type electionFixture struct {
	*fixture
	voting   *voting.Service
	election voting.Election
	irv      voting.Contest
	yesno    voting.Contest
	rollcall voting.Contest
}

func newElectionFixture(t *testing.T, open bool) *electionFixture {
	t.Helper()
	f := &electionFixture{fixture: newFixture(t)}
	key, err := voting.ParseBallotKey(voting.NewBallotKey())
	if err != nil {
		t.Fatal(err)
	}
	standing, err := dues.NewService(f.pool, time.Now, dues.Config{Policy: dues.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	settle := func(ctx context.Context) error { _, err := standing.DrainStanding(ctx); return err }
	if f.voting, err = voting.NewService(f.pool, time.Now, key, settle); err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Deps{Members: membership.NewService(f.pool, time.Now), Voting: f.voting, Auth: fakeAuth(f.principals)})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Header("X-Request-ID", testRequestID); c.Next() })
	site.Mount(r, web.AuthHandlers{})
	f.handler = r

	ctx, officer := context.Background(), f.principals["officer"]
	e, err := f.voting.CreateElection(ctx, officer, voting.ElectionInput{ChapterID: f.chapters["riverside"],
		Title: "Riverside officers", RecordDate: time.Now().UTC(), AllowReplacement: true, Officials: []uuid.UUID{officer.MemberID}})
	if err != nil {
		t.Fatal(err)
	}
	add := func(in voting.ContestInput) voting.Contest {
		c, err := f.voting.AddContest(ctx, officer, e.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	add(voting.ContestInput{Title: "Chair", Method: "irv",
		Options: []string{"Ada Lovelace", "Grace Hopper", "Katherine Johnson", "Dorothy Vaughan"}})
	add(voting.ContestInput{Title: "Adopt the bylaws?", Method: voting.MethodYesNo, Threshold: "majority-of-cast"})
	add(voting.ContestInput{Title: "Delegate motion", Method: "plurality", RollCall: true, Options: []string{"For", "Against"}})
	if open {
		if e, err = f.voting.Open(ctx, officer, e.ID); err != nil {
			t.Fatal(err)
		}
	} else if e, err = f.voting.GetElection(ctx, officer, e.ID); err != nil {
		t.Fatal(err)
	}
	f.election = e
	f.irv, f.yesno, f.rollcall = e.Contests[0], e.Contests[1], e.Contests[2]
	return f
}

func (f *electionFixture) url(c voting.Contest, tail string) string {
	u := "/elections/" + f.election.ID.String()
	if c.ID != uuid.Nil {
		u += "/contests/" + c.ID.String()
	}
	return u + tail
}

// candidate returns the id of the named candidate of c.
func candidate(t *testing.T, c voting.Contest, name string) string {
	t.Helper()
	for _, k := range c.Candidates {
		if k.Name == name {
			return k.ID.String()
		}
	}
	t.Fatalf("no candidate %q in %s", name, c.Title)
	return ""
}

var receiptCode = regexp.MustCompile(`<code id="receipt-code">([A-Z0-9-]+)</code>`)

func TestElectionListAndPageAccess(t *testing.T) {
	t.Parallel()
	f := newElectionFixture(t, true)
	r := f.get(t, "member", "/elections")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Riverside officers", "Voting open", `href="`+f.url(voting.Contest{}, "")+`"`)
	wantLacks(t, r, "Run this election", "Create an election")

	r = f.get(t, "officer", "/elections")
	wantContains(t, r, "Run this election", "Create an election", `name="record_date"`)

	// Another chapter's member sees neither the list entry nor the pages.
	r = f.get(t, "officer2", "/elections")
	wantStatus(t, r, http.StatusOK)
	wantLacks(t, r, "Riverside officers")
	wantStatus(t, f.get(t, "officer2", f.url(voting.Contest{}, "")), http.StatusNotFound)
	wantStatus(t, f.get(t, "officer2", f.url(f.irv, "/ballot")), http.StatusNotFound)
	wantStatus(t, f.get(t, "officer2", f.url(f.irv, "/results")), http.StatusNotFound)
	wantStatus(t, f.get(t, "", f.url(voting.Contest{}, "")), http.StatusUnauthorized)

	r = f.get(t, "member", f.url(voting.Contest{}, ""))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Chair", "Ada Lovelace", "Instant-runoff", `href="`+f.url(f.irv, "/ballot")+`"`,
		"Open vote (roll call)", "a majority of the votes cast")
	wantLacks(t, r, "Election committee page")

	// The committee page is for the committee.
	wantStatus(t, f.get(t, "member", f.url(voting.Contest{}, "/manage")), http.StatusForbidden)
	r = f.get(t, "officer", f.url(voting.Contest{}, "/manage"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Close voting", "Type CLOSE to confirm", `name="to" value="closed"`, "Inspect the voter roll")
	r = f.get(t, "officer", f.url(voting.Contest{}, "/roll"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Mae Member", "recorded in the audit log")
	wantStatus(t, f.get(t, "member", f.url(voting.Contest{}, "/roll")), http.StatusForbidden)
	// Results before close are not available.
	wantStatus(t, f.get(t, "member", f.url(f.irv, "/results")), http.StatusConflict)
}

func TestRankGridValidationAndCasting(t *testing.T) {
	t.Parallel()
	f := newElectionFixture(t, true)
	ada, grace := candidate(t, f.irv, "Ada Lovelace"), candidate(t, f.irv, "Grace Hopper")
	kath, dot := candidate(t, f.irv, "Katherine Johnson"), candidate(t, f.irv, "Dorothy Vaughan")

	r := f.get(t, "member", f.url(f.irv, "/ballot"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, `<table class="rank-grid"`, `name="rank_`+ada+`" value="2"`,
		`<span class="visually-hidden">Ada Lovelace, rank </span>2</label>`,
		`<span class="visually-hidden">Grace Hopper, </span>not ranked</label>`, `<th scope="col">Rank 4</th>`,
		"rank.js")
	wantLacks(t, r, "roll call")

	review := f.url(f.irv, "/review")
	cases := []struct {
		name  string
		ranks map[string]string
		want  []string
	}{
		{"duplicate rank", map[string]string{ada: "1", grace: "1", kath: "2"},
			[]string{"rank 1 is also given to Grace Hopper", "rank 1 is also given to Ada Lovelace", `aria-invalid="true"`}},
		{"gap", map[string]string{ada: "1", grace: "3"}, []string{"No candidate has rank 2"}},
		{"beyond the last rank", map[string]string{ada: "5"}, []string{"rank 5 is beyond the last rank"}},
		{"not a rank", map[string]string{ada: "first"}, []string{"is not a rank"}},
	}
	for _, tc := range cases {
		form := url.Values{}
		for id, v := range tc.ranks {
			form.Set("rank_"+id, v)
		}
		r := f.post(t, "member", review, form)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, r.status)
		}
		wantContains(t, r, append(tc.want, "There is a problem with your ballot", "Your choices are kept")...)
		// The voter's valid choices are still marked.
		for id, v := range tc.ranks {
			if v == "1" || v == "2" || v == "3" {
				wantContains(t, r, `id="r-`+id+`-`+v+`" name="rank_`+id+`" value="`+v+`" checked`)
			}
		}
	}

	// A valid ranking goes to the review page, then is cast.
	form := url.Values{"rank_" + grace: {"1"}, "rank_" + dot: {"2"}, "rank_" + ada: {""}}
	r = f.post(t, "member", review, form)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "as it will be cast", `<ol class="review-list"><li>Grace Hopper</li><li>Dorothy Vaughan</li></ol>`,
		"Not ranked: Ada Lovelace, Katherine Johnson", "Cast ballot", `formaction="`+f.url(f.irv, "/ballot")+`"`,
		`name="rank_`+grace+`" value="1"`)
	// Change brings the grid back filled in.
	r = f.post(t, "member", f.url(f.irv, "/ballot"), form)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, `id="r-`+grace+`-1" name="rank_`+grace+`" value="1" checked`, `id="r-`+dot+`-2" name="rank_`+dot+`" value="2" checked`)

	r = f.post(t, "member", f.url(f.irv, "/cast"), form)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Your vote is cast", "shown only this once", "printf 'receipt:%s'", "sha256sum")
	m := receiptCode.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no receipt on the receipt page:\n%s", r.body)
	}
	receipt := m[1]
	if !strings.Contains(r.body, strings.ReplaceAll(receipt, "-", "")+" | sha256sum") {
		t.Errorf("the hash command does not carry the receipt without dashes")
	}

	// Voting again is refused; the election page says so.
	wantStatus(t, f.post(t, "member", f.url(f.irv, "/cast"), form), http.StatusConflict)
	r = f.get(t, "member", f.url(f.irv, "/ballot"))
	wantStatus(t, r, http.StatusSeeOther)
	r = f.get(t, "member", f.url(voting.Contest{}, ""))
	wantContains(t, r, "You have voted", "Replace my ballot")

	// While open, a receipt check says stored, without the choices.
	r = f.post(t, "member", f.url(f.irv, "/receipt"), url.Values{"receipt": {strings.ToLower(receipt)}})
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Your ballot is stored")
	wantLacks(t, r, "Grace Hopper")
	r = f.post(t, "member", f.url(f.irv, "/receipt"), url.Values{"receipt": {"AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AA"}})
	wantStatus(t, r, http.StatusNotFound)
	wantContains(t, r, "No ballot with this receipt")
	r = f.post(t, "member", f.url(f.irv, "/receipt"), url.Values{"receipt": {"nonsense"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "not a receipt code")

	// Replacing needs the receipt; a wrong one is refused beside the field.
	r = f.get(t, "member", f.url(f.irv, "/ballot?replace=1"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Replace your ballot", `name="receipt"`, `name="replace" value="1"`)
	repl := url.Values{"replace": {"1"}, "rank_" + ada: {"1"}}
	r = f.post(t, "member", review, repl)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Enter the receipt")
	repl.Set("receipt", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AA")
	r = f.post(t, "member", f.url(f.irv, "/cast"), repl)
	wantStatus(t, r, http.StatusNotFound)
	wantContains(t, r, "No ballot with this receipt", `id="receipt-error"`)
	repl.Set("receipt", receipt)
	r = f.post(t, "member", f.url(f.irv, "/cast"), repl)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Your ballot is replaced", receipt)

	// The yes/no question takes exactly one answer.
	r = f.get(t, "member", f.url(f.yesno, "/ballot"))
	wantContains(t, r, `type="radio"`, "Choose one answer")
	r = f.post(t, "member", f.url(f.yesno, "/review"), url.Values{})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Choose exactly one answer")
}

func TestRollCallBallotSaysSo(t *testing.T) {
	t.Parallel()
	f := newElectionFixture(t, true)
	r := f.get(t, "member", f.url(f.rollcall, "/ballot"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "This is an open vote (roll call)", "recorded with your name and published", `type="checkbox"`, "Mark at most 1")
	forID := candidate(t, f.rollcall, "For")
	against := candidate(t, f.rollcall, "Against")
	r = f.post(t, "member", f.url(f.rollcall, "/review"), url.Values{"choice": {forID, against}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "You marked 2 choices; you may mark at most 1", `value="`+forID+`" type="checkbox" checked`)
	r = f.post(t, "member", f.url(f.rollcall, "/review"), url.Values{"choice": {forID}})
	wantContains(t, r, "This is an open vote (roll call)", "<li>For</li>")
	r = f.post(t, "member", f.url(f.rollcall, "/cast"), url.Values{"choice": {forID}})
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "recorded with your name")
	wantLacks(t, r, "receipt-code")
	// No receipt check for an open vote.
	wantStatus(t, f.get(t, "member", f.url(f.rollcall, "/receipt")), http.StatusConflict)
}

func TestCloseResultsAndReceiptAfterClose(t *testing.T) {
	t.Parallel()
	f := newElectionFixture(t, true)
	grace, dot := candidate(t, f.irv, "Grace Hopper"), candidate(t, f.irv, "Dorothy Vaughan")
	ada := candidate(t, f.irv, "Ada Lovelace")
	r := f.post(t, "member", f.url(f.irv, "/cast"), url.Values{"rank_" + dot: {"1"}, "rank_" + grace: {"2"}})
	wantStatus(t, r, http.StatusOK)
	receipt := receiptCode.FindStringSubmatch(r.body)[1]
	ctx := context.Background()
	// A few more voters, through the domain: Grace Hopper wins in any
	// order of elimination, after more than one round.
	for i, given := range []string{grace, grace, ada} {
		var id, chapter uuid.UUID
		if err := f.pool.QueryRow(ctx, `SELECT id, chapter_id FROM members WHERE chapter_id = $1 AND status = 'active'
			AND email LIKE '%@example.org' ORDER BY email OFFSET $2 LIMIT 1`, f.chapters["riverside"], i).Scan(&id, &chapter); err != nil {
			t.Fatal(err)
		}
		p := f.principals["member"]
		voter := *p
		voter.MemberID, voter.ChapterID = id, chapter
		if _, err := f.voting.Cast(ctx, &voter, f.election.ID, f.irv.ID, []uuid.UUID{uuid.MustParse(given)}); err != nil {
			t.Fatal(err)
		}
	}

	// Closing needs the confirmation word, and only an official may.
	close := url.Values{"to": {"closed"}}
	r = f.post(t, "officer", f.url(voting.Contest{}, "/transition"), close)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Enter CLOSE to go ahead")
	close.Set("confirm", "close")
	wantStatus(t, f.post(t, "member", f.url(voting.Contest{}, "/transition"), close), http.StatusForbidden)
	r = f.post(t, "officer", f.url(voting.Contest{}, "/transition"), close)
	wantStatus(t, r, http.StatusSeeOther)

	r = f.get(t, "member", f.url(f.irv, "/results"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Not certified yet", "Elected:", "<strong>Grace Hopper</strong>", "4 ballots from",
		`<table class="rounds"`, "Round 1", "Round 2", "Eliminated", "Exhausted", `<svg viewBox=`, `role="img"`,
		"<title id=\"chart-1-title\">Round 1</title>", "Grace Hopper (elected)", "ballots.blt", "ballots.csv",
		"chapterhouse tally --method irv --seed ")
	var roll int
	if err := f.pool.QueryRow(ctx, `SELECT roll_size FROM voting_elections WHERE id = $1`, f.election.ID).Scan(&roll); err != nil {
		t.Fatal(err)
	}
	wantContains(t, r, "4 ballots from "+strconv.Itoa(roll)+" voters on the frozen roll")

	blt := f.get(t, "member", f.url(f.irv, "/ballots.blt"))
	wantStatus(t, blt, http.StatusOK)
	if !strings.Contains(blt.body, "Grace Hopper") || !strings.Contains(blt.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("BLT download: %q %q", blt.header.Get("Content-Disposition"), blt.body)
	}
	wantStatus(t, f.get(t, "member", f.url(f.irv, "/ballots.csv")), http.StatusOK)

	// The receipt now shows the ballot as counted, in order.
	r = f.post(t, "member", f.url(f.irv, "/receipt"), url.Values{"receipt": {receipt}})
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Your ballot is in the count, as cast", "<ol class=\"review-list\"><li>Dorothy Vaughan</li><li>Grace Hopper</li></ol>")

	// The election page links results; certification needs its word.
	r = f.get(t, "member", f.url(voting.Contest{}, ""))
	wantContains(t, r, `href="`+f.url(f.irv, "/results")+`"`, "has not certified them yet")
	wantLacks(t, r, `/ballot"`)
	r = f.post(t, "officer", f.url(voting.Contest{}, "/transition"), url.Values{"to": {"certified"}, "confirm": {"CERTIFY"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = f.get(t, "member", f.url(f.yesno, "/results"))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Certified.", "The question needed a majority of the votes cast")
}

func TestCommitteeCreatesAnElection(t *testing.T) {
	t.Parallel()
	f := newElectionFixture(t, false)
	r := f.post(t, "officer", "/elections", url.Values{"chapter_id": {f.chapters["riverside"].String()}, "title": {""},
		"record_date": {"2024-01-01"}, "official_self": {"on"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Title: Must be 1 to 200 characters")
	// Another chapter is not the officer's to create elections in.
	r = f.post(t, "officer", "/elections", url.Values{"chapter_id": {f.chapters["northfield"].String()}, "title": {"X"},
		"record_date": {"2024-01-01"}})
	if r.status != http.StatusForbidden && r.status != http.StatusUnprocessableEntity {
		t.Errorf("creating a Northfield election as the Riverside officer: status %d", r.status)
	}
	r = f.post(t, "officer", "/elections", url.Values{"chapter_id": {f.chapters["riverside"].String()}, "title": {"Spring vote"},
		"record_date": {time.Now().UTC().Format(time.DateOnly)}, "official_self": {"on"}, "min_nominations": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	manage := r.header.Get("Location")
	if !strings.HasSuffix(manage, "/manage") {
		t.Fatalf("created election redirects to %q", manage)
	}
	base := strings.TrimSuffix(manage, "/manage")
	r = f.get(t, "officer", manage)
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r, "Spring vote", "Add a contest", "Olu Officer", "Appoint an official", "Open nominations")

	// A contest with bad seats shows the form again with the error.
	r = f.post(t, "officer", base+"/contests", url.Values{"title": {"Treasurer"}, "method": {"irv"}, "seats": {"two"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "Seats: Must be a whole number", `value="Treasurer"`)
	r = f.post(t, "officer", base+"/contests", url.Values{"title": {"Treasurer"}, "method": {"stv-scottish"}, "seats": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	e := f.electionAt(t, base)
	c := e.Contests[0]
	// A member standing, found by email; and an unknown email.
	_, email := f.someMember(t, "riverside")
	cands := base + "/contests/" + c.ID.String() + "/candidates"
	r = f.post(t, "officer", cands, url.Values{"member_email": {"nobody@example.net"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r, "No member has this email here")
	wantStatus(t, f.post(t, "officer", cands, url.Values{"member_email": {email}, "statement": {"I will keep the books."}}), http.StatusSeeOther)
	wantStatus(t, f.post(t, "officer", cands, url.Values{"name": {"Re-open nominations"}}), http.StatusSeeOther)
	// Appoint the demo member to the committee, then a member may not.
	wantStatus(t, f.post(t, "officer", base+"/officials", url.Values{"email": {"mae.member@demo.chapterhouse.test"}}), http.StatusSeeOther)
	e = f.electionAt(t, base)
	if len(e.Officials) != 2 || len(e.Contests[0].Candidates) != 2 {
		t.Fatalf("officials %v, candidates %v", e.Officials, e.Contests[0].Candidates)
	}
	wantStatus(t, f.post(t, "member", base+"/officials", url.Values{"email": {"olu.officer@demo.chapterhouse.test"}}), http.StatusForbidden)
	r = f.post(t, "officer", base+"/transition", url.Values{"to": {"frozen"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = f.post(t, "officer", base+"/transition", url.Values{"to": {"open"}})
	wantStatus(t, r, http.StatusSeeOther)
	if e = f.electionAt(t, base); e.State != voting.StateOpen || !e.RollFrozen {
		t.Errorf("after opening: state %s, roll frozen %v", e.State, e.RollFrozen)
	}
}

func (f *electionFixture) electionAt(t *testing.T, base string) voting.Election {
	t.Helper()
	e, err := f.voting.GetElection(context.Background(), f.principals["officer"], uuid.MustParse(strings.TrimPrefix(base, "/elections/")))
	if err != nil {
		t.Fatal(err)
	}
	return e
}
