// Package pgcluster runs a private PostgreSQL cluster from the binaries
// installed on the machine (initdb and postgres), for tests and for
// `chapterhouse dev`: no server needs to be set up beforehand.
//
// Start initialises a data directory when it holds no cluster yet (or
// reuses one that does), starts postgres listening on 127.0.0.1 on a free
// port and on a unix socket in the cluster directory, with trust
// authentication for the superuser "postgres", and waits until it accepts
// connections. Stop shuts it down (fast shutdown) and removes a temporary
// data directory.
//
// initdb and postgres refuse to run as root. When the calling process is
// root, they run as the system user "postgres" when it exists and "nobody"
// otherwise, and the data directory is owned by that user; every directory
// above it must be searchable by that user (a directory under /tmp is, one
// under /root is not).
//
// On Linux the server is tied to the calling process: when the process
// dies, even by SIGKILL, the kernel sends the server SIGINT (fast
// shutdown), so a crashed test binary does not leave a server running.
// Only a temporary data directory is then left behind in the system's
// temporary directory.
package pgcluster
