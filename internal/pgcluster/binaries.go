package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is wrapped by the error Start returns when no PostgreSQL
// server binaries (initdb and postgres) can be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

// installHint says how to get the binaries, for the error that wraps
// ErrNoBinaries.
const installHint = "install the PostgreSQL server: on Debian/Ubuntu `sudo apt-get install postgresql` " +
	"(the binaries land in /usr/lib/postgresql/VERSION/bin; the system cluster it creates need not run), " +
	"on macOS with Homebrew `brew install postgresql@17`; " +
	"or point DATABASE_URL / TEST_DATABASE_URL at an existing server"

// binaries are the absolute paths of the server programs Start runs.
type binaries struct {
	initdb, postgres string
}

// versionedGlobs are the places where packaged PostgreSQL versions live
// side by side; the highest version found wins.
func versionedGlobs() []string {
	return []string{
		"/usr/lib/postgresql/*/bin",          // Debian, Ubuntu
		"/usr/pgsql-*/bin",                   // RHEL, Fedora (PGDG)
		"/opt/homebrew/opt/postgresql@*/bin", // Homebrew on Apple silicon
		"/usr/local/opt/postgresql@*/bin",    // Homebrew on Intel
		"/opt/homebrew/opt/postgresql/bin",   // Homebrew, unversioned formula
		"/usr/local/opt/postgresql/bin",      // Homebrew, unversioned formula
		"/Applications/Postgres.app/Contents/Versions/*/bin",
	}
}

// findBinaries locates initdb and postgres: in binDir when it is set, else
// on PATH (both programs), else in the highest-versioned directory of
// versionedGlobs that holds both.
func findBinaries(binDir string) (binaries, error) {
	if binDir != "" {
		b, ok := inDir(binDir)
		if !ok {
			return binaries{}, fmt.Errorf("pgcluster: %w in %s (Options.BinDir); %s", ErrNoBinaries, binDir, installHint)
		}
		return b, nil
	}
	initdb, err1 := exec.LookPath("initdb")
	postgres, err2 := exec.LookPath("postgres")
	if err1 == nil && err2 == nil {
		a1, e1 := filepath.Abs(initdb)
		a2, e2 := filepath.Abs(postgres)
		if e1 == nil && e2 == nil {
			return binaries{initdb: a1, postgres: a2}, nil
		}
	}
	var dirs []string
	for _, g := range versionedGlobs() {
		m, _ := filepath.Glob(g) // the patterns are constant and valid
		dirs = append(dirs, m...)
	}
	sort.SliceStable(dirs, func(i, j int) bool { return versionLess(dirs[j], dirs[i]) })
	for _, d := range dirs {
		if b, ok := inDir(d); ok {
			return b, nil
		}
	}
	return binaries{}, fmt.Errorf("pgcluster: %w on PATH nor in %s; %s",
		ErrNoBinaries, strings.Join(versionedGlobs(), ", "), installHint)
}

// inDir returns the binaries in dir when both are there and executable.
func inDir(dir string) (binaries, bool) {
	b := binaries{initdb: filepath.Join(dir, "initdb"), postgres: filepath.Join(dir, "postgres")}
	for _, p := range []string{b.initdb, b.postgres} {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return binaries{}, false
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return binaries{}, false
	}
	return binaries{initdb: filepath.Join(abs, "initdb"), postgres: filepath.Join(abs, "postgres")}, true
}

// versionLess orders directories by the version number embedded in their
// path (".../15/bin" < ".../16/bin", "postgresql@9.6" < "postgresql@14"),
// comparing numerically component by component.
func versionLess(a, b string) bool {
	va, vb := pathVersion(a), pathVersion(b)
	for i := 0; i < len(va) && i < len(vb); i++ {
		if va[i] != vb[i] {
			return va[i] < vb[i]
		}
	}
	return len(va) < len(vb)
}

// pathVersion extracts the first run of dot-separated numbers from p.
func pathVersion(p string) []int {
	var out []int
	start := -1
	for i := 0; i <= len(p); i++ {
		digit := i < len(p) && p[i] >= '0' && p[i] <= '9'
		switch {
		case digit && start < 0:
			start = i
		case !digit && start >= 0:
			n, _ := strconv.Atoi(p[start:i])
			out = append(out, n)
			start = -1
			if i >= len(p) || p[i] != '.' {
				if len(out) > 0 {
					return out
				}
			}
		}
	}
	return out
}
