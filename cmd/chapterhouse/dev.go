package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/auth/devidp"
	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/pgcluster"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// runDev is `chapterhouse dev`: everything on one machine with no set-up.
// It starts a private PostgreSQL cluster (or uses DATABASE_URL), migrates,
// loads the demo organization once, starts a built-in OpenID provider with
// the demo accounts, and serves the API and web front end. Data survives a
// restart; --fresh starts over.
func runDev(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("dev", e)
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080)")
	fresh := fs.Bool("fresh", false, "delete the dev database and start over with the demo organization")
	loadUsers := fs.Int("load-users", 0, "dev only, for load tests: also register N provider accounts voter00001..N "+
		"(password voterNNNNN-load, email voterNNNNN@"+demo.LoadUserDomain+") and write the OAuth client for them to "+
		"$CHAPTERHOUSE_DEV_DIR/"+demo.LoadClientFile+" (see cmd/votestorm)")
	maxConns := fs.Int("pg-max-connections", 0, "dev only: max_connections of the private PostgreSQL cluster (default: PostgreSQL's, 100)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *loadUsers < 0 || *loadUsers > demo.MaxLoadUsers {
		return usagef("--load-users: want 0..%d", demo.MaxLoadUsers)
	}
	if *maxConns < 0 || (*maxConns > 0 && *maxConns < 10) || *maxConns > 10000 {
		return usagef("--pg-max-connections: want 10..10000")
	}
	cfg, err := loadConfig(e.getenv, "127.0.0.1:8080")
	if err != nil {
		return usageError{err}
	}
	if *addr != "" {
		cfg.Addr = *addr
		cfg.BaseURL = "http://" + hostPort(*addr)
	}
	log := cfg.logger(e)
	devStripe(&cfg, e.stdout)

	// The listener comes first so the OIDC redirect URL names the real port
	// even with --addr 127.0.0.1:0.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another chapterhouse running? use --addr)", cfg.Addr, err)
	}
	cfg.Addr = ln.Addr().String()
	if e.getenv("CHAPTERHOUSE_BASE_URL") == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	ln.Close()

	if cfg.BallotKey == nil {
		if cfg.BallotKey, err = devBallotKey(or(e.getenv("CHAPTERHOUSE_DEV_DIR"), ".dev")); err != nil {
			return err
		}
	}
	devDBURL := "" // set when dev runs its own cluster (trust auth: no password in it)
	if cfg.DatabaseURL == "" {
		dir := or(e.getenv("CHAPTERHOUSE_DEV_DIR"), ".dev")
		dataDir, err := filepath.Abs(filepath.Join(dir, "pgdata"))
		if err != nil {
			return err
		}
		if *fresh {
			if err := os.RemoveAll(dataDir); err != nil {
				return fmt.Errorf("--fresh: remove %s: %w", dataDir, err)
			}
		}
		fmt.Fprintf(e.stdout, "Starting PostgreSQL in %s ...\n", dataDir)
		opts := pgcluster.Options{DataDir: dataDir}
		if *maxConns > 0 {
			opts.Settings = append(opts.Settings, fmt.Sprintf("max_connections=%d", *maxConns))
		}
		cluster, err := pgcluster.Start(ctx, opts)
		if err != nil {
			return err
		}
		defer cluster.Stop()
		cfg.DatabaseURL = cluster.URL("postgres")
		devDBURL = cfg.DatabaseURL
	} else if *fresh {
		st, err := postgres.MigrateStatus(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		for st.Version > 0 {
			if err := postgres.MigrateDown(ctx, cfg.DatabaseURL, 1); err != nil {
				return fmt.Errorf("--fresh: %w", err)
			}
			if st, err = postgres.MigrateStatus(ctx, cfg.DatabaseURL); err != nil {
				return err
			}
		}
	}
	if err := postgres.MigrateUp(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	seeded, err := demo.Seed(ctx, pool, time.Now().UTC())
	if err != nil {
		return err
	}

	secret := make([]byte, 16)
	rand.Read(secret)
	cfg.OIDCClientID, cfg.OIDCClientSecret = "chapterhouse-dev", hex.EncodeToString(secret)
	var users []devidp.User
	for _, a := range demo.Accounts() {
		users = append(users, devidp.User{Username: a.Username, Password: a.Password, Email: a.Email, Name: a.Name})
	}
	loadAccts, _ := demo.LoadAccounts(*loadUsers) // range checked above
	for _, a := range loadAccts {
		users = append(users, devidp.User{Username: a.Username, Password: a.Password, Email: a.Email, Name: a.Name})
	}
	idp, err := devidp.Start(ctx, devidp.Options{Addr: "127.0.0.1:0", Users: users, Clients: []devidp.Client{{
		ID: cfg.OIDCClientID, Secret: cfg.OIDCClientSecret,
		RedirectURIs:           []string{cfg.BaseURL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{cfg.BaseURL + "/"},
	}}})
	if err != nil {
		return fmt.Errorf("start the demo OpenID provider: %w", err)
	}
	defer idp.Close()
	cfg.OIDCIssuer = idp.Issuer()
	loadFile := ""
	if *loadUsers > 0 {
		if loadFile, err = demo.WriteLoadClient(or(e.getenv("CHAPTERHOUSE_DEV_DIR"), ".dev"), demo.LoadClient{
			Issuer: idp.Issuer(), ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURI: cfg.BaseURL + "/auth/callback", Users: *loadUsers}); err != nil {
			return err
		}
		defer os.Remove(loadFile)
	}

	drain := &drainer{delay: cfg.ShutdownDelay}
	a, err := newApp(ctx, cfg, pool, log, drain)
	if err != nil {
		return err
	}
	return listenAndServe(ctx, cfg.Addr, a.Handler, log, drain, func(net.Addr) {
		printBanner(e.stdout, cfg, idp.Issuer(), seeded)
		if devDBURL != "" {
			fmt.Fprintf(e.stdout, "Database (trust auth, no password): %s\n", devDBURL)
		}
		if loadFile != "" {
			fmt.Fprintf(e.stdout, "Load-test accounts: voter00001..voter%05d (password voterNNNNN-load); their OAuth client is in %s\n",
				*loadUsers, loadFile)
		}
	})
}

func printBanner(w io.Writer, cfg Config, issuer string, seeded bool) {
	fmt.Fprintf(w, "\nChapterhouse is running: %s\n", cfg.BaseURL)
	if seeded {
		fmt.Fprintln(w, "Loaded the demo organization (national body, 3 chapters, ~300 members).")
	}
	fmt.Fprintf(w, "API reference: %s/docs   OpenID provider: %s\n\nDemo accounts (sign in at %s/auth/login):\n", cfg.BaseURL, issuer, cfg.BaseURL)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  username\tpassword\trole")
	for _, a := range demo.Accounts() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Username, a.Password, a.Role)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nPress Ctrl-C to stop. Data is kept; `chapterhouse dev --fresh` starts over.")
}

// devBallotKey returns the dev ballot key kept in dir/ballot.key, making one
// on first use, so a restarted dev server can still close its elections.
func devBallotKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "ballot.key")
	if b, err := os.ReadFile(path); err == nil {
		k, err := voting.ParseBallotKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	// The dev directory also holds the PostgreSQL cluster, which runs as an
	// unprivileged user when dev runs as root: it must be searchable by
	// others. The key file itself is readable by its owner only.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	text := voting.NewBallotKey()
	if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("keep the dev ballot key: %w", err)
	}
	return voting.ParseBallotKey(text)
}
