package dues

import (
	"reflect"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTimeline(t *testing.T) {
	pay := func(paid, through string) PaymentFact {
		return PaymentFact{InvoiceID: "in_1", Amount: 1000, PaidOn: d(paid), PeriodEnd: d(through)}
	}
	const grace = 30
	for _, tc := range []struct {
		name  string
		f     Facts
		today string
		want  []Transition
	}{
		{name: "never paid", f: Facts{JoinedOn: d("2026-01-01")}, today: "2026-03-01",
			want: []Transition{{Lapsed, d("2026-01-01"), "no dues paid"}}},
		{name: "last day of grace is still good", today: "2026-03-03",
			f:    Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{pay("2026-01-01", "2026-02-01")}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2026-02-01 (in_1)"}}},
		{name: "day after grace lapses", today: "2026-03-04",
			f: Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{pay("2026-01-01", "2026-02-01")}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2026-02-01 (in_1)"},
				{Lapsed, d("2026-03-04"), "grace period ended (paid through 2026-02-01)"}}},
		{name: "waiver expiring", today: "2027-06-01",
			f: Facts{JoinedOn: d("2026-01-01"), Waivers: []WaiverFact{{StartsOn: d("2026-01-01"), EndsOn: d("2027-01-01")}}},
			want: []Transition{{Good, d("2026-01-01"), "dues waiver until 2026-12-31"},
				{Lapsed, d("2027-01-01"), "dues waiver expired"}}},
		{name: "refund reverses the payment that kept the member in good standing", today: "2026-03-01",
			f: Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{func() PaymentFact {
				p := pay("2026-01-01", "2026-02-01")
				p.FullyRefundedOn = d("2026-01-20")
				return p
			}()}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2026-02-01 (in_1)"},
				{Lapsed, d("2026-01-20"), "payment in_1 refunded"}}},
		{name: "dispute won restores the payment", today: "2026-02-10",
			f: Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{func() PaymentFact {
				p := pay("2026-01-01", "2026-02-01")
				p.Disputes = []DisputeFact{{OpenedOn: d("2026-01-10"), WonOn: d("2026-01-25")}}
				return p
			}()}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2026-02-01 (in_1)"},
				{Lapsed, d("2026-01-10"), "payment in_1 disputed"},
				{Good, d("2026-01-25"), "dues paid through 2026-02-01 (in_1)"}}},
		{name: "inactive membership is lapsed whatever was paid", today: "2026-01-20",
			f: Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{pay("2026-01-01", "2027-01-01")},
				Statuses: []StatusFact{{Active: true, EffectiveOn: d("2026-01-01")}, {Active: false, EffectiveOn: d("2026-01-15")}}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2027-01-01 (in_1)"},
				{Lapsed, d("2026-01-15"), "membership inactive"}}},
		{name: "renewals chain without a gap", today: "2026-03-31",
			f: Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{pay("2026-01-01", "2026-02-01"),
				{InvoiceID: "in_2", Amount: 1, PaidOn: d("2026-02-01"), PeriodEnd: d("2026-03-01")}}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2026-02-01 (in_1)"}}},
		{name: "paying more grants nothing more", today: "2026-03-04",
			f: Facts{JoinedOn: d("2026-01-01"), Payments: []PaymentFact{{InvoiceID: "in_1", Amount: 1_000_000,
				PaidOn: d("2026-01-01"), PeriodEnd: d("2026-02-01")}}},
			want: []Transition{{Good, d("2026-01-01"), "dues paid through 2026-02-01 (in_1)"},
				{Lapsed, d("2026-03-04"), "grace period ended (paid through 2026-02-01)"}}},
		{name: "legacy paid-through counts from joining through grace", today: "2026-04-01",
			f: Facts{JoinedOn: d("2020-05-01"), LegacyPaidThrough: d("2026-01-31")},
			want: []Transition{{Good, d("2020-05-01"), "dues paid through 2026-01-31 (previous system)"},
				{Lapsed, d("2026-03-03"), "grace period ended (paid through 2026-01-31)"}}},
		{name: "legacy paid-through in the past lapsed long ago", today: "2026-04-01",
			f: Facts{JoinedOn: d("2020-05-01"), LegacyPaidThrough: d("2024-12-31")},
			want: []Transition{{Good, d("2020-05-01"), "dues paid through 2024-12-31 (previous system)"},
				{Lapsed, d("2025-01-31"), "grace period ended (paid through 2024-12-31)"}}},
		{name: "legacy paid-through before joining grants nothing", today: "2026-04-01",
			f:    Facts{JoinedOn: d("2026-03-01"), LegacyPaidThrough: d("2025-12-31")},
			want: []Transition{{Lapsed, d("2026-03-01"), "no dues paid"}}},
		{name: "Stripe payment takes over from the legacy date without a gap", today: "2026-04-01",
			f: Facts{JoinedOn: d("2020-05-01"), LegacyPaidThrough: d("2026-01-31"),
				Payments: []PaymentFact{{InvoiceID: "in_9", Amount: 1000, PaidOn: d("2026-02-15"), PeriodEnd: d("2026-03-15")}}},
			want: []Transition{{Good, d("2020-05-01"), "dues paid through 2026-01-31 (previous system)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Timeline(tc.f, grace, d(tc.today))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Timeline:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}
