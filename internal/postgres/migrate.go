package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers the pgx5:// driver
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/chapterhouse/chapterhouse/migrations"
)

// migrateLockTimeout is how long a migration run waits for another run
// holding the migration lock (golang-migrate's advisory lock) before it
// gives up. It is generous because the holder may be applying a slow
// migration in another process; ctx cancellation still applies between
// migrations.
const migrateLockTimeout = 10 * time.Minute

// Status describes a database's schema version against the migrations
// compiled into this binary.
type Status struct {
	// Version is the version of the last migration applied; 0 when none
	// has been (migration versions start at 1).
	Version uint
	// Dirty reports that the migration to Version failed part-way: the
	// schema is in an unknown state and needs repair by hand, then
	// MigrateForce.
	Dirty bool
	// Latest is the highest migration version this binary carries.
	Latest uint
	// Pending counts the migrations this binary carries above Version.
	Pending int
}

// UpToDate reports whether the schema is at the latest version and clean.
func (s Status) UpToDate() bool { return !s.Dirty && s.Version == s.Latest }

// String renders the status on one line, e.g. "version 3 of 5 (2 pending)".
func (s Status) String() string {
	var b strings.Builder
	if s.Version == 0 {
		fmt.Fprintf(&b, "no migration applied, latest is %d", s.Latest)
	} else {
		fmt.Fprintf(&b, "version %d of %d", s.Version, s.Latest)
	}
	switch {
	case s.Dirty:
		fmt.Fprintf(&b, " (DIRTY: migration %d failed part-way; repair it, then force a version)", s.Version)
	case s.Version > s.Latest:
		b.WriteString(" (database is newer than this binary)")
	case s.Pending > 0:
		fmt.Fprintf(&b, " (%d pending)", s.Pending)
	default:
		b.WriteString(" (up to date)")
	}
	return b.String()
}

// MigrateUp applies every migration of package migrations that the
// database at url has not applied yet. It is a no-op when the schema is up
// to date.
//
// Concurrent calls, from this or other processes, are safe: golang-migrate
// takes a PostgreSQL advisory lock (pg_advisory_lock, keyed by database,
// schema and migrations table) around the whole run, so one run applies
// the migrations and the others then find nothing to do. A run waits up to
// 10 minutes for the lock. When ctx is cancelled the run stops after the
// migration in progress.
//
// It returns an error, naming the database but never the password, when url
// is not a postgres:// URL, the server cannot be reached, the lock cannot be
// taken, the schema is dirty (a previous migration failed part-way) or a
// migration fails (which leaves the schema dirty at that version).
func MigrateUp(ctx context.Context, url string) error {
	return withMigrate(ctx, url, "up", func(m *migrate.Migrate) error {
		return m.Up()
	})
}

// MigrateDown reverts the last n applied migrations of the database at url,
// newest first. n must be at least 1 and at most the number of migrations
// applied; MigrateDown checks that before reverting anything.
//
// It returns an error when n is out of range, the schema is dirty, or a
// down migration fails (leaving the schema dirty), and the connection
// errors MigrateUp returns.
func MigrateDown(ctx context.Context, url string, n int) error {
	if n < 1 {
		return fmt.Errorf("postgres: migrate down: the number of migrations to revert must be at least 1, not %d", n)
	}
	return withMigrate(ctx, url, "down", func(m *migrate.Migrate) error {
		v, dirty, err := m.Version()
		switch {
		case errors.Is(err, migrate.ErrNilVersion):
			return fmt.Errorf("cannot revert %d migration(s): none is applied", n)
		case err != nil:
			return err
		case dirty:
			return migrate.ErrDirty{Version: int(v)}
		}
		applied, err := countUpTo(v)
		if err != nil {
			return err
		}
		if n > applied {
			return fmt.Errorf("cannot revert %d migration(s): only %d applied (version %d)", n, applied, v)
		}
		return m.Steps(-n)
	})
}

// MigrateForce records version as the database's schema version and clears
// the dirty flag, without running any migration. It is the way out after a
// failed migration has been repaired by hand; version -1 records that no
// migration is applied. It returns an error when version is not -1 and not
// a version this binary carries, and the connection errors MigrateUp
// returns.
func MigrateForce(ctx context.Context, url string, version int) error {
	if version != -1 {
		known, err := versions()
		if err != nil {
			return fmt.Errorf("postgres: migrate force: %w", err)
		}
		found := false
		for _, k := range known {
			found = found || int64(k) == int64(version)
		}
		if !found {
			return fmt.Errorf("postgres: migrate force: version %d is not a migration this binary carries (%v) nor -1", version, known)
		}
	}
	return withMigrate(ctx, url, "force", func(m *migrate.Migrate) error {
		return m.Force(version)
	})
}

// MigrateStatus reports the schema version of the database at url against
// the migrations this binary carries. It takes no lock and changes nothing
// (it does create the empty schema_migrations table when missing, as
// golang-migrate always does). It returns the connection errors MigrateUp
// returns.
func MigrateStatus(ctx context.Context, url string) (Status, error) {
	var st Status
	err := withMigrate(ctx, url, "status", func(m *migrate.Migrate) error {
		v, dirty, err := m.Version()
		if err != nil && !errors.Is(err, migrate.ErrNilVersion) {
			return err
		}
		all, err := versions()
		if err != nil {
			return err
		}
		st = Status{Version: v, Dirty: dirty}
		for _, k := range all {
			st.Latest = max(st.Latest, k)
			if k > v {
				st.Pending++
			}
		}
		return nil
	})
	return st, err
}

// withMigrate runs fn with a golang-migrate instance on url whose source is
// migrations.FS, and closes it afterwards.
func withMigrate(ctx context.Context, url, op string, fn func(*migrate.Migrate) error) (err error) {
	where := describeURL(url)
	dbURL, err := migrateURL(url)
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: migrate %s on %s: %w", op, where, err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: read embedded migrations: %w", op, err)
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, dbURL)
	if err != nil {
		_ = src.Close()
		return fmt.Errorf("postgres: migrate %s: connect to %s: %w", op, where, err)
	}
	m.LockTimeout = migrateLockTimeout
	defer func() {
		srcErr, dbErr := m.Close()
		if err == nil && dbErr != nil {
			err = fmt.Errorf("postgres: migrate %s on %s: close: %w", op, where, dbErr)
		}
		_ = srcErr // closing an embedded FS cannot fail in a way that matters
	}()

	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			select {
			case m.GracefulStop <- true:
			default:
			}
		case <-stop:
		}
	}()

	err = fn(m)
	switch {
	case err == nil, errors.Is(err, migrate.ErrNoChange):
		if cerr := ctx.Err(); cerr != nil && op != "status" {
			// GracefulStop makes golang-migrate return nil early.
			return fmt.Errorf("postgres: migrate %s on %s: stopped: %w", op, where, cerr)
		}
		return nil
	case errors.As(err, new(migrate.ErrDirty)):
		var d migrate.ErrDirty
		errors.As(err, &d)
		return fmt.Errorf("postgres: migrate %s on %s: schema is dirty at version %d (that migration failed part-way): "+
			"repair the schema by hand, then run `chapterhouse migrate force VERSION` with the version it is now at: %w",
			op, where, d.Version, err)
	default:
		return fmt.Errorf("postgres: migrate %s on %s: %w", op, where, err)
	}
}

// migrateURL turns a postgres:// URL into the pgx5:// URL that selects
// golang-migrate's pgx/v5 driver.
// stripPoolParams removes pgxpool's own query parameters (pool_max_conns
// and the like), which Open honours but the migration driver would send to
// the server as settings it does not know.
func stripPoolParams(rest string) string {
	base, query, ok := strings.Cut(rest, "?")
	if !ok {
		return rest
	}
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		if !strings.HasPrefix(kv, "pool_") {
			kept = append(kept, kv)
		}
	}
	if len(kept) == 0 {
		return base
	}
	return base + "?" + strings.Join(kept, "&")
}

func migrateURL(raw string) (string, error) {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if len(raw) >= len(scheme) && strings.EqualFold(raw[:len(scheme)], scheme) {
			return "pgx5://" + stripPoolParams(raw[len(scheme):]), nil
		}
	}
	return "", errors.New("the database URL must start with postgres:// or postgresql:// (keyword=value strings are not supported for migrations)")
}

// versions lists the migration versions of migrations.FS in ascending
// order.
func versions() ([]uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	defer src.Close()
	var out []uint
	v, err := src.First()
	for err == nil {
		out = append(out, v)
		v, err = src.Next(v)
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, source.ErrParse) {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	return out, nil
}

// countUpTo counts the migrations of migrations.FS with version <= v: how
// many are applied when the schema is at version v.
func countUpTo(v uint) (int, error) {
	all, err := versions()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range all {
		if k <= v {
			n++
		}
	}
	return n, nil
}
