package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// shared is the test binary's server, chosen on first use. It is the one
// piece of process-wide state here: a test binary has one server.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// defaultServer returns the test binary's server, choosing it on first
// use (see the package documentation), or fails t.
func defaultServer(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.srv, shared.err = NewServer(ctx, ServerOptions{URL: os.Getenv("TEST_DATABASE_URL")})
	})
	if shared.err != nil {
		t.Fatalf("%v", shared.err)
	}
	return shared.srv
}

// New returns a pool on a fresh database migrated to the latest schema,
// dropped when the test ends. It fails the test when no server can be
// found or started, or the database cannot be made.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return defaultServer(t).New(t)
}

// NewURL returns the URL of a fresh database migrated to the latest
// schema, dropped when the test ends. It fails the test as New does.
func NewURL(t testing.TB) string {
	t.Helper()
	return defaultServer(t).NewURL(t)
}

// NewEmptyURL returns the URL of a fresh database with no migrations
// applied, dropped when the test ends, for tests of the migrations
// themselves. It fails the test as New does.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return defaultServer(t).NewEmptyURL(t)
}

// Main runs the tests and then stops the private cluster, if one was
// started, and removes its directory. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without it a private cluster still shuts down when the test binary exits
// (on Linux), and its directory is swept by a later run.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	os.Exit(code)
}
