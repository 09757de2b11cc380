// Package conformance locates the shared conformance data (other people's
// published election and apportionment results) that tests compare the
// counting engine against. The data lives beside the repository, in
// ../shared/conformance relative to the module root.
package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns ../shared/conformance/<parts...> relative to the module root
// (the nearest directory above the test's working directory that holds
// go.mod). It skips the test, saying where it looked, when the folder is
// absent, and fails it when no go.mod can be found.
func Dir(t testing.TB, parts ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("conformance: no go.mod above the test's directory")
		}
		dir = parent
	}
	d := filepath.Join(append([]string{dir, "..", "shared", "conformance"}, parts...)...)
	if _, err := os.Stat(d); err != nil {
		t.Skipf("conformance data not found at %s: skipping", d)
	}
	return d
}
