package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"time"
)

// stripeMockAddr is where stripe-mock listens by default.
const stripeMockAddr = "127.0.0.1:12111"

// devStripe points dev at stripe-mock when no Stripe key is configured and
// stripe-mock answers on its default port; otherwise payments stay
// unconfigured (the dues pages say so) and everything else works.
func devStripe(cfg *Config, out io.Writer) {
	if cfg.Dues.StripeSecretKey != "" {
		return
	}
	c, err := net.DialTimeout("tcp", stripeMockAddr, 300*time.Millisecond)
	if err != nil {
		fmt.Fprintln(out, "Payments are not configured (set CHAPTERHOUSE_STRIPE_SECRET_KEY, or run stripe-mock on "+stripeMockAddr+").")
		return
	}
	c.Close()
	cfg.Dues.StripeSecretKey, cfg.Dues.StripeAPIBase = "sk_test_123", "http://"+stripeMockAddr
	if cfg.Dues.StripeWebhookSecret == "" {
		b := make([]byte, 16)
		rand.Read(b)
		cfg.Dues.StripeWebhookSecret = "whsec_dev_" + hex.EncodeToString(b)
	}
	fmt.Fprintln(out, "Payments use stripe-mock at "+stripeMockAddr+".")
}
