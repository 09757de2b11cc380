package loadtest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCheckTarget(t *testing.T) {
	for _, u := range []string{"http://10.1.2.3:8080", "https://example.com", "http://[2001:db8::1]/", "ftp://127.0.0.1/", "http:///x"} {
		parsed, _ := url.Parse(u)
		if err := CheckTarget(parsed, false); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "https://127.0.0.2/"} {
		parsed, _ := url.Parse(u)
		if err := CheckTarget(parsed, false); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	parsed, _ := url.Parse("http://10.1.2.3:8080")
	if err := CheckTarget(parsed, true); err != nil {
		t.Errorf("remote allowed, still refused: %v", err)
	}
}

func TestHTTPClientDialsLoopbackOnly(t *testing.T) {
	hc := NewHTTPClient(1, time.Second, false)
	if _, err := hc.Get("http://192.0.2.1:9/"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("dial to 192.0.2.1: %v, want a refusal naming loopback", err)
	}
}
