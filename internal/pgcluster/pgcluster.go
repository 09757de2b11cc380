package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Superuser is the name of the cluster's superuser; it logs in without a
// password (trust authentication) over 127.0.0.1 and the unix socket.
const Superuser = "postgres"

const (
	// startTimeout bounds the wait for a server to accept connections when
	// ctx has no earlier deadline.
	startTimeout = 60 * time.Second
	// stopTimeout is how long Stop waits for a fast shutdown before it
	// escalates to an immediate one, then to SIGKILL.
	stopTimeout = 30 * time.Second
	// maxSocketPath keeps the unix socket path under the kernel's limit
	// (108 bytes on Linux, 104 on macOS) with room for ".s.PGSQL.NNNNN".
	maxSocketPath = 80
)

// Options configure Start.
type Options struct {
	// DataDir is the cluster's data directory. Empty: a new temporary
	// directory, removed by Stop unless Persistent is set. Otherwise it is
	// created when missing, initialised when empty, and reused when it
	// already holds a cluster (data survives restarts); Stop never
	// removes it.
	DataDir string
	// Persistent keeps a temporary data directory after Stop (see
	// Cluster.DataDir). It has no effect when DataDir is set.
	Persistent bool
	// NoSync trades durability for speed, for tests: initdb skips its
	// fsyncs and the server runs with fsync, synchronous_commit and
	// full_page_writes off. A crash of the machine (not of the server)
	// can then corrupt the cluster.
	NoSync bool
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// BinDir is the directory holding initdb and postgres; empty searches
	// PATH, then /usr/lib/postgresql/*/bin and the Homebrew locations
	// (highest version first).
	BinDir string
	// Settings are extra server settings, "name=value" each, passed to
	// postgres as -c options (e.g. "max_connections=300").
	Settings []string
	// Logf, when set, receives initdb's output and the server's log lines.
	Logf func(format string, args ...any)
}

// Cluster is a running private PostgreSQL server. Its methods are safe for
// concurrent use.
type Cluster struct {
	dataDir string
	sockDir string
	port    int
	// removeDirs are removed by Stop once the server has exited.
	removeDirs []string
	proc       *os.Process
	exited     chan struct{} // closed when the server process has exited
	waitErr    error         // the server's exit status, set before exited closes
	log        *logTail
	stopOnce   sync.Once
	stopErr    error
}

// Start initialises (when needed) and starts a private cluster, and returns
// once it accepts connections. The server listens on 127.0.0.1 only and on
// a unix socket in the cluster directory, and trusts every local
// connection: it is for tests and development, never for production.
//
// Errors: one wrapping ErrNoBinaries, which says what to install, when the
// server programs are missing; an error naming the directory when the data
// directory cannot be reached by the account the server runs as (when this
// process is root), is not empty but holds no cluster, or holds a cluster
// of another major version, or is in use by a running server; errors
// carrying initdb's output or the server's last log lines when either
// fails; ctx's error when ctx ends first.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bins, err := findBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	c := &Cluster{port: opts.Port, log: newLogTail(logf)}
	if err := c.prepareDirs(opts, acct); err != nil {
		c.cleanupDirs()
		return nil, err
	}
	if err := c.initdb(ctx, bins, opts, acct); err != nil {
		c.cleanupDirs()
		return nil, err
	}
	if err := c.clearStalePid(); err != nil {
		c.cleanupDirs()
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	// A free port can be taken by someone else between our probe and the
	// server's bind, and a server killed a moment ago may still hold its
	// shared memory: both are worth another try.
	for attempt := 1; ; attempt++ {
		if opts.Port == 0 {
			if c.port, err = freePort(); err != nil {
				c.cleanupDirs()
				return nil, err
			}
		}
		err = c.launch(ctx, bins, opts, acct)
		if err == nil {
			logf("pgcluster: PostgreSQL ready on 127.0.0.1:%d, data in %s", c.port, c.dataDir)
			return c, nil
		}
		tail := c.log.String()
		retry := attempt < 5 && ctx.Err() == nil &&
			((opts.Port == 0 && strings.Contains(tail, "already in use")) ||
				strings.Contains(tail, "pre-existing shared memory block"))
		if !retry {
			c.cleanupDirs()
			return nil, err
		}
		logf("pgcluster: start attempt %d failed, retrying: %v", attempt, err)
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		c.log.reset()
	}
}

// URL returns a connection URL for database dbname on the cluster, as the
// superuser over TCP on 127.0.0.1, e.g.
// postgres://postgres@127.0.0.1:54321/dbname?sslmode=disable.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// DataDir returns the cluster's data directory.
func (c *Cluster) DataDir() string { return c.dataDir }

// SocketDir returns the directory of the server's unix socket (psql -h
// SocketDir -p Port -U postgres).
func (c *Cluster) SocketDir() string { return c.sockDir }

// Stop shuts the server down (fast shutdown: open sessions are
// disconnected, a checkpoint is written) and waits for it to exit, then
// removes the data directory when it was a temporary one and Persistent was
// not set. When the server does not exit within 30 s Stop escalates to an
// immediate shutdown, then to SIGKILL. Calling Stop again returns the first
// call's result. It returns an error when the server cannot be signalled
// or the temporary directory cannot be removed.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		var errs []error
		if err := c.stopServer(); err != nil {
			errs = append(errs, err)
		}
		if err := c.cleanupDirs(); err != nil {
			errs = append(errs, err)
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

func (c *Cluster) stopServer() error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, stopTimeout}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}} {
		if err := c.proc.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pgcluster: stop server (pid %d): %w", c.proc.Pid, err)
		}
		select {
		case <-c.exited:
			return nil
		case <-time.After(step.wait):
		}
	}
	return fmt.Errorf("pgcluster: server (pid %d) did not exit after SIGKILL", c.proc.Pid)
}

// prepareDirs creates the data and socket directories and gives them to
// acct.
func (c *Cluster) prepareDirs(opts Options, acct *account) error {
	if opts.DataDir == "" {
		if !opts.Persistent {
			sweepAbandoned(os.TempDir(), opts.logf)
		}
		root, err := os.MkdirTemp("", tempPrefix)
		if err != nil {
			return fmt.Errorf("pgcluster: create temporary directory: %w", err)
		}
		if !opts.Persistent {
			c.removeDirs = append(c.removeDirs, root)
			if err := os.WriteFile(filepath.Join(root, ephemeralMarker), nil, 0o644); err != nil {
				return fmt.Errorf("pgcluster: mark temporary directory: %w", err)
			}
		}
		c.dataDir = filepath.Join(root, "data")
		c.sockDir = root
		if err := acct.checkReachable(root); err != nil {
			return err
		}
		if err := acct.chown(root); err != nil {
			return err
		}
	} else {
		dir, err := filepath.Abs(opts.DataDir)
		if err != nil {
			return fmt.Errorf("pgcluster: data directory %s: %w", opts.DataDir, err)
		}
		c.dataDir = dir
		c.sockDir = dir
		if err := acct.checkReachable(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return fmt.Errorf("pgcluster: create parent of data directory: %w", err)
		}
		// Parents just made under a strict umask may be unreachable.
		if err := acct.checkReachable(dir); err != nil {
			return err
		}
	}
	if err := os.Mkdir(c.dataDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgcluster: create data directory: %w", err)
	}
	if err := acct.ownTree(c.dataDir); err != nil {
		return err
	}
	// PostgreSQL insists on 0700 or 0750.
	if err := os.Chmod(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: set data directory mode: %w", err)
	}
	if len(c.sockDir) > maxSocketPath {
		sock, err := os.MkdirTemp("", "chpg-sock-")
		if err != nil {
			return fmt.Errorf("pgcluster: create socket directory: %w", err)
		}
		c.removeDirs = append(c.removeDirs, sock)
		c.sockDir = sock
		if err := acct.chown(sock); err != nil {
			return err
		}
	}
	return nil
}

// cleanupDirs removes what prepareDirs made that must not outlive the
// cluster.
func (c *Cluster) cleanupDirs() error {
	var errs []error
	for _, d := range c.removeDirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("pgcluster: remove %s: %w", d, err))
		}
	}
	c.removeDirs = nil
	return errors.Join(errs...)
}

// initdb initialises the data directory unless it already holds a cluster,
// in which case it checks that the cluster's major version matches the
// binaries'.
func (c *Cluster) initdb(ctx context.Context, bins binaries, opts Options, acct *account) error {
	pgVersion, err := os.ReadFile(filepath.Join(c.dataDir, "PG_VERSION"))
	if err == nil {
		return checkMajor(ctx, bins, strings.TrimSpace(string(pgVersion)), c.dataDir)
	}
	if entries, _ := os.ReadDir(c.dataDir); len(entries) > 0 {
		return fmt.Errorf("pgcluster: data directory %s is not empty but holds no PostgreSQL cluster (no PG_VERSION); "+
			"empty it or choose another directory", c.dataDir)
	}
	args := []string{"-D", c.dataDir, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if opts.NoSync {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, bins.initdb, args...)
	cmd.Dir = filepath.Dir(c.dataDir)
	cmd.Env = childEnv()
	cmd.SysProcAttr = acct.sysProcAttr()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	for line := range strings.Lines(string(out)) {
		opts.logf("initdb: %s", strings.TrimRight(line, "\n"))
	}
	if err != nil {
		return fmt.Errorf("pgcluster: initdb -D %s failed (%v):\n%s", c.dataDir, err, bytes.TrimSpace(out))
	}
	opts.logf("pgcluster: initialised %s in %v", c.dataDir, time.Since(start).Round(time.Millisecond))
	return nil
}

// logf calls Logf when it is set.
func (o Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// checkMajor returns an error when the cluster in dataDir (PG_VERSION
// dataMajor) was made by another major version than the binaries.
func checkMajor(ctx context.Context, bins binaries, dataMajor, dataDir string) error {
	out, err := exec.CommandContext(ctx, bins.postgres, "--version").Output()
	if err != nil {
		return fmt.Errorf("pgcluster: %s --version: %w", bins.postgres, err)
	}
	// "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		return fmt.Errorf("pgcluster: cannot read the version in %q", out)
	}
	binMajor, _, _ := strings.Cut(fields[2], ".")
	if binMajor != dataMajor {
		return fmt.Errorf("pgcluster: data directory %s holds a PostgreSQL %s cluster but the binaries (%s) are version %s; "+
			"use matching binaries (Options.BinDir), upgrade it with pg_upgrade, or remove the directory",
			dataDir, dataMajor, filepath.Dir(bins.postgres), fields[2])
	}
	return nil
}

// clearStalePid deals with a postmaster.pid left by a server that is gone.
// When its pid is dead, the server itself recognises the file as stale
// (and checks the old shared memory), so it stays. When the pid is alive
// but, where this can be told, not a server on this data directory (the
// pid was reused, as after a container restart), the file is removed,
// since the server would refuse to start. When a server does run on this
// directory, the error says so.
func (c *Cluster) clearStalePid() error {
	pidFile := filepath.Join(c.dataDir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: read %s: %w", pidFile, err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		// Truncated by a crash mid-write: nothing can be running on it.
		return removeFile(pidFile)
	}
	if !processAlive(pid) {
		return nil
	}
	isServer, known := postmasterFor(pid, c.dataDir)
	switch {
	case !known:
		return nil // let the server decide
	case isServer:
		return fmt.Errorf("pgcluster: a PostgreSQL server (pid %d) is already running on %s; stop it "+
			"(pg_ctl -D %s stop, or kill -INT %d) or use another data directory", pid, c.dataDir, c.dataDir, pid)
	default:
		return removeFile(pidFile)
	}
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgcluster: remove stale %s: %w", p, err)
	}
	return nil
}

// launch starts the server and waits until it accepts connections on its
// unix socket (which, unlike the TCP port, no other server can own).
func (c *Cluster) launch(ctx context.Context, bins binaries, opts Options, acct *account) error {
	args := []string{
		"-D", c.dataDir,
		"-p", strconv.Itoa(c.port),
		"-k", c.sockDir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_permissions=0777",
	}
	if opts.NoSync {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, s := range opts.Settings {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(bins.postgres, args...)
	cmd.Dir = c.dataDir
	cmd.Env = childEnv()
	cmd.Stdout = c.log
	cmd.Stderr = c.log
	cmd.SysProcAttr = acct.sysProcAttr()
	// The server's own children (backends) inherit stderr; do not wait
	// for them to let go of it once the server has exited.
	cmd.WaitDelay = 2 * time.Second

	exited := make(chan struct{})
	started := make(chan error, 1)
	// On Linux the parent-death signal fires when the thread that forked
	// the child exits, not the process; keep that thread alive, locked to
	// this goroutine, for as long as the server runs.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			runtime.UnlockOSThread()
			return
		}
		started <- nil
		err := cmd.Wait()
		c.waitErr = err
		close(exited)
		// Returning while locked ends the thread, as intended: the
		// child is gone.
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgcluster: start %s: %w", bins.postgres, err)
	}
	c.proc = cmd.Process
	c.exited = exited

	cfg, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	cfg.Host, cfg.Port = c.sockDir, uint16(c.port)
	cfg.User, cfg.Database, cfg.Password = Superuser, "postgres", ""
	cfg.Fallbacks = nil
	cfg.ConnectTimeout = 2 * time.Second
	for {
		conn, err := pgconn.ConnectConfig(ctx, cfg)
		if err == nil {
			_ = conn.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("pgcluster: postgres exited during startup (%v); its log:\n%s", c.waitErr, c.log.String())
		case <-ctx.Done():
			_ = c.stopServer()
			return fmt.Errorf("pgcluster: server did not accept connections in time (%w); last error: %v; its log:\n%s",
				ctx.Err(), err, c.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgcluster: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is this process's environment without the PG* variables
// (PGDATA, PGPORT, ...) that could redirect the server programs, and with
// messages in English, which Start reads.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// logTail keeps the server's last log lines for error messages and
// forwards each line to logf.
type logTail struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	logf    func(string, ...any)
}

const logTailLines = 30

func newLogTail(logf func(string, ...any)) *logTail { return &logTail{logf: logf} }

// Write implements io.Writer.
func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	consumed := 0
	for {
		i := bytes.IndexByte(l.partial[consumed:], '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[consumed : consumed+i])
		consumed += i + 1
		l.logf("postgres: %s", line)
		l.lines = append(l.lines, line)
		if len(l.lines) > logTailLines {
			l.lines = l.lines[len(l.lines)-logTailLines:]
		}
	}
	l.partial = append(l.partial[:0], l.partial[consumed:]...)
	return len(p), nil
}

// String returns the kept lines.
func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(append(l.lines, string(l.partial)), "\n")
}

func (l *logTail) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines, l.partial = nil, nil
}
