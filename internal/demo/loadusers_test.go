package demo

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLoadAccountsAreUniqueAndMatchTheCSV(t *testing.T) {
	const n = 250
	accts, err := LoadAccounts(n)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := LoadUsersCSV(&buf, n, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2031, 5, 6, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || strings.Join(rows[0], ",") != "email,given_name,family_name,joined_on,status,paid_through" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	seen := map[string]bool{}
	for i, a := range accts {
		if seen[a.Username] || seen[a.Email] {
			t.Fatalf("duplicate account %+v", a)
		}
		seen[a.Username], seen[a.Email] = true, true
		if rows[i+1][0] != a.Email || rows[i+1][3] != "2020-01-02" || rows[i+1][4] != "active" || rows[i+1][5] != "2031-05-06" {
			t.Errorf("row %d = %v, want the email of %+v", i+2, rows[i+1], a)
		}
	}
	if accts[0].Username != "voter00001" || accts[0].Password != "voter00001-load" ||
		accts[0].Email != "voter00001@load.chapterhouse.test" {
		t.Errorf("first account %+v does not follow the documented pattern", accts[0])
	}
}

func TestLoadAccountsRange(t *testing.T) {
	for _, n := range []int{-1, MaxLoadUsers + 1} {
		if _, err := LoadAccounts(n); err == nil {
			t.Errorf("LoadAccounts(%d) succeeded", n)
		}
		if err := LoadUsersCSV(&bytes.Buffer{}, n, time.Now(), time.Now()); err == nil {
			t.Errorf("LoadUsersCSV(%d) succeeded", n)
		}
	}
	for _, i := range []int{0, MaxLoadUsers + 1} {
		if _, err := LoadAccount(i); err == nil {
			t.Errorf("LoadAccount(%d) succeeded", i)
		}
	}
	if a, err := LoadAccount(MaxLoadUsers); err != nil || a.Username != "voter99999" {
		t.Errorf("LoadAccount(max) = %+v, %v", a, err)
	}
}

func TestLoadClientRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := LoadClient{Issuer: "http://127.0.0.1:1", ClientID: "c", ClientSecret: "s", RedirectURI: "http://127.0.0.1:2/cb", Users: 3}
	path, err := WriteLoadClient(dir, want)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", st.Mode(), err)
	}
	got, err := ReadLoadClient(path)
	if err != nil || got != want {
		t.Errorf("read %+v, %v; want %+v", got, err, want)
	}
	if err := os.WriteFile(path, []byte(`{"issuer":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLoadClient(path); err == nil {
		t.Error("a file without client_id was accepted")
	}
	if _, err := ReadLoadClient(dir + "/missing.json"); err == nil {
		t.Error("a missing file was accepted")
	}
}
