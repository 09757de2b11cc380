// Package membership owns chapters and their rosters: chartering, renaming
// and dissolving chapters; members' records, their status history, and roster
// import and export. Every method takes the principal making the request and
// checks, scoped to the chapter, that their grants allow it; every change is
// written to the audit log in the same transaction.
package membership

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Service is the membership domain. It is safe for concurrent use.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns a Service on pool. now is the clock (time.Now in
// production); dates such as "today" are taken from it in UTC.
func NewService(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// Today is the service's current date in UTC, the day against which terms,
// join dates and status changes are judged.
func (s *Service) Today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// inTx runs fn in a read-committed transaction with the audit log at hand.
func (s *Service) inTx(ctx context.Context, fn func(tx pgx.Tx, q *postgres.Queries) error) error {
	return postgres.InTx(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		return fn(tx, postgres.New(tx))
	})
}

func (s *Service) audit(ctx context.Context, tx pgx.Tx, e audit.Entry) error {
	return audit.Append(ctx, tx, s.now(), e)
}

// notFound turns pgx.ErrNoRows into a NotFound error naming what was looked
// for; other errors pass through.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.NotFoundf("%s not found", what)
	}
	return err
}

// constraintFields maps the schema's constraint names to the input field a
// violation is the client's fault for.
var constraintFields = map[string]struct {
	field, msg string
	kind       errs.Kind
}{
	"members_email":       {"/email", "another member already has this email address", errs.Conflict},
	"members_external_id": {"/external_id", "another member already has this external id", errs.Conflict},
	"chapters_slug_key":   {"/slug", "another chapter already has this slug", errs.Conflict},
	"members_email_check": {"/email", "must be a lower-case email address", errs.Invalid},
	"chapters_slug_check": {"/slug", "must be lower-case letters, digits and dashes", errs.Invalid},
	"chapters_check1":     {"/dissolved_on", "must not be before the chapter was chartered", errs.Invalid},
	"role_assignments_no_overlap": {"/starts_on", "the member holds this role here in another term that overlaps this one",
		errs.Conflict},
}

// classify maps a PostgreSQL constraint violation to a client error naming
// the field; anything else is returned unchanged (an internal error).
func classify(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	if c, ok := constraintFields[pgErr.ConstraintName]; ok {
		return &errs.Error{Kind: c.kind, Field: c.field, Msg: c.msg, Err: err}
	}
	switch pgErr.Code {
	case "23505":
		return &errs.Error{Kind: errs.Conflict, Msg: "conflicts with an existing record", Err: err}
	case "23514", "22001", "22007", "22008":
		return &errs.Error{Kind: errs.Invalid, Msg: "a value is out of range", Err: err}
	}
	return err
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
