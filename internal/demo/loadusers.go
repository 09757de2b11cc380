package demo

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// MaxLoadUsers bounds the load-test accounts `chapterhouse dev --load-users`
// registers (and LoadUsersCSV writes): usernames carry five digits.
const MaxLoadUsers = 99_999

// LoadUserDomain is the email domain of the load-test accounts; it is
// reserved (.test), so no mail can ever reach anyone.
const LoadUserDomain = "load.chapterhouse.test"

// LoadAccount returns the i-th load-test account (1 <= i <= MaxLoadUsers):
// username voterNNNNN (five digits, zero-padded), password
// voterNNNNN-load, email voterNNNNN@load.chapterhouse.test, name
// "Load Voter NNNNN". These accounts are for `chapterhouse dev
// --load-users` and load tests only: the password pattern is public.
// It returns an error for i out of range.
func LoadAccount(i int) (Account, error) {
	if i < 1 || i > MaxLoadUsers {
		return Account{}, fmt.Errorf("demo: load account %d is out of range 1..%d", i, MaxLoadUsers)
	}
	u := fmt.Sprintf("voter%05d", i)
	return Account{Username: u, Password: u + "-load", Email: u + "@" + LoadUserDomain,
		Name: fmt.Sprintf("Load Voter %05d", i), Role: "load-test voter (dev --load-users)"}, nil
}

// LoadAccounts returns load-test accounts 1..n (see LoadAccount). It
// returns an error when n is negative or above MaxLoadUsers.
func LoadAccounts(n int) ([]Account, error) {
	if n < 0 || n > MaxLoadUsers {
		return nil, fmt.Errorf("demo: %d load accounts: want 0..%d", n, MaxLoadUsers)
	}
	out := make([]Account, n)
	for i := range out {
		out[i], _ = LoadAccount(i + 1)
	}
	return out, nil
}

// LoadUsersCSV writes load-test accounts 1..n as a roster file in the
// import format of package membership (header email, given_name,
// family_name, joined_on, status, paid_through; no chapter column, so the rows go to the
// chapter the file is imported into), all active members who joined on
// joined, with dues paid through paidThrough. Importing it through the API makes the accounts members whose
// email matches the dev provider's users, so their bearer tokens resolve to
// them. It returns an error when n is out of range or w fails.
func LoadUsersCSV(w io.Writer, n int, joined, paidThrough time.Time) error {
	accts, err := LoadAccounts(n)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	// Voters need good standing, which follows from dues: each has paid
	// through paidThrough (a legacy paid-through date, as a roster import
	// from an old system carries).
	_ = cw.Write([]string{"email", "given_name", "family_name", "joined_on", "status", "paid_through"})
	day := joined.Format(time.DateOnly)
	paid := paidThrough.Format(time.DateOnly)
	for i, a := range accts {
		_ = cw.Write([]string{a.Email, "Load", fmt.Sprintf("Voter %05d", i+1), day, "active", paid})
	}
	cw.Flush()
	return cw.Error()
}

// LoadClientFile is the name of the file, in the dev directory
// (CHAPTERHOUSE_DEV_DIR), where `chapterhouse dev --load-users` writes the
// LoadClient of its run.
const LoadClientFile = "loadtest.json"

// LoadClient is what a load-test client on the same machine needs to log
// the load-test accounts in through the dev OpenID provider's
// authorization code flow and get bearer tokens the dev server accepts:
// the issuer, the server's OAuth client (its secret is made afresh at each
// start of dev, which is why dev writes it down, readable by its owner
// only) and the redirect URI the code comes back to (the client reads the
// code off the redirect and never follows it), and how many load accounts
// the provider knows (LoadAccount(1..Users)).
type LoadClient struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RedirectURI  string `json:"redirect_uri"`
	Users        int    `json:"users"`
}

// WriteLoadClient writes c as JSON to dir/LoadClientFile with mode 0600
// and returns the path. It returns an error when the file cannot be
// written.
func WriteLoadClient(dir string, c LoadClient) (string, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	// The directory is dev's, shared with its PostgreSQL cluster (which must
	// be able to reach its data under it); the file is the owner's alone.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, LoadClientFile)
	// Write then chmod: WriteFile keeps an existing file's mode.
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// ReadLoadClient reads what WriteLoadClient wrote at path. It returns an
// error when the file cannot be read or lacks a field.
func ReadLoadClient(path string) (LoadClient, error) {
	var c LoadClient
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read the load-test client (is `chapterhouse dev --load-users N` running?): %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if c.Issuer == "" || c.ClientID == "" || c.RedirectURI == "" {
		return c, fmt.Errorf("%s: issuer, client_id and redirect_uri are required", path)
	}
	return c, nil
}
