//go:build !unix

package pgcluster

import (
	"errors"
	"syscall"
)

// account is unused where Start is unsupported.
type account struct{}

func serverAccount() (*account, error) {
	return nil, errors.New("pgcluster: private clusters are supported on Unix-like systems only; set DATABASE_URL / TEST_DATABASE_URL")
}

func (a *account) String() string                      { return "" }
func (a *account) sysProcAttr() *syscall.SysProcAttr   { return nil }
func (a *account) checkReachable(string) error         { return nil }
func (a *account) chown(string) error                  { return nil }
func (a *account) ownTree(string) error                { return nil }
func processAlive(int) bool                            { return false }
func postmasterFor(int, string) (isServer, known bool) { return false, false }
