package dues

import (
	"fmt"
	"slices"
	"time"
)

// Standing values.
const (
	Good   = "good"
	Lapsed = "lapsed"
)

// Transition is one change of standing: from EffectiveOn on, the member's
// standing is Standing, for Reason.
type Transition struct {
	Standing    string
	EffectiveOn time.Time
	Reason      string
}

// PaymentFact is a paid dues invoice as standing sees it.
type PaymentFact struct {
	InvoiceID string
	Amount    int64
	PaidOn    time.Time // UTC date the invoice was paid
	PeriodEnd time.Time // the paid-through date
	// FullyRefundedOn is the date refunds of the charge reached its amount;
	// zero when it has not.
	FullyRefundedOn time.Time
	// Disputes of the charge.
	Disputes []DisputeFact
}

// DisputeFact is a dispute of a payment's charge.
type DisputeFact struct {
	OpenedOn time.Time
	// WonOn is the date a dispute closed in the organization's favour;
	// zero when open or lost.
	WonOn time.Time
}

// WaiverFact is a dues waiver: it counts as paid on [StartsOn, EndsOn).
type WaiverFact struct {
	StartsOn, EndsOn time.Time
	Revoked          bool
}

// StatusFact is a membership status change (active or inactive) from
// EffectiveOn on.
type StatusFact struct {
	Active      bool
	EffectiveOn time.Time
}

// Facts are everything the standing policy reads for one member.
type Facts struct {
	JoinedOn time.Time
	Statuses []StatusFact // any order
	Payments []PaymentFact
	Waivers  []WaiverFact
	// LegacyPaidThrough is the paid-through date brought from the
	// organization's previous system (a roster import's paid_through);
	// zero when there is none.
	LegacyPaidThrough time.Time
}

// cover is a closed interval of days [from, to] during which the member
// counts as paid, with the reasons for entering and leaving it.
type cover struct {
	from, to    time.Time
	start, stop string
}

const day = 24 * time.Hour

// Timeline applies the standing policy to a member's facts and returns every
// change of standing from the day they joined up to and including today,
// oldest first, each with its reason. The policy: on day D a member is in
// good standing when their membership is active on D and D is covered by
//
//   - a paid invoice paid on or before D with D <= paid-through + grace,
//     unless by D its charge has been fully refunded or is disputed (a
//     dispute won makes it count again from the day it closed), or
//   - a dues waiver with starts_on <= D < expires_on (and not revoked by D),
//     or
//   - a legacy paid-through date (from the previous system) with
//     joined_on <= D <= paid-through + grace: what was paid before
//     Chapterhouse counts from joining on, as that system's date says.
//
// The amount paid plays no part: paying more never grants more. A member who
// never paid and has no waiver is lapsed from the day they joined. The
// result depends only on the facts, never on the order they were learnt in.
func Timeline(f Facts, graceDays int, today time.Time) []Transition {
	today = dateOf(today)
	joined := dateOf(f.JoinedOn)
	if today.Before(joined) {
		return nil
	}
	grace := time.Duration(graceDays) * day
	var covers []cover
	for _, p := range f.Payments {
		end := dateOf(p.PeriodEnd).Add(grace)
		paid := dateOf(p.PaidOn)
		natural := fmt.Sprintf("grace period ended (paid through %s)", dateOf(p.PeriodEnd).Format(time.DateOnly))
		start := fmt.Sprintf("dues paid through %s (%s)", dateOf(p.PeriodEnd).Format(time.DateOnly), p.InvoiceID)
		// The payment does not count on removed days: from a full refund
		// on for good, and from a dispute's opening until it is won.
		type removed struct {
			from, to time.Time
			why      string
		}
		never := end.Add(day)
		var rs []removed
		if !p.FullyRefundedOn.IsZero() {
			rs = append(rs, removed{dateOf(p.FullyRefundedOn), never, "payment " + p.InvoiceID + " refunded"})
		}
		for _, d := range p.Disputes {
			r := removed{dateOf(d.OpenedOn), never, "payment " + p.InvoiceID + " disputed"}
			if !d.WonOn.IsZero() {
				r.to = dateOf(d.WonOn).Add(-day)
			}
			rs = append(rs, r)
		}
		slices.SortStableFunc(rs, func(a, b removed) int { return a.from.Compare(b.from) })
		cur := paid
		for _, r := range rs {
			if r.from.After(cur) && !cur.After(end) {
				covers = append(covers, cover{from: cur, to: minTime(end, r.from.Add(-day)), start: start, stop: r.why})
			}
			cur = maxTime(cur, r.to.Add(day))
		}
		if !cur.After(end) {
			covers = append(covers, cover{from: cur, to: end, start: start, stop: natural})
		}
	}
	if !f.LegacyPaidThrough.IsZero() {
		pt := dateOf(f.LegacyPaidThrough)
		if end := pt.Add(grace); !end.Before(joined) {
			covers = append(covers, cover{from: joined, to: end,
				start: "dues paid through " + pt.Format(time.DateOnly) + " (previous system)",
				stop:  "grace period ended (paid through " + pt.Format(time.DateOnly) + ")"})
		}
	}
	for _, w := range f.Waivers {
		from, to := dateOf(w.StartsOn), dateOf(w.EndsOn).Add(-day)
		stop := "dues waiver expired"
		if w.Revoked {
			stop = "dues waiver revoked"
		}
		if !to.Before(from) {
			covers = append(covers, cover{from: from, to: to,
				start: "dues waiver until " + dateOf(w.EndsOn).Add(-day).Format(time.DateOnly), stop: stop})
		}
	}
	statuses := slices.Clone(f.Statuses)
	slices.SortStableFunc(statuses, func(a, b StatusFact) int { return a.EffectiveOn.Compare(b.EffectiveOn) })
	active := func(d time.Time) bool {
		a := true
		for _, s := range statuses {
			if dateOf(s.EffectiveOn).After(d) {
				break
			}
			a = s.Active
		}
		return a
	}
	// Standing is constant between boundaries: evaluate only there.
	bounds := []time.Time{joined}
	for _, c := range covers {
		bounds = append(bounds, c.from, c.to.Add(day))
	}
	for _, s := range statuses {
		bounds = append(bounds, dateOf(s.EffectiveOn))
	}
	slices.SortFunc(bounds, func(a, b time.Time) int { return a.Compare(b) })
	bounds = slices.Compact(bounds)

	var out []Transition
	for _, d := range bounds {
		if d.Before(joined) || d.After(today) {
			continue
		}
		act := active(d)
		var in []cover
		for _, c := range covers {
			if !d.Before(c.from) && !d.After(c.to) {
				in = append(in, c)
			}
		}
		standing := Lapsed
		if act && len(in) > 0 {
			standing = Good
		}
		if len(out) > 0 && out[len(out)-1].Standing == standing {
			continue
		}
		var reason string
		switch {
		case standing == Good:
			reason = best(in, func(c cover) string { return c.start })
			if len(out) > 0 && !active(d.Add(-day)) {
				reason = "membership active again; " + reason
			}
		case !act:
			reason = "membership inactive"
		case len(out) == 0:
			reason = "no dues paid"
		default:
			var ended []cover
			for _, c := range covers {
				if c.to.Equal(d.Add(-day)) {
					ended = append(ended, c)
				}
			}
			reason = best(ended, func(c cover) string { return c.stop })
			if reason == "" {
				reason = "no dues paid"
			}
		}
		out = append(out, Transition{Standing: standing, EffectiveOn: d, Reason: reason})
	}
	return out
}

// best picks, deterministically, the reason of the cover lasting longest
// (the smallest reason text among equals).
func best(cs []cover, reason func(cover) string) string {
	var r string
	var to time.Time
	for i, c := range cs {
		if i == 0 || c.to.After(to) || (c.to.Equal(to) && reason(c) < r) {
			r, to = reason(c), c.to
		}
	}
	return r
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
