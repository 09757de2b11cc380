package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDevBallotKeyKeepsDirReachable: dev's directory also holds the
// PostgreSQL cluster, which runs as an unprivileged user when dev runs as
// root, so making the key must not make the directory private; the key file
// must be, and a second call must return the same key.
func TestDevBallotKeyKeepsDirReachable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "devdir")
	k1, err := devBallotKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o001 == 0 {
		t.Fatalf("dev dir mode %v: others cannot reach the cluster's data under it", st.Mode().Perm())
	}
	kf, err := os.Stat(filepath.Join(dir, "ballot.key"))
	if err != nil {
		t.Fatal(err)
	}
	if kf.Mode().Perm()&0o077 != 0 {
		t.Fatalf("ballot.key mode %v: readable by others", kf.Mode().Perm())
	}
	k2, err := devBallotKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second call gave another key (%v)", err)
	}
}
