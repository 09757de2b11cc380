package api

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/chapterhouse/chapterhouse/internal/api/apigen"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// Dues handlers: decode, call one dues.Service method, encode.

func (s *server) DuesStripeWebhook(ctx context.Context, req apigen.DuesStripeWebhookRequestObject) (apigen.DuesStripeWebhookResponseObject, error) {
	payload, err := io.ReadAll(io.LimitReader(req.Body, dues.MaxWebhookBytes+1))
	if err != nil {
		return nil, errs.E(errs.Invalid, "the webhook body cannot be read")
	}
	fresh, err := s.d.Dues.ReceiveWebhook(ctx, payload, req.Params.StripeSignature)
	if err != nil {
		return nil, err
	}
	return apigen.DuesStripeWebhook200JSONResponse{Received: true, Duplicate: !fresh}, nil
}

func (s *server) DuesMe(ctx context.Context, _ apigen.DuesMeRequestObject) (apigen.DuesMeResponseObject, error) {
	me, err := s.d.Dues.Me(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	out := apigen.DuesMe200JSONResponse{PaymentsConfigured: me.Configured, Standing: standingJSON(me.Standing),
		Subscriptions: make([]apigen.DuesSubscription, 0, len(me.Subscriptions))}
	for _, sub := range me.Subscriptions {
		js := apigen.DuesSubscription{Id: sub.SubscriptionID, Status: sub.Status, Interval: sub.BillingInterval,
			Amount: sub.Amount, Currency: sub.Currency, CancelAtPeriodEnd: sub.CancelAtPeriodEnd}
		if sub.CurrentPeriodEnd.Valid {
			js.CurrentPeriodEnd = &sub.CurrentPeriodEnd.Time
		}
		out.Subscriptions = append(out.Subscriptions, js)
	}
	return out, nil
}

func (s *server) DuesListPlans(ctx context.Context, req apigen.DuesListPlansRequestObject) (apigen.DuesListPlansResponseObject, error) {
	ps, err := s.d.Dues.Plans(ctx, principal(ctx), deref(req.Params.IncludeInactive))
	if err != nil {
		return nil, err
	}
	out := apigen.DuesListPlans200JSONResponse{Items: make([]apigen.DuesPlan, 0, len(ps))}
	for _, p := range ps {
		out.Items = append(out.Items, planJSON(p))
	}
	return out, nil
}

func (s *server) DuesCreatePlan(ctx context.Context, req apigen.DuesCreatePlanRequestObject) (apigen.DuesCreatePlanResponseObject, error) {
	b := req.Body
	p, err := s.d.Dues.CreatePlan(ctx, principal(ctx), dues.PlanInput{Name: b.Name, Interval: string(b.Interval),
		MinAmount: b.MinAmount, MaxAmount: b.MaxAmount, IncomeBp: deref(b.IncomeBp), LowIncome: deref(b.LowIncome)})
	if err != nil {
		return nil, err
	}
	return apigen.DuesCreatePlan201JSONResponse(planJSON(p)), nil
}

func (s *server) DuesSuggestion(ctx context.Context, req apigen.DuesSuggestionRequestObject) (apigen.DuesSuggestionResponseObject, error) {
	p, amount, err := s.d.Dues.Suggestion(ctx, principal(ctx), req.PlanId, req.Params.AnnualIncome)
	if err != nil {
		return nil, err
	}
	return apigen.DuesSuggestion200JSONResponse{PlanId: p.ID, Amount: amount, Currency: p.Currency}, nil
}

func (s *server) DuesCheckout(ctx context.Context, req apigen.DuesCheckoutRequestObject) (apigen.DuesCheckoutResponseObject, error) {
	b := req.Body
	id, url, err := s.d.Dues.Checkout(ctx, principal(ctx), dues.CheckoutInput{PlanID: b.PlanId, Amount: b.Amount,
		SuccessURL: b.SuccessUrl, CancelURL: b.CancelUrl})
	if err != nil {
		return nil, err
	}
	return apigen.DuesCheckout201JSONResponse{Id: &id, Url: url}, nil
}

func (s *server) DuesPortal(ctx context.Context, req apigen.DuesPortalRequestObject) (apigen.DuesPortalResponseObject, error) {
	url, err := s.d.Dues.Portal(ctx, principal(ctx), req.Body.ReturnUrl)
	if err != nil {
		return nil, err
	}
	return apigen.DuesPortal201JSONResponse{Url: url}, nil
}

func (s *server) DuesMemberStanding(ctx context.Context, req apigen.DuesMemberStandingRequestObject) (apigen.DuesMemberStandingResponseObject, error) {
	st, err := s.d.Dues.Standing(ctx, principal(ctx), req.MemberId, datePtr(req.Params.On))
	if err != nil {
		return nil, err
	}
	return apigen.DuesMemberStanding200JSONResponse(standingJSON(st)), nil
}

func (s *server) DuesGrantWaiver(ctx context.Context, req apigen.DuesGrantWaiverRequestObject) (apigen.DuesGrantWaiverResponseObject, error) {
	in := dues.WaiverInput{Reason: req.Body.Reason}
	if req.Body.StartsOn != nil {
		in.StartsOn = req.Body.StartsOn.Time
	}
	if req.Body.ExpiresOn != nil {
		in.ExpiresOn = req.Body.ExpiresOn.Time
	}
	w, err := s.d.Dues.GrantWaiver(ctx, principal(ctx), req.MemberId, in)
	if err != nil {
		return nil, err
	}
	return apigen.DuesGrantWaiver201JSONResponse(waiverJSON(w)), nil
}

func (s *server) DuesRevokeWaiver(ctx context.Context, req apigen.DuesRevokeWaiverRequestObject) (apigen.DuesRevokeWaiverResponseObject, error) {
	w, err := s.d.Dues.RevokeWaiver(ctx, principal(ctx), req.WaiverId)
	if err != nil {
		return nil, err
	}
	return apigen.DuesRevokeWaiver200JSONResponse(waiverJSON(w)), nil
}

func (s *server) DuesChapterStanding(ctx context.Context, req apigen.DuesChapterStandingRequestObject) (apigen.DuesChapterStandingResponseObject, error) {
	on := time.Now().UTC()
	if req.Params.On != nil {
		on = req.Params.On.Time
	}
	rows, err := s.d.Dues.ChapterStanding(ctx, principal(ctx), req.ChapterId, &on)
	if err != nil {
		return nil, err
	}
	out := apigen.DuesChapterStanding200JSONResponse{On: date(on), Items: make([]apigen.DuesRosterStanding, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, apigen.DuesRosterStanding{MemberId: r.ID, GivenName: r.GivenName,
			FamilyName: r.FamilyName, Standing: apigen.DuesRosterStandingStanding(r.Standing)})
	}
	return out, nil
}

// reportRange is [from, to) from optional dates, defaulting to this year.
func reportRange(from, to *openapi_types.Date) (time.Time, time.Time) {
	y := time.Now().UTC().Year()
	f, t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if from != nil {
		f = from.Time
	}
	if to != nil {
		t = to.Time
	}
	return f, t
}

func csvBody(write func(io.Writer) error) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	return &buf, write(&buf)
}

func (s *server) DuesIncomeReport(ctx context.Context, req apigen.DuesIncomeReportRequestObject) (apigen.DuesIncomeReportResponseObject, error) {
	p := req.Params
	from, to := reportRange(p.From, p.To)
	rows, err := s.d.Dues.Income(ctx, principal(ctx), p.ChapterId, from, to)
	if err != nil {
		return nil, err
	}
	if deref(p.Format) == "csv" {
		buf, err := csvBody(func(w io.Writer) error { return dues.WriteIncomeCSV(w, rows) })
		return apigen.DuesIncomeReport200TextcsvResponse{Body: buf, ContentLength: int64(buf.Len())}, err
	}
	out := apigen.DuesIncomeReport200JSONResponse{Items: make([]apigen.DuesIncomeRow, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, apigen.DuesIncomeRow{ChapterId: r.ChapterID.UUID, Month: date(r.Month),
			Currency: r.Currency, Gross: r.Gross, Refunds: r.Refunds, Disputes: r.Disputes, Fees: r.Fees, Net: r.Net,
			PayingMembers: r.Payers})
	}
	return out, nil
}

func (s *server) DuesLapsesReport(ctx context.Context, req apigen.DuesLapsesReportRequestObject) (apigen.DuesLapsesReportResponseObject, error) {
	p := req.Params
	within := 30
	if p.WithinDays != nil {
		within = *p.WithinDays
	}
	rows, err := s.d.Dues.Lapses(ctx, principal(ctx), p.ChapterId, within)
	if err != nil {
		return nil, err
	}
	if deref(p.Format) == "csv" {
		buf, err := csvBody(func(w io.Writer) error { return dues.WriteLapsesCSV(w, rows) })
		return apigen.DuesLapsesReport200TextcsvResponse{Body: buf, ContentLength: int64(buf.Len())}, err
	}
	out := apigen.DuesLapsesReport200JSONResponse{Items: make([]apigen.DuesLapseRow, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, apigen.DuesLapseRow{MemberId: r.ID, ChapterId: r.ChapterID, GivenName: r.GivenName,
			FamilyName: r.FamilyName, Standing: apigen.DuesLapseRowStanding(r.Standing), Since: date(r.Since),
			CoveredThrough: date(r.CoveredThrough)})
	}
	return out, nil
}

func (s *server) DuesRefundsReport(ctx context.Context, req apigen.DuesRefundsReportRequestObject) (apigen.DuesRefundsReportResponseObject, error) {
	p := req.Params
	from, to := reportRange(p.From, p.To)
	rows, err := s.d.Dues.RefundsAndDisputes(ctx, principal(ctx), p.ChapterId, from, to)
	if err != nil {
		return nil, err
	}
	if deref(p.Format) == "csv" {
		buf, err := csvBody(func(w io.Writer) error { return dues.WriteRefundsCSV(w, rows) })
		return apigen.DuesRefundsReport200TextcsvResponse{Body: buf, ContentLength: int64(buf.Len())}, err
	}
	out := apigen.DuesRefundsReport200JSONResponse{Items: make([]apigen.DuesLedgerRow, 0, len(rows))}
	for _, r := range rows {
		row := apigen.DuesLedgerRow{BalanceTransactionId: r.BalanceTransactionID, Kind: r.Kind, SourceId: r.SourceID,
			ChargeId: r.ChargeID, Currency: r.Currency, Amount: r.Amount, Fee: r.Fee, Net: r.Net, OccurredAt: r.OccurredAt}
		if r.MemberID.Valid {
			row.MemberId = &r.MemberID.UUID
		}
		if r.ChapterID.Valid {
			row.ChapterId = &r.ChapterID.UUID
		}
		out.Items = append(out.Items, row)
	}
	return out, nil
}

func (s *server) DuesShareReport(ctx context.Context, req apigen.DuesShareReportRequestObject) (apigen.DuesShareReportResponseObject, error) {
	p := req.Params
	rep, err := s.d.Dues.Share(ctx, principal(ctx), p.ChapterId, p.Year, p.Quarter)
	if err != nil {
		return nil, err
	}
	if deref(p.Format) == "csv" {
		buf, err := csvBody(func(w io.Writer) error { return dues.WriteShareCSV(w, rep, s.d.Dues.Policy().Tiers) })
		return apigen.DuesShareReport200TextcsvResponse{Body: buf, ContentLength: int64(buf.Len())}, err
	}
	out := apigen.DuesShareReport200JSONResponse{Year: rep.Year, Quarter: rep.Quarter, From: date(rep.From),
		To: date(rep.To), Rule: rep.Rule, Chapters: make([]apigen.DuesChapterShare, 0, len(rep.Chapters))}
	for _, c := range rep.Chapters {
		cs := apigen.DuesChapterShare{ChapterId: c.ChapterID, Slug: c.Slug, Name: c.Name, Currency: c.Currency,
			Gross: c.Gross, Refunds: c.Refunds, Disputes: c.Disputes, Base: c.Base, Members: c.Members,
			EffectiveRateBp: c.RateBp, Share: c.Share, Tiers: make([]apigen.DuesTierCount, 0, len(c.Tiers))}
		for _, t := range c.Tiers {
			cs.Tiers = append(cs.Tiers, apigen.DuesTierCount{FromMember: t.Tier.From, Bp: t.Tier.Bp, Members: t.Members})
		}
		out.Chapters = append(out.Chapters, cs)
	}
	return out, nil
}

func (s *server) DuesPayoutsReport(ctx context.Context, req apigen.DuesPayoutsReportRequestObject) (apigen.DuesPayoutsReportResponseObject, error) {
	p := req.Params
	from, to := reportRange(p.From, p.To)
	rows, err := s.d.Dues.Payouts(ctx, principal(ctx), from, to)
	if err != nil {
		return nil, err
	}
	if deref(p.Format) == "csv" {
		buf, err := csvBody(func(w io.Writer) error { return dues.WritePayoutsCSV(w, rows) })
		return apigen.DuesPayoutsReport200TextcsvResponse{Body: buf, ContentLength: int64(buf.Len())}, err
	}
	out := apigen.DuesPayoutsReport200JSONResponse{Items: make([]apigen.DuesPayout, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, payoutJSON(r))
	}
	return out, nil
}

func (s *server) DuesGetPayout(ctx context.Context, req apigen.DuesGetPayoutRequestObject) (apigen.DuesGetPayoutResponseObject, error) {
	po, err := s.d.Dues.GetPayout(ctx, principal(ctx), req.PayoutId)
	if err != nil {
		return nil, err
	}
	return apigen.DuesGetPayout200JSONResponse(payoutJSON(po)), nil
}

func (s *server) DuesAddDeposits(ctx context.Context, req apigen.DuesAddDepositsRequestObject) (apigen.DuesAddDepositsResponseObject, error) {
	var in []dues.DepositInput
	switch {
	case req.JSONBody != nil:
		for _, d := range req.JSONBody.Deposits {
			in = append(in, dues.DepositInput{DepositedOn: d.DepositedOn.Time, Amount: d.Amount, Reference: deref(d.Reference)})
		}
	case req.Body != nil:
		var err error
		if in, err = dues.ParseDepositsCSV(req.Body); err != nil {
			return nil, err
		}
	default:
		return nil, errs.E(errs.Invalid, "send deposits as application/json or text/csv")
	}
	deps, err := s.d.Dues.AddDeposits(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	out := apigen.DuesAddDeposits200JSONResponse{Items: make([]apigen.DuesDeposit, 0, len(deps))}
	for _, d := range deps {
		out.Items = append(out.Items, apigen.DuesDeposit{Id: d.ID, DepositedOn: date(d.DepositedOn), Amount: d.Amount,
			Currency: d.Currency, Reference: d.Reference, PayoutId: d.PayoutID})
	}
	return out, nil
}

func (s *server) DuesListEvents(ctx context.Context, req apigen.DuesListEventsRequestObject) (apigen.DuesListEventsResponseObject, error) {
	state, limit := dues.EventFailed, 100
	if req.Params.State != nil {
		state = string(*req.Params.State)
	}
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	evs, err := s.d.Dues.Events(ctx, principal(ctx), state, limit)
	if err != nil {
		return nil, err
	}
	out := apigen.DuesListEvents200JSONResponse{Items: make([]apigen.DuesEvent, 0, len(evs))}
	for _, e := range evs {
		out.Items = append(out.Items, apigen.DuesEvent{Id: e.ID, Type: e.Type, ReceivedAt: e.ReceivedAt, Created: e.Created,
			State: apigen.DuesEventState(e.State), Attempts: e.Attempts, NextAttemptAt: e.NextAttemptAt, Error: e.Error})
	}
	return out, nil
}

func (s *server) DuesRetryEvent(ctx context.Context, req apigen.DuesRetryEventRequestObject) (apigen.DuesRetryEventResponseObject, error) {
	if err := s.d.Dues.RetryEvent(ctx, principal(ctx), req.EventId); err != nil {
		return nil, err
	}
	return apigen.DuesRetryEvent204Response{}, nil
}

func planJSON(p dues.Plan) apigen.DuesPlan {
	return apigen.DuesPlan{Id: p.ID, Name: p.Name, Interval: apigen.DuesPlanInterval(p.BillingInterval), Currency: p.Currency,
		MinAmount: p.MinAmount, MaxAmount: p.MaxAmount, IncomeBp: int(p.IncomeBp), LowIncome: p.LowIncome, Active: p.Active}
}

func waiverJSON(w dues.Waiver) apigen.DuesWaiver {
	out := apigen.DuesWaiver{Id: w.ID, MemberId: w.MemberID, StartsOn: date(w.StartsOn), ExpiresOn: date(w.ExpiresOn),
		Reason: w.Reason, GrantedBy: w.GrantedBy, GrantedAt: w.GrantedAt}
	if w.RevokedOn != nil {
		d := date(*w.RevokedOn)
		out.RevokedOn = &d
	}
	return out
}

func standingJSON(st dues.MemberStanding) apigen.DuesStanding {
	out := apigen.DuesStanding{MemberId: st.MemberID, On: date(st.On), Standing: apigen.DuesStandingStanding(st.Standing),
		History: make([]apigen.DuesStandingChange, 0, len(st.History)), Waivers: make([]apigen.DuesWaiver, 0, len(st.Waivers))}
	if st.PaidThrough != nil {
		d := date(*st.PaidThrough)
		out.PaidThrough = &d
	}
	for _, h := range st.History {
		c := apigen.DuesStandingChange{Standing: apigen.DuesStandingChangeStanding(h.Standing), EffectiveOn: date(h.EffectiveOn),
			Reason: h.Reason, RecordedAt: h.RecordedAt}
		if h.SupersededAt.Valid {
			c.SupersededAt = &h.SupersededAt.Time
		}
		out.History = append(out.History, c)
	}
	for _, w := range st.Waivers {
		out.Waivers = append(out.Waivers, waiverJSON(w))
	}
	return out
}

func payoutJSON(p dues.Payout) apigen.DuesPayout {
	out := apigen.DuesPayout{Id: p.PayoutID, Amount: p.Amount, Currency: p.Currency, Status: p.Status,
		ArrivalDate: date(p.ArrivalDate), Reconciled: p.Reconciled, Items: make([]apigen.DuesPayoutItem, 0, len(p.Items))}
	if p.Reconciled {
		out.ItemsNet, out.Difference = &p.ItemsNet, &p.Difference
	}
	if p.DepositID != "" {
		if id, err := parseUUID(p.DepositID); err == nil {
			out.DepositId = &id
		}
	}
	for _, it := range p.Items {
		out.Items = append(out.Items, apigen.DuesPayoutItem{BalanceTransactionId: it.BalanceTransactionID, Type: it.Type,
			SourceId: it.SourceID, Amount: it.Amount, Fee: it.Fee, Net: it.Net, Currency: it.Currency, Created: it.Created})
	}
	return out
}

func parseUUID(s string) (openapi_types.UUID, error) { return uuid.Parse(s) }
