//go:build unix && !linux

package pgcluster

import "syscall"

// setParentDeathSignal does nothing here: only Linux can tie a child's
// life to its parent. Call Stop (pgtest does so through pgtest.Main).
func setParentDeathSignal(*syscall.SysProcAttr) {}

// postmasterFor cannot tell on this platform whether pid serves dataDir.
func postmasterFor(pid int, dataDir string) (isServer, known bool) { return false, false }
