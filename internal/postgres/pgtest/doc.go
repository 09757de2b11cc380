// Package pgtest gives each test its own PostgreSQL database, already
// migrated, in a few tens of milliseconds.
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		pool := pgtest.New(t) // a fresh, migrated database; dropped after the test
//		...
//	}
//
// The first use in a test binary picks the server:
//
//  1. TEST_DATABASE_URL, when set: a postgres:// URL of a role that may
//     create databases. It must work; there is no fallback.
//  2. Otherwise postgres://postgres@127.0.0.1:5432/postgres, when it
//     answers within a second.
//  3. Otherwise a private cluster (package pgcluster) from the machine's
//     PostgreSQL binaries, with fsync off, started once per test binary.
//     On Linux it shuts down when the test binary exits, however it exits;
//     its temporary directory is removed by a package that calls Main
//     from TestMain, or else swept by a later run. Without any binaries,
//     tests fail with an error saying what to install.
//
// On that server, a template database named after a hash of the migration
// files (chtpl_<hash>) is created and migrated once, under a server-wide
// advisory lock so that the parallel test binaries of `go test ./...`
// neither race nor duplicate the work; it is then marked as a template
// that accepts no connections, so cloning it never fails because someone
// is connected. Each test gets CREATE DATABASE ... TEMPLATE chtpl_<hash>
// and a t.Cleanup that drops it WITH (FORCE). Templates of older
// migration contents stay on a shared server until dropped by hand.
//
// Test databases use the C collation and UTF8 encoding on every server,
// so results do not depend on where tests run.
//
// This package keeps one piece of process-wide state, the server chosen
// for the test binary; Server is the same machinery without it.
package pgtest
