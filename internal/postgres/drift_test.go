package postgres_test

import (
	"os/exec"
	"testing"
)

// TestGeneratedQueriesMatchSQL fails when the checked-in sqlc output differs
// from what sqlc generates from migrations/ and queries/: someone edited the
// generated code, or changed SQL without running `go generate ./...`.
func TestGeneratedQueriesMatchSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs sqlc; skipped with -short")
	}
	out, err := exec.Command("go", "tool", "sqlc", "diff", "-f", "sqlc.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("sqlc output differs from the checked-in code (run `go generate ./...`):\n%s\n%v", out, err)
	}
}
