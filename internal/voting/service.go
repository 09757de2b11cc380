// Package voting runs elections with secret ballots, from definition to
// certified result: elections held by a chapter or the national body,
// their election committee (officials), contests counted by any method of
// package tally, nominations, the voter roll frozen at the record date,
// casting with receipts, closing and counting, certification, and the
// publication of anonymised ballots (BLT and CSV) that voters can check
// with their receipts.
//
// Secrecy. Who voted (voting_voters) and what was voted are kept apart. A
// ballot cast while voting is open is stored sealed: encrypted with
// AES-256-GCM under the election's random data key, which the database
// holds only wrapped by the server's ballot key (CHAPTERHOUSE_BALLOT_KEY).
// At close the sealed ballots are decrypted, shuffled with a
// cryptographic random source, written anew (random ids, no timestamps)
// into the published ballots table and deleted, and the data key is
// destroyed. Open (roll-call) contests are the explicit exception: they
// record each voter's choice with their name. The threat model is in
// /work/briefs/threat-model.md (README "Ballot secrecy: threat model").
//
// Every method takes the principal making the request and checks its
// rights itself; changes to elections, rolls and results are audited in
// the same transaction. Individual ballots are not audited: an audit entry
// would put a precise time next to a voter, which the secrecy rule
// forbids; the who-voted row is the record that a member voted.
package voting

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

// Service is the voting domain. It is safe for concurrent use.
type Service struct {
	pool      *pgxpool.Pool
	now       func() time.Time
	ballotKey []byte
	// settle brings good standing up to date before a roll is frozen; nil
	// when the organization runs without the dues service.
	settle func(context.Context) error
	// ballots caches the ballot definitions of open contests for Cast.
	ballots *ballotCache
}

// NewService returns a Service on pool. now is the clock (time.Now in
// production); dates are taken from it in UTC. ballotKey is the server's
// ballot key (KeySize bytes, see ParseBallotKey); without it (nil) the
// service works except that it refuses to open an election or handle its
// ballots. A key of the wrong size is an error.
//
// settle, when not nil, brings members' good standing up to date (the dues
// service's DrainStanding): a roll is frozen only when no member in scope
// still waits for a recompute, and FreezeRoll calls settle first so that it
// rarely has to refuse.
func NewService(pool *pgxpool.Pool, now func() time.Time, ballotKey []byte, settle func(context.Context) error) (*Service, error) {
	if ballotKey != nil && len(ballotKey) != KeySize {
		return nil, fmt.Errorf("voting: ballot key must be %d bytes, got %d", KeySize, len(ballotKey))
	}
	return &Service{pool: pool, now: now, ballotKey: ballotKey, settle: settle, ballots: &ballotCache{}}, nil
}

func (s *Service) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// inTx runs fn in a read-committed transaction.
func (s *Service) inTx(ctx context.Context, fn func(tx pgx.Tx, q *postgres.Queries) error) error {
	return postgres.InTx(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		return fn(tx, postgres.New(tx))
	})
}

// inSerializableTx runs fn at SERIALIZABLE, retried on serialization
// failures (ballot casting and closing).
func (s *Service) inSerializableTx(ctx context.Context, fn func(tx pgx.Tx, q *postgres.Queries) error) error {
	return postgres.InTx(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
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

// classify maps a PostgreSQL constraint violation to a client error; other
// errors are returned unchanged.
func classify(err error, conflictMsg string) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505":
		return &errs.Error{Kind: errs.Conflict, Msg: conflictMsg, Err: err}
	case "23514", "22001":
		return &errs.Error{Kind: errs.Invalid, Msg: "a value is out of range", Err: err}
	}
	return err
}
