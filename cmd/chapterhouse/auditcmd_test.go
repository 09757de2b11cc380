package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/demo"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestAuditVerifyNamesTamperedEntry runs `chapterhouse audit verify` on the
// demo organization's log, then again after one entry is altered behind the
// trigger's back.
func TestAuditVerifyNamesTamperedEntry(t *testing.T) {
	url := pgtest.NewURL(t)
	ctx := context.Background()
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := demo.Seed(ctx, pool, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log SELECT seq + 1, at, actor_id, 'x.y', entity, entity_id, chapter_id, data, hash, hash FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"audit", "verify"}, getenv, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "BROKEN at entry 2") {
		t.Fatalf("forged second entry: exit %d, stderr %q", code, errOut.String())
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; DELETE FROM audit_log WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"audit", "verify"}, getenv, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "intact: 1 entries") {
		t.Fatalf("intact log: exit %d, stdout %q stderr %q", code, out.String(), errOut.String())
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_log SET data = '{"chapters":4,"members":1}' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(ctx, []string{"audit", "verify"}, getenv, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "BROKEN at entry 1: hash does not match the entry's contents") {
		t.Fatalf("tampered log: exit %d, stderr %q", code, errOut.String())
	}
}
