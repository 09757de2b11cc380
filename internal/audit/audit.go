// Package audit keeps Chapterhouse's append-only, hash-chained audit log.
// Every change to rosters, money, elections and results appends one entry in
// the same transaction as the change, so the log and the data commit
// together. Each entry's hash covers its fields and the previous entry's
// hash: altering, inserting or deleting an entry breaks the chain from that
// entry on, which Verify detects and names.
//
// The chain proves integrity only relative to a trusted head: an attacker who
// can rewrite the whole table can recompute every hash. Record the head that
// Verify reports (seq and hash) somewhere the database's writers cannot
// reach, and compare later runs against it.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Entry is one audited change.
type Entry struct {
	// ActorID is the member who made the change; uuid.Nil for the system.
	ActorID uuid.UUID
	// Action names what happened, as "noun.verb": "member.create",
	// "roster.import", "roster.export".
	Action string
	// Entity and EntityID name what changed ("member", its id).
	Entity   string
	EntityID string
	// ChapterID scopes the entry to a chapter; uuid.Nil for national.
	ChapterID uuid.UUID
	// Data holds the facts of the change (changed fields, counts). It must
	// be JSON-encodable and must not hold contact details or secrets.
	Data any
}

// genesis is the prev_hash of the first entry.
var genesis = make([]byte, sha256.Size)

// Append adds e to the log inside tx, which must be the transaction that
// makes the change. Appends are serialised by a transaction-scoped advisory
// lock, so concurrent writers wait for each other's commit. at is the
// entry's time; it is truncated to the microsecond PostgreSQL stores.
func Append(ctx context.Context, tx pgx.Tx, at time.Time, e Entry) error {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return fmt.Errorf("audit: encode data of %s: %w", e.Action, err)
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	q := postgres.New(tx)
	if err := q.LockAuditChain(ctx); err != nil {
		return fmt.Errorf("audit: lock chain: %w", err)
	}
	seq, prev := int64(1), genesis
	head, err := q.AuditHead(ctx)
	switch {
	case err == nil:
		seq, prev = head.Seq+1, head.Hash
	case errors.Is(err, pgx.ErrNoRows):
	default:
		return fmt.Errorf("audit: read head: %w", err)
	}
	at = at.UTC().Truncate(time.Microsecond)
	row := postgres.InsertAuditEntryParams{
		Seq:       seq,
		At:        at,
		ActorID:   nullUUID(e.ActorID),
		Action:    e.Action,
		Entity:    e.Entity,
		EntityID:  e.EntityID,
		ChapterID: nullUUID(e.ChapterID),
		Data:      data,
		PrevHash:  prev,
	}
	row.Hash = entryHash(prev, seq, at, row.ActorID, e.Action, e.Entity, e.EntityID, row.ChapterID, data)
	if err := q.InsertAuditEntry(ctx, row); err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	return nil
}

func nullUUID(id uuid.UUID) uuid.NullUUID {
	return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil}
}

// entryHash is SHA-256 over the previous hash and the entry's fields joined
// by the unit separator, which none of the fields may contain unescaped
// (data is JSON, which escapes control characters).
func entryHash(prev []byte, seq int64, at time.Time, actor uuid.NullUUID, action, entity, entityID string, chapter uuid.NullUUID, data []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	fields := []string{
		strconv.FormatInt(seq, 10),
		at.UTC().Format(time.RFC3339Nano),
		uuidText(actor), action, entity, entityID, uuidText(chapter),
	}
	h.Write([]byte(strings.Join(fields, "\x1f")))
	h.Write([]byte{0x1f})
	h.Write(data)
	return h.Sum(nil)
}

func uuidText(id uuid.NullUUID) string {
	if !id.Valid {
		return ""
	}
	return id.UUID.String()
}

// Report is the outcome of Verify.
type Report struct {
	// Entries is the number of entries checked.
	Entries int64
	// HeadSeq and HeadHash identify the last entry; record them to detect a
	// rewrite of the whole chain later.
	HeadSeq  int64
	HeadHash []byte
	// BrokenSeq is the first entry whose hash or link does not hold; zero
	// when the chain is intact.
	BrokenSeq int64
	// Problem says what is wrong with BrokenSeq.
	Problem string
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return r.BrokenSeq == 0 }

// Verify recomputes the chain in order of seq, reading in batches, and
// reports the first entry that breaks it: a hash that does not match its
// fields, a prev_hash that does not match the entry before, or a gap in seq
// (a deleted entry). It returns an error only when the log cannot be read.
func Verify(ctx context.Context, db postgres.DBTX) (Report, error) {
	q := postgres.New(db)
	var rep Report
	prev, want := genesis, int64(1)
	for {
		rows, err := q.ListAuditEntries(ctx, postgres.ListAuditEntriesParams{Seq: rep.HeadSeq, Limit: 5000})
		if err != nil {
			return rep, fmt.Errorf("audit: read log: %w", err)
		}
		for _, r := range rows {
			rep.Entries++
			switch {
			case r.Seq != want:
				rep.BrokenSeq, rep.Problem = r.Seq, fmt.Sprintf("entry %d is missing (found %d next)", want, r.Seq)
			case !bytes.Equal(r.PrevHash, prev):
				rep.BrokenSeq, rep.Problem = r.Seq, "prev_hash does not match the previous entry's hash"
			case !bytes.Equal(r.Hash, entryHash(prev, r.Seq, r.At, r.ActorID, r.Action, r.Entity, r.EntityID, r.ChapterID, []byte(r.Data))):
				rep.BrokenSeq, rep.Problem = r.Seq, "hash does not match the entry's contents"
			}
			if rep.BrokenSeq != 0 {
				return rep, nil
			}
			prev, want = r.Hash, r.Seq+1
			rep.HeadSeq, rep.HeadHash = r.Seq, r.Hash
		}
		if len(rows) < 5000 {
			return rep, nil
		}
	}
}
