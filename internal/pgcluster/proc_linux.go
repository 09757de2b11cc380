package pgcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// setParentDeathSignal makes the kernel send the server SIGINT (fast
// shutdown) when the thread that started it dies; Start keeps that thread
// alive for the server's lifetime, so this fires when the process dies.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGINT
}

// postmasterFor reports, when it can tell, whether the live process pid is
// a PostgreSQL server using dataDir: a postmaster chdirs to its data
// directory. known is false when the platform gives no way to tell.
func postmasterFor(pid int, dataDir string) (isServer, known bool) {
	cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return false, false
	}
	want, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		want = dataDir
	}
	return cwd == want || cwd == dataDir, true
}
