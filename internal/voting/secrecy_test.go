package voting

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally/blt"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/count"
)

// TestSchemaSecrecy checks the secrecy rule on the schema itself and on
// the order published ballots are read back in.
func TestSchemaSecrecy(t *testing.T) {
	f := newFixture(t)
	for _, table := range []string{"voting_sealed_ballots", "voting_ballots"} {
		rows, err := f.pool.Query(f.ctx, `
			SELECT column_name, data_type, coalesce(column_default, ''), is_identity
			FROM information_schema.columns WHERE table_name = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var name, typ, def, identity string
			if err := rows.Scan(&name, &typ, &def, &identity); err != nil {
				t.Fatal(err)
			}
			n++
			lname := strings.ToLower(name)
			if strings.Contains(lname, "member") || strings.Contains(lname, "voter") {
				t.Errorf("%s.%s names a voter", table, name)
			}
			if strings.Contains(typ, "timestamp") || strings.Contains(typ, "date") || strings.Contains(typ, "time") {
				t.Errorf("%s.%s is a %s", table, name, typ)
			}
			if identity == "YES" || strings.Contains(def, "nextval") {
				t.Errorf("%s.%s is a serial or identity column (%q)", table, name, def)
			}
		}
		rows.Close()
		if n == 0 {
			t.Fatalf("table %s not found", table)
		}
		if got := f.count(`
			SELECT count(*) FROM pg_constraint c
			WHERE c.conrelid = $1::regclass AND c.contype = 'f' AND c.confrelid <> 'voting_contests'::regclass`, table); got != 0 {
			t.Errorf("%s has %d foreign keys to tables other than voting_contests", table, got)
		}
		if got := f.count(`SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
			WHERE d.refobjid = $1::regclass`, table); got != 0 {
			t.Errorf("%s owns a sequence", table)
		}
	}
	var typ string
	if err := f.pool.QueryRow(f.ctx, `SELECT string_agg(data_type, ',' ORDER BY column_name) FROM information_schema.columns
		WHERE table_name = 'voting_voters' AND data_type LIKE '%time%'`).Scan(&typ); err == nil && typ != "" {
		t.Errorf("voting_voters has time columns: %s", typ)
	}

	// 500 ballots cast in a known order; the published order must not
	// follow it.
	off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
	voters := f.members(f.chA, 500)
	e := f.election(f.chA, false, off)
	f.contest(off, e, ContestInput{Title: "Board", Method: "irv"}, 5)
	e = f.open(off, e)
	c := e.Contests[0]
	ids := candidateIDs(c)
	rng := rand.New(rand.NewPCG(1, 2))
	castAt := map[string]int{}
	for i, v := range voters {
		perm := rng.Perm(len(ids))[:1+rng.IntN(len(ids))]
		choice := make([]uuid.UUID, len(perm))
		for j, k := range perm {
			choice[j] = ids[k]
		}
		r, err := f.svc.Cast(f.ctx, v, e.ID, c.ID, choice)
		if err != nil {
			t.Fatal(err)
		}
		castAt[r.ReceiptHash] = i
	}
	if _, err := f.svc.Close(f.ctx, off, e.ID); err != nil {
		t.Fatal(err)
	}
	ballots, err := f.svc.PublishedBallots(f.ctx, off, e.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for _, b := range ballots {
		i, ok := castAt[b.ReceiptHash]
		if !ok {
			t.Fatalf("published ballot %s has no cast receipt", b.ReceiptHash)
		}
		order = append(order, i)
	}
	checkUnrelated(t, "service read", order)
	// The physical order of the table (a read without ORDER BY) too.
	rows, err := f.pool.Query(f.ctx, `SELECT receipt_hash FROM voting_ballots WHERE contest_id = $1`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	order = order[:0]
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		order = append(order, castAt[hex.EncodeToString(h)])
	}
	rows.Close()
	checkUnrelated(t, "physical order", order)
	if got := f.count(`SELECT count(*) FROM voting_sealed_ballots`); got != 0 {
		t.Fatalf("%d sealed ballots survive close", got)
	}
}

// checkUnrelated fails when order (the cast index of each ballot in read
// order) is the cast order or correlates with it: Spearman's rho of a
// random permutation of 500 has a standard deviation of about 0.045, so
// |rho| < 0.25 fails a real shuffle with probability below 1e-7.
func checkUnrelated(t *testing.T, what string, order []int) {
	t.Helper()
	n := len(order)
	if n != 500 {
		t.Fatalf("%s: %d ballots, want 500", what, n)
	}
	same := true
	var d2 int64
	for pos, i := range order {
		if pos != i {
			same = false
		}
		d := int64(pos - i)
		d2 += d * d
	}
	if same {
		t.Fatalf("%s: ballots come back in cast order", what)
	}
	// rho = 1 - 6*sum(d^2) / (n(n^2-1)); compare |rho| < 1/4 in integers:
	// |n(n^2-1) - 6 d2| * 4 < n(n^2-1).
	den := int64(n) * (int64(n)*int64(n) - 1)
	num := den - 6*d2
	if num < 0 {
		num = -num
	}
	if 4*num >= den {
		t.Fatalf("%s: rank correlation with cast order is %d/%d, not near 0", what, den-6*d2, den)
	}
}

// TestRecountFromBLT: the published BLT of a closed contest, counted again
// as `chapterhouse tally` counts it (blt.Read then count.Count with the
// published seed), gives exactly the stored result.
func TestRecountFromBLT(t *testing.T) {
	for _, method := range []string{count.IRV, count.STVScottish, count.Schulze} {
		t.Run(method, func(t *testing.T) {
			f := newFixture(t)
			off := f.member(f.chA, f.today.AddDate(-2, 0, 0))
			voters := f.members(f.chA, 40)
			e := f.election(f.chA, false, off)
			seats := 1
			if method == count.STVScottish {
				seats = 2
			}
			f.contest(off, e, ContestInput{Title: "Council", Method: method, Seats: seats}, 5)
			e = f.open(off, e)
			c := e.Contests[0]
			ids := candidateIDs(c)
			rng := rand.New(rand.NewPCG(7, uint64(len(method))))
			for _, v := range voters {
				perm := rng.Perm(len(ids))[:1+rng.IntN(len(ids))]
				// Skew towards candidate A and B so rounds transfer.
				if rng.IntN(3) == 0 {
					perm = []int{0, 1}
				}
				choice := make([]uuid.UUID, len(perm))
				for j, k := range perm {
					choice[j] = ids[k]
				}
				if _, err := f.svc.Cast(f.ctx, v, e.ID, c.ID, choice); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.svc.Close(f.ctx, off, e.ID); err != nil {
				t.Fatal(err)
			}
			stored, err := f.svc.Results(f.ctx, off, e.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.svc.BLT(f.ctx, off, e.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			file, err := blt.Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(file.BallotIDs) != 40 {
				t.Fatalf("BLT has %d ballot ids, want 40", len(file.BallotIDs))
			}
			if !strings.Contains(file.Comment, "--seed") {
				t.Fatalf("BLT comment %q does not give the seed", file.Comment)
			}
			seed := stored.Seed
			recount, err := count.Count(method, file.Contest, count.Options{Seed: &seed, TieOrder: file.TieOrder})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(stored.Result)
			b, _ := json.Marshal(recount)
			if !bytes.Equal(a, b) {
				t.Fatalf("recount differs from the stored result:\nstored  %s\nrecount %s", a, b)
			}
			if len(stored.Result.Rounds) == 0 || len(stored.Winners) != seats {
				t.Fatalf("stored result has %d rounds and winners %v", len(stored.Result.Rounds), stored.Winners)
			}
			csv, err := f.svc.CSV(f.ctx, off, e.ID, c.ID)
			if err != nil || bytes.Count(csv, []byte("\n")) != 41 {
				t.Fatalf("CSV has %d lines (%v)", bytes.Count(csv, []byte("\n")), err)
			}
		})
	}
}
