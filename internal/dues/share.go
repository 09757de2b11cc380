package dues

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// ChapterShare is one chapter's dues share for a quarter, with every input
// a chapter treasurer needs to check it.
type ChapterShare struct {
	ChapterID uuid.UUID
	Slug      string
	Name      string
	Currency  string
	// Gross is the payments attributed to the chapter in the quarter;
	// Refunds and Disputes (negative; dispute reversals add back) are those
	// dated in the quarter of payments attributed to the chapter.
	Gross, Refunds, Disputes int64
	// Base = Gross + Refunds + Disputes. Stripe fees do not reduce it.
	Base int64
	// Members is the number of members whose net dues to the chapter in
	// the quarter are positive.
	Members int64
	// Tiers shows how many members fall in each tier.
	Tiers []TierCount
	// RateBp is the effective rate in basis points (rounded down), for
	// display; Share is computed exactly from the tiers.
	RateBp int64
	Share  int64
}

// ShareReport is the dues share of every chapter in scope for a quarter.
type ShareReport struct {
	Year, Quarter int
	From, To      time.Time // [From, To), UTC
	Rule          string
	Chapters      []ChapterShare
}

// ShareRule describes the rule the report applies, for its readers.
const ShareRule = "Each payment counts for the chapter the member belonged to when it was recorded; refunds, " +
	"disputes and dispute reversals count for the chapter of the payment they concern, in the quarter they occur. " +
	"Base = payments + refunds + disputes in the quarter (fees excluded). Members = members whose net dues to the " +
	"chapter in the quarter are positive; numbered 1..n, member k earns the rate of the tier containing k. " +
	"Share = floor(base x sum of members' rates / n): the base times the members' average marginal rate, rounded " +
	"down to the cent."

// Share computes the dues share for a quarter (1-4) of a year, per chapter
// in scope (a chapter treasurer: their chapter; national: all). Invalid for
// a bad quarter; an amount in a foreign currency is an error.
func (s *Service) Share(ctx context.Context, p *auth.Principal, chapter *uuid.UUID, year, quarter int) (ShareReport, error) {
	if quarter < 1 || quarter > 4 {
		return ShareReport{}, errs.Field("quarter", "must be 1 to 4")
	}
	if year < 2000 || year > 9999 {
		return ShareReport{}, errs.Field("year", "must be 2000 to 9999")
	}
	all, ids, err := scope(p, chapter)
	if err != nil {
		return ShareReport{}, err
	}
	from := time.Date(year, time.Month(3*(quarter-1)+1), 1, 0, 0, 0, 0, time.UTC)
	rep := ShareReport{Year: year, Quarter: quarter, From: from, To: from.AddDate(0, 3, 0), Rule: ShareRule}
	rows, err := postgres.New(s.pool).DuesShareInputs(ctx, postgres.DuesShareInputsParams{
		FromTime: rep.From, ToTime: rep.To, AllChapters: all, ChapterIds: ids})
	if err != nil {
		return rep, err
	}
	for _, r := range rows {
		if err := s.checkCurrency(r.Currency); err != nil {
			return rep, err
		}
		cs := ChapterShare{ChapterID: r.ChapterID.UUID, Slug: r.Slug, Name: r.Name, Currency: r.Currency,
			Gross: r.Gross, Refunds: r.Refunds, Disputes: r.Disputes, Base: r.Gross + r.Refunds + r.Disputes, Members: r.Members}
		cs.Share, cs.Tiers = ShareOf(cs.Base, cs.Members, s.cfg.Policy.Tiers)
		if cs.Members > 0 {
			var w int64
			for _, t := range cs.Tiers {
				w += t.Members * int64(t.Tier.Bp)
			}
			cs.RateBp = w / cs.Members
		}
		rep.Chapters = append(rep.Chapters, cs)
	}
	return rep, nil
}

// WriteShareCSV writes the report, one row per chapter, the tier counts in
// columns tier_FROM.
func WriteShareCSV(w io.Writer, rep ShareReport, tiers []Tier) error {
	cw := csv.NewWriter(w)
	head := []string{"chapter_id", "slug", "quarter", "currency", "gross", "refunds", "disputes", "base", "members"}
	for _, t := range tiers {
		head = append(head, fmt.Sprintf("tier_%d_%s%%", t.From, FormatAmount(int64(t.Bp))))
	}
	cw.Write(append(head, "effective_rate_bp", "share"))
	for _, c := range rep.Chapters {
		row := []string{c.ChapterID.String(), c.Slug, fmt.Sprintf("%d-Q%d", rep.Year, rep.Quarter), c.Currency,
			FormatAmount(c.Gross), FormatAmount(c.Refunds), FormatAmount(c.Disputes), FormatAmount(c.Base),
			strconv.FormatInt(c.Members, 10)}
		for _, t := range c.Tiers {
			row = append(row, strconv.FormatInt(t.Members, 10))
		}
		cw.Write(append(row, strconv.FormatInt(c.RateBp, 10), FormatAmount(c.Share)))
	}
	cw.Flush()
	return cw.Error()
}
