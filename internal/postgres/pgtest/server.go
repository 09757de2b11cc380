package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/pgcluster"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/migrations"
)

// DefaultProbeURL is the server tried when no URL is configured.
const DefaultProbeURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const (
	probeTimeout   = time.Second
	opTimeout      = 2 * time.Minute // template creation, one clone, one drop
	templatePrefix = "chtpl_"
	dbPrefix       = "cht_"
	templateFormat = "pgtest template v1: UTF8, C collation, from template0"
)

// ServerOptions choose the server a Server uses.
type ServerOptions struct {
	// URL, when set, is the admin URL of the server to use (a role that
	// may create databases); NewServer fails when it does not answer.
	URL string
	// ProbeURL is tried when URL is empty; DefaultProbeURL when empty.
	ProbeURL string
	// NoProbe skips the probe: a private cluster is started.
	NoProbe bool
	// Logf receives progress messages (server choice, cluster start).
	Logf func(format string, args ...any)

	// templateName overrides the template's name (tests only).
	templateName string
}

// Server hands out test databases cloned from a migrated template on one
// PostgreSQL server. Its methods are safe for concurrent use.
type Server struct {
	adminURL string
	admin    *pgxpool.Pool
	cluster  *pgcluster.Cluster // nil unless NewServer started one
	logf     func(string, ...any)

	tplName string
	mu      sync.Mutex // guards tplReady
	tplOK   bool
}

// NewServer connects to the server opts choose, starting a private cluster
// when no server is configured or answers. The template is made on first
// use. It returns an error when opts.URL is set but unusable, or when the
// private cluster cannot start (the error then says what to install when
// the binaries are missing).
func NewServer(ctx context.Context, opts ServerOptions) (*Server, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &Server{logf: logf, tplName: opts.templateName}
	if s.tplName == "" {
		h, err := migrationsHash()
		if err != nil {
			return nil, err
		}
		s.tplName = templatePrefix + h[:16]
	}
	switch {
	case opts.URL != "":
		s.adminURL = opts.URL
	case !opts.NoProbe && probe(ctx, cmp(opts.ProbeURL, DefaultProbeURL)):
		s.adminURL = cmp(opts.ProbeURL, DefaultProbeURL)
	default:
		start := time.Now()
		c, err := pgcluster.Start(ctx, pgcluster.Options{
			NoSync:   true,
			Settings: []string{"max_connections=300", "shared_buffers=64MB"},
		})
		if err != nil {
			return nil, fmt.Errorf("pgtest: no PostgreSQL server configured (TEST_DATABASE_URL) or answering on %s, "+
				"and a private one could not start: %w", redact(cmp(opts.ProbeURL, DefaultProbeURL)), err)
		}
		logf("pgtest: started private PostgreSQL cluster on port %d in %v", c.Port(), time.Since(start).Round(time.Millisecond))
		s.cluster = c
		s.adminURL = c.URL("postgres")
	}
	if _, err := dbURL(s.adminURL, "x"); err != nil {
		s.Close()
		return nil, err
	}
	admin, err := postgres.Open(ctx, s.adminURL)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s.admin = admin
	return s, nil
}

// Private reports whether the server is a private cluster NewServer
// started.
func (s *Server) Private() bool { return s.cluster != nil }

// AdminURL returns the URL of the server's maintenance database, as the
// role that creates the test databases.
func (s *Server) AdminURL() string { return s.adminURL }

// Close releases the admin connections and stops the private cluster, if
// any. Databases handed out and not yet dropped stay on a shared server.
func (s *Server) Close() error {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cluster != nil {
		return s.cluster.Stop()
	}
	return nil
}

// NewURL creates a database cloned from the migrated template and returns
// its URL; t.Cleanup drops it (WITH (FORCE), so connections left open do
// not stop the drop). It fails the test when the template cannot be made
// (a migration fails) or the clone cannot be created.
func (s *Server) NewURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.ensureTemplate(ctx); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s.create(ctx, t, s.tplName)
}

// NewEmptyURL creates an empty database (no migrations applied, from
// template0) and returns its URL; t.Cleanup drops it. It is for tests of
// the migrations themselves.
func (s *Server) NewEmptyURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return s.create(ctx, t, "template0")
}

// New is NewURL opened with postgres.Open; t.Cleanup closes the pool before
// the database is dropped.
func (s *Server) New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := s.NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// create clones template into a new database named after the test.
func (s *Server) create(ctx context.Context, t testing.TB, template string) string {
	t.Helper()
	name := dbName(t.Name())
	sql := "CREATE DATABASE " + ident(name) + " TEMPLATE " + ident(template) +
		" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
	// Someone connected to the template makes CREATE DATABASE fail with
	// 55006 (object_in_use); the server already waits 5 s for such
	// sessions, retry a few times beyond that.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if _, err = s.admin.Exec(ctx, sql); !isCode(err, "55006") {
			break
		}
	}
	if err != nil {
		t.Fatalf("pgtest: create database %s from %s: %v", name, template, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := dbURL(s.adminURL, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// ensureTemplate makes the migrated template unless this process or
// another already has. A server-wide advisory lock serialises the makers;
// datistemplate marks a finished template, so one left half-made by a
// killed process is dropped and made again.
func (s *Server) ensureTemplate(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tplOK {
		return nil
	}
	conn, err := s.admin.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("template %s: %w", s.tplName, err)
	}
	defer conn.Release()
	sum := sha256.Sum256([]byte("chapterhouse pgtest " + s.tplName))
	key := int64(binary.BigEndian.Uint64(sum[:8]))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("template %s: take advisory lock: %w", s.tplName, err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			conn.Conn().Close(uctx) // closing the session releases the lock too
		}
	}()

	var isTemplate bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", s.tplName).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate:
		s.tplOK = true
		return nil
	case err == nil:
		s.logf("pgtest: dropping half-made template %s", s.tplName)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident(s.tplName)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop half-made template %s: %w", s.tplName, err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("template %s: look up: %w", s.tplName, err)
	}

	start := time.Now()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(s.tplName)+
		" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		return fmt.Errorf("create template %s: %w", s.tplName, err)
	}
	u, err := dbURL(s.adminURL, s.tplName)
	if err != nil {
		return err
	}
	if err := postgres.MigrateUp(ctx, u); err != nil {
		return fmt.Errorf("migrate template %s: %w", s.tplName, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(s.tplName)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("mark template %s: %w", s.tplName, err)
	}
	s.logf("pgtest: made template %s in %v", s.tplName, time.Since(start).Round(time.Millisecond))
	s.tplOK = true
	return nil
}

// migrationsHash is the hex SHA-256 of templateFormat and the names and
// contents of every file in migrations.FS, in name order.
func migrationsHash() (string, error) {
	var names []string
	err := fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("pgtest: list migrations: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	// templateFormat changes when the way templates are built changes
	// (encoding, collation), so old templates are not reused.
	fmt.Fprintf(h, "%s\x00", templateFormat)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", fmt.Errorf("pgtest: read migration %s: %w", n, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// probe reports whether a server answers at u within probeTimeout.
func probe(ctx context.Context, u string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := pgconn.Connect(ctx, u)
	if err != nil {
		return false
	}
	_ = conn.Close(ctx)
	return true
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// dbName makes a database name from a test name: readable, to find a
// leaked one, and unique by its random suffix.
func dbName(testName string) string {
	base := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	if len(base) > 40 {
		base = base[:40]
	}
	var r [5]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms
	return dbPrefix + base + "_" + hex.EncodeToString(r[:])
}

// dbURL is adminURL with its database replaced by name.
func dbURL(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgtest: the server URL must be a postgres:// URL, got %s", redact(adminURL))
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// redact hides the password of a URL for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func cmp(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
