//go:build unix

package pgcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// account is the unprivileged user the server programs run as when this
// process is root.
type account struct {
	name     string
	uid, gid uint32
	groups   []uint32 // supplementary groups, for the search-permission check
}

// serverAccount returns nil when this process is not root (the programs
// run as the caller), else the "postgres" system user, or "nobody" when
// there is none.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []string
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			errs = append(errs, fmt.Sprintf("user %q has unusable ids %s:%s", name, u.Uid, u.Gid))
			continue
		}
		a := &account{name: name, uid: uint32(uid), gid: uint32(gid)}
		if gids, err := u.GroupIds(); err == nil {
			for _, g := range gids {
				if n, err := strconv.ParseUint(g, 10, 32); err == nil {
					a.groups = append(a.groups, uint32(n))
				}
			}
		}
		return a, nil
	}
	return nil, fmt.Errorf("pgcluster: this process is root and initdb refuses to run as root, "+
		"but neither a \"postgres\" nor a \"nobody\" user exists to run it as (%s); "+
		"create one (Debian: `apt-get install postgresql` creates \"postgres\") or run as a normal user",
		strings.Join(errs, "; "))
}

// String names the account for messages.
func (a *account) String() string { return fmt.Sprintf("%q (uid %d)", a.name, a.uid) }

// sysProcAttr runs a child as a (when not nil) and, where the platform
// allows, ties its life to this process.
func (a *account) sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if a != nil {
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid}
	}
	setParentDeathSignal(attr)
	return attr
}

// checkReachable returns an error naming the first directory above dir
// (dir itself excluded) that a cannot search, so a server running as a
// could not reach its data directory. Directories that do not exist yet
// are created 0755 by the caller and so are fine.
func (a *account) checkReachable(dir string) error {
	if a == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("pgcluster: check %s: %w", p, err)
		case !a.canSearch(fi):
			return fmt.Errorf("pgcluster: data directory %s is not reachable by user %s, which runs PostgreSQL because this "+
				"process is root and initdb refuses root: %s (mode %v) is not searchable by that user; "+
				"use a directory under /tmp or /var/lib, or grant search permission (chmod o+x %s)",
				dir, a, p, fi.Mode().Perm(), p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// canSearch reports whether a may traverse the directory described by fi.
func (a *account) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true // cannot tell; let the server report it
	}
	mode := fi.Mode().Perm()
	if st.Uid == a.uid {
		return mode&0o100 != 0
	}
	inGroup := st.Gid == a.gid
	for _, g := range a.groups {
		inGroup = inGroup || g == st.Gid
	}
	if inGroup {
		return mode&0o010 != 0
	}
	return mode&0o001 != 0
}

// chown gives path to a (no-op when a is nil).
func (a *account) chown(path string) error {
	if a == nil {
		return nil
	}
	if err := os.Lchown(path, int(a.uid), int(a.gid)); err != nil {
		return fmt.Errorf("pgcluster: give %s to user %s: %w", path, a, err)
	}
	return nil
}

// ownTree gives the tree at root to a when root is owned by someone else,
// as when a data directory made by an earlier run as another user is
// reused (no-op when a is nil).
func (a *account) ownTree(root string) error {
	if a == nil {
		return nil
	}
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == a.uid {
		return nil
	}
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return a.chown(p)
	})
}

// processAlive reports whether a process with this pid exists (it may
// belong to another user).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
