package membership

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Roster CSV columns. Export writes them in this order; import needs a
// header naming them in any order and requires email, given_name and
// joined_on.
//
// paid_through is the date (YYYY-MM-DD) through which the member's dues
// were paid in the organization's previous system: a legacy dues fact that
// standing follows (as dues paid from joining through that date, plus the
// grace period) until Stripe payments take over. An empty cell leaves the
// stored date as it is; a different date replaces it. Export writes the
// stored date back, so an export re-imports to no change.
var (
	csvColumns  = []string{"email", "given_name", "family_name", "phone", "postal_address", "joined_on", "external_id", "status", "chapter", "paid_through"}
	csvRequired = []string{"email", "given_name", "joined_on"}
)

// MaxImportRows bounds one import file.
const MaxImportRows = 500_000

// analyzeAfter is the number of changed rows from which an import refreshes
// the planner's statistics of the members table itself.
const analyzeAfter = 10_000

// RowError is one problem with one row of an import file. Row counts the
// header as row 1, as a spreadsheet shows it.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// ImportReport says what an import changed, or would change for a dry run.
type ImportReport struct {
	Rows      int
	Created   int
	Updated   int
	Unchanged int
	DryRun    bool
}

// importRow is a validated row.
type importRow struct {
	row       int
	chapterID uuid.UUID
	in        MemberInput
	status    string
	// paidThrough is the legacy paid-through date; zero when the cell is
	// empty or the column absent.
	paidThrough time.Time
	explicit    map[string]bool // columns the file has, so absent ones keep stored values
}

// ImportRoster reads a roster CSV and applies it: rows match existing members
// by external_id when the row has one, else by email; matched members are
// updated, the others created. Rows go to chapterID unless they name a
// chapter by slug in a `chapter` column. The caller needs the roster write
// permission in every chapter a row names and in every matched member's
// current chapter.
//
// The whole file is validated first; if any row is bad nothing changes and
// the error (Invalid) carries every RowError in its Details. A clean file is
// applied in one transaction, so a failure part-way leaves the roster as it
// was. Rows identical to the stored member change nothing, so importing the
// same file twice reports every row unchanged the second time. With dryRun
// nothing is written.
func (s *Service) ImportRoster(ctx context.Context, p *auth.Principal, chapterID uuid.UUID, r io.Reader, dryRun bool) (ImportReport, error) {
	if !p.Can(auth.RosterWrite, chapterID) {
		return ImportReport{}, errs.Forbiddenf("you may not import into this chapter's roster")
	}
	var rep ImportReport
	err := s.inTx(ctx, func(tx pgx.Tx, q *postgres.Queries) error {
		if err := q.LockRosterImports(ctx); err != nil {
			return err
		}
		if _, err := openChapter(ctx, q, chapterID); err != nil {
			return err
		}
		chapters, err := q.ListChapterSlugs(ctx)
		if err != nil {
			return err
		}
		rows, rowErrs, err := s.parseRoster(r, p, chapterID, chapters)
		if err != nil {
			return err
		}
		plan, planErrs, err := s.planImport(ctx, q, p, rows)
		if err != nil {
			return err
		}
		if rowErrs = append(rowErrs, planErrs...); len(rowErrs) > 0 {
			sortRowErrors(rowErrs)
			return &errs.Error{Kind: errs.Invalid, Field: "file",
				Msg: fmt.Sprintf("%d problem(s) in the file; nothing was imported", len(rowErrs)), Details: rowErrs}
		}
		// An inactive member cannot sign in: the file may not leave the
		// organization without an active national admin.
		if err := s.keepNationalAdminWithout(ctx, q, plan.deactivated, s.Today()); err != nil {
			if e := errs.As(err); e != nil && e.Kind == errs.Conflict {
				return &errs.Error{Kind: errs.Conflict, Field: "file", Msg: "the file makes a national admin inactive, and " + e.Msg, Err: err}
			}
			return err
		}
		updated := len(plan.update.Ids) + plan.creditOnly
		rep = ImportReport{Rows: len(rows), Created: len(plan.create), Updated: updated,
			Unchanged: len(rows) - len(plan.create) - updated, DryRun: dryRun}
		if dryRun {
			return nil
		}
		return s.applyImport(ctx, tx, q, p, chapterID, plan, rep)
	})
	return rep, err
}

// parseRoster reads and validates every row, collecting every problem.
// It returns an error only for a file that cannot be read at all.
func (s *Service) parseRoster(r io.Reader, p *auth.Principal, chapterID uuid.UUID, chapters []postgres.ListChapterSlugsRow) ([]importRow, []RowError, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errs.Field("file", "is empty: the first row must be a header naming the columns")
	}
	if err != nil {
		return nil, nil, errs.Field("file", "row 1 (header) cannot be read: %v", csvReason(err))
	}
	col := map[string]int{}
	var rowErrs []RowError
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case !slices.Contains(csvColumns, name):
			rowErrs = append(rowErrs, RowError{1, name, "unknown column; columns are " + strings.Join(csvColumns, ", ")})
		case col[name] != 0:
			rowErrs = append(rowErrs, RowError{1, name, "column appears twice"})
		}
		col[name] = i + 1 // 1-based so zero means absent
	}
	for _, name := range csvRequired {
		if col[name] == 0 {
			rowErrs = append(rowErrs, RowError{1, name, "required column is missing"})
		}
	}
	if len(rowErrs) > 0 {
		return nil, rowErrs, nil
	}
	bySlug := make(map[string]postgres.ListChapterSlugsRow, len(chapters))
	for _, c := range chapters {
		bySlug[c.Slug] = c
	}
	explicit := map[string]bool{}
	for name := range col {
		explicit[name] = true
	}
	today := s.Today()
	seenEmail := map[string]int{}
	seenExt := map[string]int{}
	var rows []importRow
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				rowErrs = append(rowErrs, RowError{n, "", fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
				continue
			}
			rowErrs = append(rowErrs, RowError{n, "", csvReason(err) + "; the rest of the file cannot be read"})
			break
		}
		if n-1 > MaxImportRows {
			return nil, nil, errs.Field("file", "has more than %d rows; split it", MaxImportRows)
		}
		get := func(name string) string {
			if i := col[name]; i != 0 {
				return rec[i-1]
			}
			return ""
		}
		row := importRow{row: n, chapterID: chapterID, status: StatusActive, explicit: explicit}
		bad := func(column string, err error) {
			reason := err.Error()
			if e := errs.As(err); e != nil {
				reason = e.Msg
			}
			rowErrs = append(rowErrs, RowError{n, column, reason})
		}
		var ferr error
		if row.in.Email, ferr = normEmail("email", get("email")); ferr != nil {
			bad("email", ferr)
		}
		if row.in.GivenName, ferr = normText("given_name", get("given_name"), 100, true); ferr != nil {
			bad("given_name", ferr)
		}
		if row.in.FamilyName, ferr = normText("family_name", get("family_name"), 100, false); ferr != nil {
			bad("family_name", ferr)
		}
		if row.in.Phone, ferr = normText("phone", get("phone"), 40, false); ferr != nil {
			bad("phone", ferr)
		}
		if row.in.PostalAddress, ferr = normText("postal_address", get("postal_address"), 500, false); ferr != nil {
			bad("postal_address", ferr)
		}
		if row.in.JoinedOn, ferr = parseDate("joined_on", get("joined_on"), today); ferr != nil {
			bad("joined_on", ferr)
		}
		if ext := strings.TrimSpace(get("external_id")); ext != "" {
			if ext, ferr = normText("external_id", ext, 100, true); ferr != nil {
				bad("external_id", ferr)
			}
			row.in.ExternalID = &ext
			if first, dup := seenExt[ext]; dup {
				rowErrs = append(rowErrs, RowError{n, "external_id", fmt.Sprintf("same external_id as row %d", first)})
			} else {
				seenExt[ext] = n
			}
		}
		if row.in.Email != "" {
			if first, dup := seenEmail[row.in.Email]; dup {
				rowErrs = append(rowErrs, RowError{n, "email", fmt.Sprintf("same email as row %d", first)})
			} else {
				seenEmail[row.in.Email] = n
			}
		}
		switch st := strings.ToLower(strings.TrimSpace(get("status"))); st {
		case "", StatusActive:
		case StatusInactive:
			row.status = StatusInactive
		default:
			rowErrs = append(rowErrs, RowError{n, "status", "must be active or inactive"})
		}
		if pt := strings.TrimSpace(get("paid_through")); pt != "" {
			if row.paidThrough, ferr = parsePaidThrough(pt, today); ferr != nil {
				bad("paid_through", ferr)
			}
		}
		if slug := strings.ToLower(strings.TrimSpace(get("chapter"))); slug != "" {
			c, ok := bySlug[slug]
			switch {
			case !ok:
				rowErrs = append(rowErrs, RowError{n, "chapter", fmt.Sprintf("no chapter has the slug %q", slug)})
			case c.DissolvedOn != nil:
				rowErrs = append(rowErrs, RowError{n, "chapter", fmt.Sprintf("chapter %q is dissolved", slug)})
			case !p.Can(auth.RosterWrite, c.ID):
				rowErrs = append(rowErrs, RowError{n, "chapter", fmt.Sprintf("you may not add members to chapter %q", slug)})
			default:
				row.chapterID = c.ID
			}
		}
		rows = append(rows, row)
	}
	return rows, rowErrs, nil
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// importPlan is what applying a clean file will write.
type importPlan struct {
	create  []postgres.CopyMembersParams
	update  postgres.UpdateMembersBatchParams
	history []postgres.CopyStatusChangesParams
	// credits are the legacy paid-through dates to set or change for
	// members who exist already; newCredits those of members the import
	// creates (written by COPY, with their standing queued the same way).
	credits    postgres.ImportUpsertLegacyCreditsParams
	newCredits []postgres.CopyLegacyCreditsParams
	// creditOnly counts matched rows whose only change is the legacy
	// paid-through date (reported as updated).
	creditOnly int
	// requeue are existing members whose status or join date changes, so
	// their standing must be recomputed.
	requeue []uuid.UUID
	// deactivated are existing members the file makes inactive.
	deactivated []uuid.UUID
}

// planImport matches rows to stored members and works out what changes. It
// reports rows that would take another member's email or external id, and
// rows whose matched member sits in a chapter outside the caller's scope.
func (s *Service) planImport(ctx context.Context, q *postgres.Queries, p *auth.Principal, rows []importRow) (importPlan, []RowError, error) {
	emails := make([]string, 0, len(rows))
	exts := make([]string, 0, len(rows))
	for _, r := range rows {
		emails = append(emails, r.in.Email)
		if r.in.ExternalID != nil {
			exts = append(exts, *r.in.ExternalID)
		}
	}
	existing, err := q.FindMembersForImport(ctx, postgres.FindMembersForImportParams{Emails: emails, ExternalIds: exts})
	if err != nil {
		return importPlan{}, nil, err
	}
	byEmail := make(map[string]*Member, len(existing))
	byExt := make(map[string]*Member, len(existing))
	for i := range existing {
		m := &existing[i]
		byEmail[m.Email] = m
		if m.ExternalID != nil {
			byExt[*m.ExternalID] = m
		}
	}
	var plan importPlan
	var rowErrs []RowError
	actor := uuid.NullUUID{UUID: p.MemberID, Valid: true}
	plan.credits.RecordedBy = actor
	newCredits := map[string]time.Time{} // by email: unique within a clean file
	credits, err := storedCredits(ctx, q, rows, byEmail, byExt)
	if err != nil {
		return importPlan{}, nil, err
	}
	today := s.Today()
	for _, r := range rows {
		var m *Member
		if r.in.ExternalID != nil {
			m = byExt[*r.in.ExternalID]
		}
		if m == nil {
			m = byEmail[r.in.Email]
			if m != nil && m.ExternalID != nil && r.in.ExternalID != nil && *m.ExternalID != *r.in.ExternalID {
				rowErrs = append(rowErrs, RowError{r.row, "external_id", fmt.Sprintf(
					"the member with this email has external_id %q", *m.ExternalID)})
				continue
			}
		}
		if m == nil {
			if !r.paidThrough.IsZero() {
				newCredits[r.in.Email] = r.paidThrough
			}
			plan.create = append(plan.create, postgres.CopyMembersParams{
				ChapterID: r.chapterID, GivenName: r.in.GivenName, FamilyName: r.in.FamilyName,
				Email: r.in.Email, Phone: r.in.Phone, PostalAddress: r.in.PostalAddress, JoinedOn: r.in.JoinedOn,
				Status: r.status, ExternalID: r.in.ExternalID,
			})
			continue
		}
		if other := byEmail[r.in.Email]; other != nil && other.ID != m.ID {
			rowErrs = append(rowErrs, RowError{r.row, "email", "another member already has this email address"})
			continue
		}
		if !p.Can(auth.RosterWrite, m.ChapterID) {
			rowErrs = append(rowErrs, RowError{r.row, "email", "this member belongs to a chapter outside your roster permission"})
			continue
		}
		creditChanged := !r.paidThrough.IsZero() && !r.paidThrough.Equal(credits[m.ID])
		if creditChanged {
			plan.credits.MemberIds = append(plan.credits.MemberIds, m.ID)
			plan.credits.PaidThroughs = append(plan.credits.PaidThroughs, r.paidThrough)
		}
		next := mergeRow(m, r)
		if sameRecord(&next, m) {
			if creditChanged {
				plan.creditOnly++
			}
			continue
		}
		if next.Status != m.Status || !next.JoinedOn.Equal(m.JoinedOn) {
			plan.requeue = append(plan.requeue, m.ID)
		}
		u := &plan.update
		u.Ids = append(u.Ids, m.ID)
		u.ChapterIds = append(u.ChapterIds, next.ChapterID)
		u.GivenNames = append(u.GivenNames, next.GivenName)
		u.FamilyNames = append(u.FamilyNames, next.FamilyName)
		u.Emails = append(u.Emails, next.Email)
		u.Phones = append(u.Phones, next.Phone)
		u.PostalAddresses = append(u.PostalAddresses, next.PostalAddress)
		u.JoinedOns = append(u.JoinedOns, next.JoinedOn)
		u.Statuses = append(u.Statuses, next.Status)
		ext := ""
		if next.ExternalID != nil {
			ext = *next.ExternalID
		}
		u.ExternalIds = append(u.ExternalIds, ext)
		if next.Status != m.Status {
			plan.history = append(plan.history, postgres.CopyStatusChangesParams{
				MemberID: m.ID, Status: next.Status, EffectiveOn: today, Reason: "roster import", RecordedBy: actor})
			if next.Status == StatusInactive {
				plan.deactivated = append(plan.deactivated, m.ID)
			}
		}
	}
	// New members go in in roster order with time-ordered ids, so the
	// primary key and the (chapter, name) index grow at their right edges
	// instead of splitting pages all over: measured at 100,000 rows, this
	// is most of the insert's index cost.
	slices.SortFunc(plan.create, func(a, b postgres.CopyMembersParams) int {
		return cmp.Or(bytes.Compare(a.ChapterID[:], b.ChapterID[:]), cmp.Compare(a.FamilyName, b.FamilyName),
			cmp.Compare(a.GivenName, b.GivenName), cmp.Compare(a.Email, b.Email))
	})
	for i := range plan.create {
		c := &plan.create[i]
		id, err := uuid.NewV7()
		if err != nil {
			return importPlan{}, nil, err
		}
		c.ID = id
		if pt := newCredits[c.Email]; !pt.IsZero() {
			plan.newCredits = append(plan.newCredits, postgres.CopyLegacyCreditsParams{MemberID: id, PaidThrough: pt, RecordedBy: actor})
		}
		// Joining is joined_on; only a status other than active needs a row.
		if c.Status == StatusInactive {
			plan.history = append(plan.history, postgres.CopyStatusChangesParams{
				MemberID: id, Status: StatusInactive, EffectiveOn: today, Reason: "imported as inactive", RecordedBy: actor})
		}
	}
	return plan, rowErrs, nil
}

// mergeRow returns the member as the row would leave it. Columns the file
// does not have keep their stored values, so a file with only email, name
// and join date does not wipe phone numbers. The returned value shares no
// pointers with m.
func mergeRow(m *Member, r importRow) Member {
	next := *m
	next.ChapterID = r.chapterID
	if !r.explicit["chapter"] && r.chapterID != m.ChapterID {
		// Without a chapter column the path's chapter applies to new members
		// only; an existing member stays where they are.
		next.ChapterID = m.ChapterID
	}
	next.GivenName = r.in.GivenName
	next.Email = r.in.Email
	next.JoinedOn = r.in.JoinedOn
	if r.explicit["family_name"] {
		next.FamilyName = r.in.FamilyName
	}
	if r.explicit["phone"] {
		next.Phone = r.in.Phone
	}
	if r.explicit["postal_address"] {
		next.PostalAddress = r.in.PostalAddress
	}
	if r.explicit["status"] {
		next.Status = r.status
	}
	if r.explicit["external_id"] && r.in.ExternalID != nil {
		if m.ExternalID == nil || *m.ExternalID != *r.in.ExternalID {
			next.ExternalID = r.in.ExternalID
		}
	}
	return next
}

func (s *Service) applyImport(ctx context.Context, tx pgx.Tx, q *postgres.Queries, p *auth.Principal, chapterID uuid.UUID, plan importPlan, rep ImportReport) error {
	if len(plan.create) > 0 {
		if _, err := q.CopyMembers(ctx, plan.create); err != nil {
			return importConflict(err)
		}
	}
	if len(plan.update.Ids) > 0 {
		if _, err := q.UpdateMembersBatch(ctx, plan.update); err != nil {
			return importConflict(err)
		}
	}
	if len(plan.history) > 0 {
		if _, err := q.CopyStatusChanges(ctx, plan.history); err != nil {
			return err
		}
	}
	// Legacy paid-through dates are dues facts: stored, and the members
	// queued for the dues workers' standing recompute, in this transaction
	// (one statement; recomputing 100,000 standings here would hold the
	// import's locks for minutes).
	if len(plan.credits.MemberIds) > 0 {
		if _, err := q.ImportUpsertLegacyCredits(ctx, plan.credits); err != nil {
			return err
		}
	}
	if len(plan.newCredits) > 0 {
		// COPY, not the upsert: these members are new, and at 90,000 rows
		// the upsert took 3.1 s against 0.5 s for the two COPYs.
		if _, err := q.CopyLegacyCredits(ctx, plan.newCredits); err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(plan.newCredits))
		for i, c := range plan.newCredits {
			ids[i] = c.MemberID
		}
		if _, err := q.CopyStandingQueue(ctx, ids); err != nil {
			return err
		}
	}
	if len(plan.requeue) > 0 {
		if err := q.QueueStandingRecompute(ctx, plan.requeue); err != nil {
			return err
		}
	}
	// A large import leaves the planner's statistics stale until autovacuum
	// gets to them, and roster pages then scan whole chapters (measured:
	// 40 ms instead of 0.2 ms a page at 100,000 members). ANALYZE inside
	// this transaction sees its rows.
	if len(plan.create)+len(plan.update.Ids) >= analyzeAfter {
		if err := q.CleanRosterSearchPendingList(ctx); err != nil {
			return err
		}
		if err := q.AnalyzeMembers(ctx); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, audit.Entry{
		ActorID: p.MemberID, Action: "roster.import", Entity: "chapter", EntityID: chapterID.String(), ChapterID: chapterID,
		Data: map[string]int{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "unchanged": rep.Unchanged,
			"paid_through_set": len(plan.credits.MemberIds) + len(plan.newCredits)},
	})
}

// importConflict reports a unique violation that slipped past planning
// (another writer changed the roster meanwhile) as a Conflict to retry.
func importConflict(err error) error {
	if e := errs.As(classify(err)); e != nil && e.Kind == errs.Conflict {
		return &errs.Error{Kind: errs.Conflict, Field: "file", Msg: "the roster changed while importing (" + e.Msg + "); nothing was imported, try again", Err: err}
	}
	return err
}

// sameRecord reports whether a and b hold the same roster fields.
func sameRecord(a, b *Member) bool {
	return a.ChapterID == b.ChapterID && a.GivenName == b.GivenName && a.FamilyName == b.FamilyName &&
		a.Email == b.Email && a.Phone == b.Phone && a.PostalAddress == b.PostalAddress &&
		a.JoinedOn.Equal(b.JoinedOn) && a.Status == b.Status &&
		(a.ExternalID == nil) == (b.ExternalID == nil) && (a.ExternalID == nil || *a.ExternalID == *b.ExternalID)
}

// sortRowErrors orders problems by row, keeping each row's problems in the
// order they were found.
func sortRowErrors(rows []RowError) {
	slices.SortStableFunc(rows, func(a, b RowError) int { return a.Row - b.Row })
}

// writeRosterCSV writes members in the import format.
func writeRosterCSV(w io.Writer, rows []postgres.ExportMembersRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	rec := make([]string, len(csvColumns))
	for _, m := range rows {
		ext := ""
		if m.ExternalID != nil {
			ext = *m.ExternalID
		}
		rec[0], rec[1], rec[2], rec[3], rec[4] = m.Email, m.GivenName, m.FamilyName, m.Phone, m.PostalAddress
		rec[5], rec[6], rec[7], rec[8] = m.JoinedOn.Format(time.DateOnly), ext, m.Status, m.ChapterSlug
		rec[9] = ""
		if m.LegacyPaidThrough != nil {
			rec[9] = m.LegacyPaidThrough.Format(time.DateOnly)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// storedCredits returns the legacy paid-through dates stored for the
// members the rows match (by external id, else email), by member id. It
// asks only when some row has a paid_through date.
func storedCredits(ctx context.Context, q *postgres.Queries, rows []importRow, byEmail, byExt map[string]*Member) (map[uuid.UUID]time.Time, error) {
	var ids []uuid.UUID
	for _, r := range rows {
		if r.paidThrough.IsZero() {
			continue
		}
		var m *Member
		if r.in.ExternalID != nil {
			m = byExt[*r.in.ExternalID]
		}
		if m == nil {
			m = byEmail[r.in.Email]
		}
		if m != nil {
			ids = append(ids, m.ID)
		}
	}
	out := make(map[uuid.UUID]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cs, err := q.ImportLegacyCredits(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		out[c.MemberID] = c.PaidThrough
	}
	return out, nil
}

// parsePaidThrough reads a legacy paid-through date: YYYY-MM-DD, from 1800
// to ten years after today (dues are not prepaid further).
func parsePaidThrough(s string, today time.Time) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errs.Field("paid_through", "must be a date written YYYY-MM-DD")
	}
	if d.Year() < 1800 {
		return time.Time{}, errs.Field("paid_through", "is before 1800")
	}
	if d.After(today.AddDate(10, 0, 0)) {
		return time.Time{}, errs.Field("paid_through", "is more than ten years from today")
	}
	return d, nil
}
