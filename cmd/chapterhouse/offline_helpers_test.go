package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/conformance"
)

// offlineConformanceDir returns ../shared/conformance relative to the module root,
// skipping the test when it is absent.
func offlineConformanceDir(t testing.TB) string {
	t.Helper()
	return conformance.Dir(t)
}

// runOffline runs the command in-process and returns its exit status, stdout
// and stderr.
func runOffline(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeOfflineTemp writes content to a file named name in a fresh directory.
func writeOfflineTemp(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantOfflineError checks a failed run: the exit status and a single
// stderr line containing want.
func wantOfflineError(t testing.TB, code int, stdout, stderr string, wantCode int, want string) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("exit %d, want %d (stderr %q)", code, wantCode, stderr)
	}
	if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 || !strings.HasSuffix(stderr, "\n") {
		t.Fatalf("stderr is not one line: %q", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q does not contain %q", stderr, want)
	}
	if stdout != "" {
		t.Fatalf("stdout on failure: %q", stdout)
	}
}
