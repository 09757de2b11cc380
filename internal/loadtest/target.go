package loadtest

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// CheckTarget refuses a URL that is not plain http(s), has no host or,
// unless remote is set, whose host is not a loopback address or
// "localhost". The error names the URL and the reason.
func CheckTarget(u *url.URL, remote bool) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s: the URL must start with http:// or https://", u)
	}
	if u.Host == "" {
		return fmt.Errorf("%s: the URL has no host", u)
	}
	if remote {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address; load tests go to this machine only unless --allow-remote is given", host)
}

// NewHTTPClient returns a client whose connections can reach only loopback
// addresses (unless remote), checked on the address actually dialled. It
// keeps up to conns idle connections per host so that concurrent clients
// reuse them instead of reconnecting, times each request out after
// timeout, and never follows redirects (an API call that is redirected
// has a wrong URL; the caller sees the 3xx).
func NewHTTPClient(conns int, timeout time.Duration, remote bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !remote {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("refusing to connect to %s: not a loopback address (see --allow-remote)", host)
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:               nil, // a proxy would be "another address"
		DialContext:         d.DialContext,
		MaxIdleConns:        conns + 10,
		MaxIdleConnsPerHost: conns + 10,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}
