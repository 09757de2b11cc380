package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/app/apptest"
)

// TestVotingAPI runs an election end to end over HTTP with the demo
// accounts: member, official (the Riverside secretary), a non-official
// officer (Northfield's chair) and the national admin.
func TestVotingAPI(t *testing.T) {
	env := apptest.Start(t)
	admin, officer, officer2, member := env.Token(t, "admin"), env.Token(t, "officer"), env.Token(t, "officer2"), env.Token(t, "member")
	do := func(tok, method, path string, body any, want int) map[string]any {
		t.Helper()
		var rd *strings.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		} else {
			rd = strings.NewReader("")
		}
		resp, b := env.Do(t, tok, method, path, rd, "application/json")
		if resp.StatusCode != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		out := map[string]any{}
		json.Unmarshal(b, &out)
		return out
	}
	me := func(tok string) map[string]any {
		return do(tok, "GET", "/api/v1/me", nil, 200)["member"].(map[string]any)
	}
	secretary := me(officer)
	riverside := secretary["chapter_id"].(string)
	record := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)

	// A member cannot create an election; Northfield's chair cannot create one in Riverside.
	body := map[string]any{"chapter_id": riverside, "title": "Officers", "record_date": record, "officials": []string{secretary["id"].(string)}}
	do(member, "POST", "/api/v1/elections", body, 403)
	do(officer2, "POST", "/api/v1/elections", body, 403)
	e := do(officer, "POST", "/api/v1/elections", body, 201)
	eid := e["id"].(string)
	base := "/api/v1/elections/" + eid
	// Drafts are invisible to members.
	do(member, "GET", base, nil, 404)
	do(member, "POST", base+"/contests", map[string]any{"title": "Chair", "method": "irv"}, 404)
	do(admin, "POST", base+"/contests", map[string]any{"title": "Chair", "method": "irv"}, 403) // admin is not an official
	c := do(officer, "POST", base+"/contests", map[string]any{"title": "Chair", "method": "irv", "options": []string{"Ann", "Bob", "Cy"}}, 201)
	cid := c["id"].(string)
	do(officer, "POST", base+"/contests/"+cid+"/candidates", map[string]any{"member_id": secretary["id"]}, 409)
	do(officer, "POST", base+"/contests", map[string]any{"title": "Bad", "method": "yesno"}, 422)
	do(officer, "POST", base+"/transition", map[string]any{"to": "open"}, 200)
	do(officer, "PUT", base+"/contests/"+cid, map[string]any{"title": "Changed"}, 409)
	do(member, "GET", base+"/contests/"+cid+"/results", nil, 409)

	e = do(member, "GET", base, nil, 200)
	cands := e["contests"].([]any)[0].(map[string]any)["candidates"].([]any)
	id := func(i int) string { return cands[i].(map[string]any)["id"].(string) }
	do(member, "POST", base+"/contests/"+cid+"/ballot", map[string]any{"choices": []string{id(0), id(0)}}, 422)
	// Concurrent submissions by one voter: one 201, the rest 409.
	var wg sync.WaitGroup
	codes := make([]int, 20)
	var receipt string
	var mu sync.Mutex
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(map[string]any{"choices": []string{id(1), id(0)}})
			req, _ := http.NewRequest("POST", env.URL+base+"/contests/"+cid+"/ballot", strings.NewReader(string(b)))
			req.Header.Set("Authorization", "Bearer "+member)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
			if resp.StatusCode == 201 {
				var r map[string]any
				json.NewDecoder(resp.Body).Decode(&r)
				mu.Lock()
				receipt = r["receipt"].(string)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	created := 0
	for _, code := range codes {
		switch code {
		case 201:
			created++
		case 409:
		default:
			t.Fatalf("status %d among concurrent casts", code)
		}
	}
	if created != 1 || receipt == "" {
		t.Fatalf("%d ballots created, want 1", created)
	}
	chk := do(member, "POST", base+"/contests/"+cid+"/receipt-check", map[string]any{"receipt": receipt}, 200)
	if chk["status"] != "stored" {
		t.Fatalf("receipt check: %v", chk)
	}
	do(member, "PUT", base+"/contests/"+cid+"/ballot", map[string]any{"receipt": receipt, "choices": []string{id(2)}}, 409) // not allowed
	do(member, "GET", base+"/roll", nil, 403)
	if roll := do(officer, "GET", base+"/roll", nil, 200); len(roll["items"].([]any)) == 0 {
		t.Fatal("empty roll")
	}
	do(officer2, "POST", base+"/transition", map[string]any{"to": "closed"}, 404) // another chapter's officer sees nothing
	do(member, "POST", base+"/transition", map[string]any{"to": "closed"}, 403)
	do(officer, "POST", base+"/transition", map[string]any{"to": "closed"}, 200)
	res := do(member, "GET", base+"/contests/"+cid+"/results", nil, 200)
	if res["ballots"].(float64) != 1 || fmt.Sprint(res["winners"]) != "[Bob]" || res["certified"] != false {
		t.Fatalf("results %v", res)
	}
	chk = do(member, "POST", base+"/contests/"+cid+"/receipt-check", map[string]any{"receipt": receipt}, 200)
	if chk["status"] != "counted" || fmt.Sprint(chk["choices"]) != "[Bob Ann]" {
		t.Fatalf("receipt check after close: %v", chk)
	}
	resp, b := env.Do(t, member, "GET", base+"/contests/"+cid+"/ballots?format=blt", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), chk["receipt_hash"].(string)) {
		t.Fatalf("BLT %d: %s", resp.StatusCode, b)
	}
	resp, b = env.Do(t, member, "GET", base+"/contests/"+cid+"/ballots?format=csv", nil, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "receipt_hash,choice_1") {
		t.Fatalf("CSV %d: %s", resp.StatusCode, b)
	}
	do(member, "POST", base+"/transition", map[string]any{"to": "certified"}, 403)
	if e := do(officer, "POST", base+"/transition", map[string]any{"to": "certified"}, 200); e["state"] != "certified" {
		t.Fatalf("state %v", e["state"])
	}
}
