package pgcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	// tempPrefix names the temporary cluster directories.
	tempPrefix = "chapterhouse-pg-"
	// ephemeralMarker marks a temporary cluster directory that Stop would
	// have removed; only such directories are ever swept.
	ephemeralMarker = "REMOVE_WHEN_STOPPED"
	// sweepAge is how long a marked directory must have been left alone
	// before it is taken for abandoned: far longer than initdb takes (about
	// a second), the only time a live directory has no running server.
	sweepAge = 2 * time.Minute
)

// sweepAbandoned removes the temporary cluster directories in tmp that a
// process killed before it could call Stop left behind: marked ephemeral,
// untouched for sweepAge, and with no live server. It is best-effort and
// reports what it removes through logf.
func sweepAbandoned(tmp string, logf func(string, ...any)) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		root := filepath.Join(tmp, e.Name())
		if _, err := os.Stat(filepath.Join(root, ephemeralMarker)); err != nil {
			continue
		}
		fi, err := os.Stat(root)
		if err != nil || time.Since(fi.ModTime()) < sweepAge {
			continue
		}
		if pid, ok := pidFromFile(filepath.Join(root, "data", "postmaster.pid")); ok && processAlive(pid) {
			continue
		}
		if err := os.RemoveAll(root); err == nil {
			logf("pgcluster: removed abandoned temporary cluster %s", root)
		}
	}
}

// pidFromFile reads the pid on the first line of a postmaster.pid.
func pidFromFile(path string) (int, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil && pid > 0
}
