package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// runMigrateCmd runs `chapterhouse migrate args...` in-process with
// DATABASE_URL set to url and returns the exit status and output.
func runMigrateCmd(t *testing.T, url string, args ...string) (int, string, string) {
	t.Helper()
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"migrate"}, args...), getenv, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestMigrateCommandRoundTrip(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"status"}, "no migration applied"},
		{[]string{"up"}, "migrated up from version 0 to"},
		{[]string{"up"}, "no change"},
		{[]string{"status"}, "(up to date)"},
		{[]string{"down", "1"}, "reverted 1 migration(s)"},
		{[]string{"status"}, "(1 pending)"},
		{[]string{"up"}, "(up to date)"},
		{[]string{"force", "1"}, "forced version 1"},
	}
	for _, s := range steps {
		code, out, errOut := runMigrateCmd(t, url, s.args...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("migrate %v: exit %d, stdout %q, stderr %q; want exit 0 and %q", s.args, code, out, errOut, s.want)
		}
		t.Logf("migrate %v: %s", s.args, strings.TrimSpace(out))
	}
}

func TestMigrateCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url string
		args      []string
		code      int
		want      string
	}{
		{"no action", "postgres://x@127.0.0.1:1/x", nil, 2, "missing action"},
		{"unknown action", "postgres://x@127.0.0.1:1/x", []string{"sideways"}, 2, "unknown action"},
		{"down needs N", "postgres://x@127.0.0.1:1/x", []string{"down"}, 2, "needs exactly one argument"},
		{"down N positive", "postgres://x@127.0.0.1:1/x", []string{"down", "0"}, 2, "not a valid"},
		{"down N number", "postgres://x@127.0.0.1:1/x", []string{"down", "all"}, 2, "not a valid"},
		{"status takes nothing", "postgres://x@127.0.0.1:1/x", []string{"status", "now"}, 2, "takes no arguments"},
		{"no DATABASE_URL", "", []string{"up"}, 1, "DATABASE_URL is not set"},
		{"no server", "postgres://x:hunter2@127.0.0.1:1/x?connect_timeout=2", []string{"status"}, 1, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runMigrateCmd(t, tt.url, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.want)
			}
			if strings.Contains(errOut, "hunter2") {
				t.Errorf("stderr reveals the password: %q", errOut)
			}
		})
	}
}
