package dues

import (
	"context"
	"encoding/json"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// MaxWebhookBytes bounds a webhook payload; Stripe's are far smaller.
const MaxWebhookBytes = 1 << 20

// eventHeader is what intake reads of an event: its envelope, not its
// object.
type eventHeader struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	APIVersion string `json:"api_version"`
	Created    int64  `json:"created"`
	Livemode   bool   `json:"livemode"`
}

// ReceiveWebhook verifies a Stripe webhook (payload and its Stripe-Signature
// header) with stripe-go's webhook package (signature and timestamp
// tolerance), checks its API version, then stores the event once by
// its id and enqueues its processing job in the same transaction. A
// duplicate delivery stores and enqueues nothing. Every event type is
// stored; types the service does not handle are marked ignored when
// processed. It returns whether the event was new, and returns only once
// the event is committed: concurrent deliveries share one transaction (a
// group commit, see intake), so an error means the event may not be stored
// and Stripe must retry.
//
// Errors: Conflict ErrNotConfigured without a webhook secret; Invalid for a
// bad signature, a stale timestamp, an API version other than stripe-go's
// (2023-10-16: create the endpoint with that version) or a body that is not
// an event; nothing is stored then. A database failure is returned wrapped
// (an internal error).
func (s *Service) ReceiveWebhook(ctx context.Context, payload []byte, signature string) (bool, error) {
	if s.cfg.WebhookSecret == "" {
		return false, ErrNotConfigured
	}
	if len(payload) > MaxWebhookBytes {
		return false, errs.E(errs.Invalid, "webhook payload is larger than %d bytes", MaxWebhookBytes)
	}
	// The signature covers the bytes; only the envelope is decoded here
	// (once, and without the object, which processing decodes by type).
	if err := webhook.ValidatePayload(payload, signature, s.cfg.WebhookSecret); err != nil {
		return false, &errs.Error{Kind: errs.Invalid, Field: "Stripe-Signature", Msg: "webhook refused: " + err.Error(), Err: err}
	}
	var ev eventHeader
	if err := json.Unmarshal(payload, &ev); err != nil {
		return false, &errs.Error{Kind: errs.Invalid, Msg: "webhook refused: the body is not a Stripe event: " + err.Error(), Err: err}
	}
	if ev.ID == "" || ev.Type == "" {
		return false, errs.E(errs.Invalid, "webhook refused: the event has no id or type")
	}
	if ev.APIVersion != stripe.APIVersion {
		return false, errs.E(errs.Invalid, "webhook refused: the event has API version %q; create the webhook endpoint "+
			"with API version %s, the version stripe-go v76 decodes", ev.APIVersion, stripe.APIVersion)
	}
	fresh, err := s.intake.submit(ctx, s, &intakeItem{id: ev.ID, typ: string(ev.Type), apiVersion: ev.APIVersion,
		created: time.Unix(ev.Created, 0).UTC(), livemode: ev.Livemode, payload: payload})
	return fresh, wrapf(err, "dues: store webhook event %s", ev.ID)
}
