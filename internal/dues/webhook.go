package dues

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// MaxWebhookBytes bounds a webhook payload; Stripe's are far smaller.
const MaxWebhookBytes = 1 << 20

// ReceiveWebhook verifies a Stripe webhook (payload and its Stripe-Signature
// header) with stripe-go's webhook package, then stores the event once by
// its id and enqueues its processing job in the same transaction. A
// duplicate delivery stores and enqueues nothing. Every event type is
// stored; types the service does not handle are marked ignored when
// processed. It returns whether the event was new.
//
// Errors: Conflict ErrNotConfigured without a webhook secret; Invalid for a
// bad signature, a stale timestamp, an API version other than stripe-go's
// (2023-10-16: create the endpoint with that version) or a body that is not
// an event; nothing is stored then.
func (s *Service) ReceiveWebhook(ctx context.Context, payload []byte, signature string) (bool, error) {
	if s.cfg.WebhookSecret == "" {
		return false, ErrNotConfigured
	}
	if len(payload) > MaxWebhookBytes {
		return false, errs.E(errs.Invalid, "webhook payload is larger than %d bytes", MaxWebhookBytes)
	}
	ev, err := webhook.ConstructEvent(payload, signature, s.cfg.WebhookSecret)
	if err != nil {
		return false, &errs.Error{Kind: errs.Invalid, Field: "Stripe-Signature", Msg: "webhook refused: " + err.Error(), Err: err}
	}
	if ev.ID == "" || ev.Type == "" {
		return false, errs.E(errs.Invalid, "webhook refused: the event has no id or type")
	}
	var fresh bool
	err = s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		n, err := q.DuesInsertEvent(ctx, postgres.DuesInsertEventParams{
			EventID: ev.ID, Type: string(ev.Type), ApiVersion: ev.APIVersion,
			Created: time.Unix(ev.Created, 0).UTC(), Livemode: ev.Livemode, Payload: payload,
		})
		if err != nil || n == 0 {
			return err
		}
		fresh = true
		_, err = s.river.InsertTx(ctx, tx, EventArgs{EventID: ev.ID}, nil)
		return err
	})
	return fresh, wrapf(err, "dues: store webhook event %s", ev.ID)
}
