package voting

import (
	"sync"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// ballotCacheMax bounds the ballot definitions a Service keeps; when full,
// the cache starts over (they are cheap to load again).
const ballotCacheMax = 1024

// ballotDef is what a cast needs of an open contest that no longer
// changes: the election row as read while open (its wrapped data key, fixed
// from open until close destroys it), the contest and its ballot rules.
// Contests, candidates, ballot indexes and the roll are locked when voting
// opens (every change to them requires draft or nominations), so a
// definition read while the election was open stays true until it closes.
type ballotDef struct {
	e     postgres.VotingElection
	c     postgres.VotingContest
	rules ballotRules
}

type ballotKey struct{ election, contest uuid.UUID }

// ballotCache keeps the ballot definitions of open contests in one server
// process, so a cast needs no read before its transaction. It is safe with
// any number of replicas because nothing in it is trusted alone: the
// cast's transaction checks, per ballot, that the election is open and
// still holds the cached data key, and that the voter is on the frozen roll
// for the contest; any refusal is explained by the uncached path, and a
// definition whose election is no longer open is dropped. Safe for
// concurrent use.
type ballotCache struct {
	mu   sync.Mutex
	defs map[ballotKey]*ballotDef
}

func (bc *ballotCache) get(election, contest uuid.UUID) *ballotDef {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	return bc.defs[ballotKey{election, contest}]
}

// put keeps def when its election is open with a data key.
func (bc *ballotCache) put(def *ballotDef) {
	if def.e.State != StateOpen || len(def.e.WrappedKey) == 0 {
		return
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.defs == nil || len(bc.defs) >= ballotCacheMax {
		bc.defs = map[ballotKey]*ballotDef{}
	}
	bc.defs[ballotKey{def.e.ID, def.c.ID}] = def
}

func (bc *ballotCache) drop(election, contest uuid.UUID) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	delete(bc.defs, ballotKey{election, contest})
}
