package duesbench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chapterhouse/chapterhouse/internal/api"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

// TestWebhookEndpoint: the webhook needs no bearer token (its spec
// security is empty) but a valid Stripe signature; other dues operations
// still need a principal.
func TestWebhookEndpoint(t *testing.T) {
	pool := pgtest.New(t)
	seed(t, pool, 10, 2)
	svc, err := dues.NewService(pool, time.Now, dues.Config{Policy: dues.DefaultPolicy(), Stripe: stripeStub{}, WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h, err := api.New(api.Deps{Pool: pool, Dues: svc, Auth: noAuth{}, Logger: slog.New(slog.DiscardHandler), Registry: reg, Gatherer: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := event(1, 10)
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/stripe/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret}).Header
	bad := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_wrong"}).Header
	if c := post(bad); c != http.StatusUnprocessableEntity {
		t.Errorf("bad signature: %d, want 422", c)
	}
	if c := post(""); c != http.StatusBadRequest {
		t.Errorf("no signature header: %d, want 400", c)
	}
	var n int
	pool.QueryRow(context.Background(), `SELECT count(*) FROM dues_events`).Scan(&n)
	if n != 0 {
		t.Fatalf("refused deliveries stored %d events", n)
	}
	if c := post(good); c != http.StatusOK {
		t.Errorf("good signature: %d, want 200", c)
	}
	if c := post(good); c != http.StatusOK {
		t.Errorf("duplicate delivery: %d, want 200", c)
	}
	pool.QueryRow(context.Background(), `SELECT count(*) FROM dues_events WHERE state = 'pending'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d pending events, want the one delivered twice", n)
	}
	// Signed bodies that are not events of our API version are refused
	// with a reason, and stored nowhere.
	for _, c := range []struct{ name, body, reason string }{
		{"not JSON", `not json`, "not a Stripe event"},
		{"other API version", `{"id":"evt_v","object":"event","api_version":"2024-06-20","created":1,"type":"invoice.paid","data":{"object":{}}}`, "API version"},
		{"no type", `{"id":"evt_t","object":"event","api_version":"2023-10-16","created":1,"data":{"object":{}}}`, "no id or type"},
	} {
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(c.body), Secret: secret}).Header
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/stripe/webhook", strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Stripe-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		detail, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(detail), c.reason) {
			t.Errorf("%s: %d %s, want 422 naming %q", c.name, resp.StatusCode, detail, c.reason)
		}
	}
	pool.QueryRow(context.Background(), `SELECT count(*) FROM dues_events`).Scan(&n)
	if n != 1 {
		t.Errorf("%d events stored after refused deliveries, want 1", n)
	}
	resp, err := http.Get(srv.URL + "/api/v1/dues/reports/share?year=2026&quarter=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("report without a token: %d, want 401", resp.StatusCode)
	}
}
