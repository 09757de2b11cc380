package pgcluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestSweepRemovesOnlyAbandonedTemporaryClusters(t *testing.T) {
	tmp := t.TempDir()
	old := time.Now().Add(-2 * sweepAge)
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })

	mk := func(name string, marked bool, pid int, mtime time.Time) string {
		root := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(root, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if marked {
			if err := os.WriteFile(filepath.Join(root, ephemeralMarker), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if pid != 0 {
			if err := os.WriteFile(filepath.Join(root, "data", "postmaster.pid"), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(root, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return root
	}
	deadPid := 1 << 22 // above Linux's pid_max default; no such process
	tests := []struct {
		root string
		kept bool
	}{
		{mk(tempPrefix+"abandoned", true, deadPid, old), false},
		{mk(tempPrefix+"cleanly-stopped", true, 0, old), false},
		{mk(tempPrefix+"running", true, sleeper.Process.Pid, old), true},
		{mk(tempPrefix+"being-initialised", true, 0, time.Now()), true},
		{mk(tempPrefix+"persistent", false, 0, old), true},
		{mk("someone-elses-dir", true, 0, old), true},
	}
	sweepAbandoned(tmp, t.Logf)
	for _, tt := range tests {
		_, err := os.Stat(tt.root)
		if kept := err == nil; kept != tt.kept {
			t.Errorf("%s: kept = %v, want %v", filepath.Base(tt.root), kept, tt.kept)
		}
	}
}
