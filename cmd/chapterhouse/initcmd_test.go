package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestInitFoundsTheOrganizationOnce runs `chapterhouse init` on a new
// database: bad flags are refused naming the flag and write nothing; a good
// run makes the national body and its first admin, whose grant is in force;
// a second run is refused and changes nothing.
func TestInitFoundsTheOrganizationOnce(t *testing.T) {
	url := pgtest.NewURL(t)
	ctx := context.Background()
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	chapterhouse := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, getenv, nil, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	found := func(args ...string) (int, string, string) { return chapterhouse(append([]string{"init"}, args...)...) }
	counts := func() string {
		var chapters, members, roles, audit int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM chapters), (SELECT count(*) FROM members),
			(SELECT count(*) FROM role_assignments), (SELECT count(*) FROM audit_log)`).Scan(&chapters, &members, &roles, &audit); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d,%d,%d,%d", chapters, members, roles, audit)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--admin-email", "ada@example.org", "--admin-given-name", "Ada"}, "-name must not be blank"},
		{[]string{"--name", "Org", "--admin-email", "ada at example", "--admin-given-name", "Ada"}, "-admin-email is not an email address"},
		{[]string{"--name", "Org", "--admin-email", "ada@example.org"}, "-admin-given-name is required"},
		{[]string{"--name", "Org", "--slug", "Not A Slug", "--admin-email", "ada@example.org", "--admin-given-name", "Ada"}, "-slug must be lower-case"},
	} {
		if code, _, errOut := found(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("init %q: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	if got := counts(); got != "0,0,0,0" {
		t.Fatalf("refused runs wrote chapters, members, roles, audit entries: %s", got)
	}

	code, out, errOut := found("--name", "Riverlands Union", "--admin-email", " Ada@Example.org ", "--admin-given-name", "Ada",
		"--admin-family-name", "Lovelace")
	if code != 0 || !strings.Contains(out, "Founded Riverlands Union") || !strings.Contains(out, "<ada@example.org>") {
		t.Fatalf("init: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	var member string
	var national bool
	if err := pool.QueryRow(ctx, `SELECT m.id::text, c.kind = 'national' FROM members m JOIN chapters c ON c.id = m.chapter_id
		WHERE m.email = 'ada@example.org'`).Scan(&member, &national); err != nil || !national {
		t.Fatalf("the admin member: national %v, %v", national, err)
	}
	q := postgres.New(pool)
	grants, err := q.AuthGrantsInForce(ctx, uuid.MustParse(member))
	if err != nil || len(grants) != 1 || grants[0].Role != "admin" || !grants[0].National {
		t.Errorf("the admin's grants in force: %+v, %v", grants, err)
	}
	if got := counts(); got != "1,1,1,1" {
		t.Errorf("after init: chapters, members, roles, audit entries = %s, want 1,1,1,1", got)
	}

	code, _, errOut = found("--name", "Another", "--admin-email", "bob@example.org", "--admin-given-name", "Bob")
	if code != 1 || !strings.Contains(errOut, "already has a national body (Riverlands Union") {
		t.Errorf("second init: exit %d, stderr %q", code, errOut)
	}
	if got := counts(); got != "1,1,1,1" {
		t.Errorf("a refused second init changed the database: %s", got)
	}
	if code, out, _ := chapterhouse("audit", "verify"); code != 0 || !strings.Contains(out, "intact: 1 entries") {
		t.Errorf("audit verify after init: exit %d, %q", code, out)
	}
}
