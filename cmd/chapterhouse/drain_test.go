package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chapterhouse/chapterhouse/internal/api"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestShutdownDrainsBeforeClosing: with a shutdown delay, a server told to
// stop keeps answering for the delay, with /readyz at 503 (so a load
// balancer takes it out), and only then closes its listener.
func TestShutdownDrainsBeforeClosing(t *testing.T) {
	const delay = 600 * time.Millisecond
	drain := &drainer{delay: delay}
	reg := prometheus.NewRegistry()
	h, err := api.New(api.Deps{Pool: pgtest.New(t), Auth: denyAll{}, Logger: slog.New(slog.DiscardHandler),
		Registry: reg, Gatherer: reg, Draining: drain.Draining})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc, done := make(chan net.Addr, 1), make(chan error, 1)
	go func() {
		done <- listenAndServe(ctx, "127.0.0.1:0", h, slog.New(slog.DiscardHandler), drain, func(a net.Addr) { addrc <- a })
	}()
	url := "http://" + (<-addrc).String() + "/readyz"
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	status := func() (int, error) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := status(); err != nil || code != http.StatusOK {
		t.Fatalf("before shutdown: %d, %v; want 200", code, err)
	}
	stopped := time.Now()
	cancel()
	time.Sleep(delay / 3)
	if code, err := status(); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("while draining: %d, %v; want a 503 answer", code, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(stopped); took < delay {
		t.Errorf("the server closed %v after the stop, before its %v delay", took, delay)
	}
	if _, err := status(); err == nil {
		t.Error("the server still answers after shutting down")
	}
}
