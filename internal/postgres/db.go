package postgres

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// defaultConnectTimeout bounds one connection attempt when the URL
	// sets no connect_timeout, so a dead server fails fast instead of
	// hanging until the kernel gives up.
	defaultConnectTimeout = 10 * time.Second
	// pingTimeout bounds the initial ping of Open when ctx has no
	// earlier deadline.
	pingTimeout = 15 * time.Second
	// applicationName is reported in pg_stat_activity unless the URL
	// sets application_name.
	applicationName = "chapterhouse"
)

// Open returns a connection pool for the database at url and checks that
// the server answers by acquiring a connection and pinging it.
//
// url is a postgres:// URL or a keyword/value string as libpq accepts; pool
// settings may be given as pgxpool query parameters (pool_max_conns,
// pool_min_conns, pool_max_conn_lifetime, pool_max_conn_idle_time,
// pool_health_check_period). Without them the pool keeps pgx's defaults
// (at most max(4, GOMAXPROCS) connections, recycled after an hour, idle
// ones closed after 30 minutes). A connection attempt times out after 10 s
// unless connect_timeout says otherwise.
//
// Open returns an error, naming user, host and database but never the
// password, when url cannot be parsed or when the server cannot be reached,
// refuses the login or fails the ping; no pool is left open then.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors already mask the password.
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = applicationName
	}
	where := describe(cfg.ConnConfig.Config)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool for %s: %w", where, err)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", where, err)
	}
	return pool, nil
}

// describe names a connection target for error messages: user, host:port
// and database, never the password.
func describe(c pgconn.Config) string {
	host := c.Host
	if len(host) > 0 && host[0] != '/' {
		host = net.JoinHostPort(host, strconv.Itoa(int(c.Port)))
	} else {
		host += " port " + strconv.Itoa(int(c.Port))
	}
	return fmt.Sprintf("database %q as user %q on %s", c.Database, c.User, host)
}

// describeURL is describe for a URL that has not been parsed yet.
func describeURL(url string) string {
	c, err := pgconn.ParseConfig(url)
	if err != nil {
		return "the database (unparsable URL)"
	}
	return describe(*c)
}
