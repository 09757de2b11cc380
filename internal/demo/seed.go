// Package demo loads the demo organization that `chapterhouse dev` serves:
// a national body, three chapters, a few hundred members with plausible
// names, and the officers behind the demo accounts. It is reproducible: the
// same seed gives the same organization.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapterhouse/chapterhouse/internal/audit"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// Account is a demo login: a member of the demo organization with a role,
// and the password the dev OpenID provider accepts for them.
type Account struct {
	Username string
	Password string
	Email    string
	Name     string
	// Role describes what the account can do, for the start-up banner.
	Role string
}

// Accounts are the demo logins, in the order the banner prints them.
func Accounts() []Account {
	return []Account{
		{"admin", "admin-demo", "ada.admin@demo.chapterhouse.test", "Ada Admin", "national admin"},
		{"officer", "officer-demo", "olu.officer@demo.chapterhouse.test", "Olu Officer", "secretary of Riverside (roster)"},
		{"officer2", "officer2-demo", "nia.north@demo.chapterhouse.test", "Nia North", "chair of Northfield (roster)"},
		{"treasurer", "treasurer-demo", "tom.treasurer@demo.chapterhouse.test", "Tom Treasurer", "national treasurer"},
		{"member", "member-demo", "mae.member@demo.chapterhouse.test", "Mae Member", "member of Riverside"},
	}
}

// Chapters of the demo organization: slug, name and how many generated
// members each gets.
var chapters = []struct {
	slug, name string
	members    int
}{
	{"riverside", "Riverside Chapter", 140},
	{"northfield", "Northfield Chapter", 90},
	{"lakeshore", "Lakeshore Chapter", 70},
}

var givenNames = strings.Fields(`Aaliyah Abdul Adele Ahmed Aiko Alejandro Alice Amara Ana Andrei Anika Arjun Astrid Ayesha
Beatriz Ben Bilal Camille Carlos Chen Chiara Chloe Dalia Daniel Dmitri Eamon Elena Elif Emeka Emma Esther Fatima Felix
Florence Gabriel Grace Hana Hassan Hugo Ibrahim Ines Isaac Jamal Javier Jin Joao Jonas Julia Kai Kamala Karim Kenji
Lara Leila Liam Lin Lucia Luis Maeve Malik Maria Mateo Maya Mei Miguel Mira Mohammed Nadia Naomi Nikhil Noah Nora
Olga Omar Oscar Pablo Pedro Priya Rafael Rania Ravi Rosa Ruth Sami Sara Sean Sofia Sven Tariq Tomas Uma Valentina
Victor Wei Yara Yusuf Zainab Zoe`)

var familyNames = strings.Fields(`Abbott Adeyemi Ahmed Alvarez Andersen Baptiste Becker Bianchi Brennan Campbell Castillo
Chowdhury Costa Dubois Eriksen Fernandes Fischer Gallagher Garcia Goldberg Gonzalez Gupta Haddad Hansen Hernandez
Hoffmann Ibrahim Ivanova Jackson Jensen Kaur Kelly Khan Kim Kowalski Larsen Lee Lopez Mahmoud Martin Mendes Moreau
Murphy Nakamura Nguyen Novak Obi Okafor Olsen Park Patel Pereira Petrov Quinn Rahman Ramos Reyes Rossi Santos Schmidt
Silva Singh Sokolov Suzuki Tanaka Torres Van Dijk Vargas Wagner Walsh Wang Weber Williams Yamamoto Yilmaz Zhang`)

// Seed loads the demo organization into an empty database and returns false
// without changing anything when the database already has members (so a
// restart keeps whatever the developer changed). It runs in one transaction,
// then derives every member's dues standing from the dues facts it loaded
// (legacy paid-through dates and waivers) with the dues service's
// recompute, under the default policy: most members are paid ahead, some
// have lapsed, a few are in their grace period and two have waivers.
func Seed(ctx context.Context, pool *pgxpool.Pool, today time.Time) (bool, error) {
	seeded := false
	err := postgres.InTx(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		q := postgres.New(tx)
		n, err := q.CountMembers(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		seeded = true
		return seed(ctx, tx, q, today)
	})
	if err != nil || !seeded {
		return seeded, err
	}
	ds, err := dues.NewService(pool, func() time.Time { return today }, dues.Config{Policy: dues.DefaultPolicy()})
	if err != nil {
		return seeded, err
	}
	if _, err := ds.DrainStanding(ctx); err != nil {
		return seeded, fmt.Errorf("demo: standing: %w", err)
	}
	return seeded, nil
}

// duesFacts gives the demo members dues facts as an organization arriving
// from another system has them: legacy paid-through dates (most ahead of
// today, some long past, a few just past and so in grace), two waivers,
// and a few members who never paid; and queues everyone's standing.
func duesFacts(ctx context.Context, q *postgres.Queries, rng *rand.Rand, members []postgres.CopyMembersParams,
	accounts []uuid.UUID, admin uuid.UUID, today time.Time) error {
	isAccount := map[uuid.UUID]bool{}
	for _, id := range accounts {
		isAccount[id] = true
	}
	var credits postgres.ImportUpsertLegacyCreditsParams
	credits.RecordedBy = uuid.NullUUID{UUID: admin, Valid: true}
	waivers := 0
	all := make([]uuid.UUID, 0, len(members))
	for _, m := range members {
		all = append(all, m.ID)
		var through time.Time
		switch r := rng.IntN(100); {
		case isAccount[m.ID] || r < 72: // paid ahead
			through = today.AddDate(0, 0, 1+rng.IntN(330))
		case r < 84: // lapsed: paid through long enough ago that grace is over
			through = today.AddDate(0, 0, -40-rng.IntN(400))
		case r < 90: // in grace: paid through a few days or weeks ago
			through = today.AddDate(0, 0, -1-rng.IntN(25))
		case r < 94 && waivers < 2 && m.Status == "active":
			waivers++
			if _, err := q.DuesInsertWaiver(ctx, postgres.DuesInsertWaiverParams{MemberID: m.ID,
				StartsOn: today.AddDate(0, -2, 0), ExpiresOn: today.AddDate(0, 10, 0),
				Reason: "hardship: dues waived by the chapter", GrantedBy: admin}); err != nil {
				return fmt.Errorf("demo: waiver: %w", err)
			}
			continue
		default: // never paid
			continue
		}
		credits.MemberIds = append(credits.MemberIds, m.ID)
		credits.PaidThroughs = append(credits.PaidThroughs, through)
	}
	if _, err := q.ImportUpsertLegacyCredits(ctx, credits); err != nil {
		return fmt.Errorf("demo: paid-through dates: %w", err)
	}
	return q.QueueStandingRecompute(ctx, all)
}

func seed(ctx context.Context, tx pgx.Tx, q *postgres.Queries, today time.Time) error {
	rng := rand.New(rand.NewPCG(2026, 11))
	founded := today.AddDate(-12, 0, 0)
	national, err := q.CreateChapter(ctx, postgres.CreateChapterParams{Kind: "national", Slug: "national",
		Name: "National Organization", CharteredOn: founded})
	if err != nil {
		return fmt.Errorf("demo: national body: %w", err)
	}
	ids := map[string]uuid.UUID{"national": national.ID}
	var members []postgres.CopyMembersParams
	var history []postgres.CopyStatusChangesParams
	used := map[string]bool{}
	add := func(chapter uuid.UUID, given, family, email string, joined time.Time, status string) uuid.UUID {
		id := uuid.New()
		members = append(members, postgres.CopyMembersParams{ID: id, ChapterID: chapter, GivenName: given,
			FamilyName: family, Email: email, Phone: fmt.Sprintf("+1 555 %04d", len(members)),
			PostalAddress: fmt.Sprintf("%d %s Street", 1+rng.IntN(400), familyNames[rng.IntN(len(familyNames))]),
			JoinedOn:      joined, Status: status})
		if status == "inactive" {
			history = append(history, postgres.CopyStatusChangesParams{MemberID: id, Status: "inactive",
				EffectiveOn: joined.AddDate(0, 6+rng.IntN(30), 0), Reason: "resigned"})
		}
		used[email] = true
		return id
	}
	for _, c := range chapters {
		ch, err := q.CreateChapter(ctx, postgres.CreateChapterParams{ParentID: uuid.NullUUID{UUID: national.ID, Valid: true},
			Kind: "chapter", Slug: c.slug, Name: c.name, CharteredOn: founded.AddDate(0, 1+rng.IntN(24), 0)})
		if err != nil {
			return fmt.Errorf("demo: chapter %s: %w", c.slug, err)
		}
		ids[c.slug] = ch.ID
		for range c.members {
			given := givenNames[rng.IntN(len(givenNames))]
			family := familyNames[rng.IntN(len(familyNames))]
			base := strings.ToLower(given + "." + strings.ReplaceAll(family, " ", ""))
			email := base + "@example.org"
			for i := 2; used[email]; i++ {
				email = fmt.Sprintf("%s%d@example.org", base, i)
			}
			joined := today.AddDate(0, 0, -rng.IntN(10*365))
			status := "active"
			if rng.IntN(10) == 0 && today.Sub(joined) > 3*365*24*time.Hour {
				status = "inactive"
			}
			add(ch.ID, given, family, email, joined, status)
		}
	}
	grants := []struct {
		account       int
		chapter, role string
	}{
		{0, "national", "admin"}, {1, "riverside", "secretary"}, {2, "northfield", "chair"},
		{3, "national", "treasurer"},
	}
	homes := []string{"riverside", "riverside", "northfield", "lakeshore", "riverside"}
	accountIDs := make([]uuid.UUID, len(Accounts()))
	for i, a := range Accounts() {
		given, family, _ := strings.Cut(a.Name, " ")
		accountIDs[i] = add(ids[homes[i]], given, family, a.Email, today.AddDate(-2, 0, -i*17), "active")
	}
	if _, err := q.CopyMembers(ctx, members); err != nil {
		return fmt.Errorf("demo: members: %w", err)
	}
	if _, err := q.CopyStatusChanges(ctx, history); err != nil {
		return fmt.Errorf("demo: status history: %w", err)
	}
	if err := duesFacts(ctx, q, rng, members, accountIDs, accountIDs[0], today); err != nil {
		return err
	}
	for _, g := range grants {
		if _, err := q.InsertRoleAssignment(ctx, postgres.InsertRoleAssignmentParams{MemberID: accountIDs[g.account],
			ChapterID: ids[g.chapter], Role: g.role, StartsOn: today.AddDate(-1, 0, 0)}); err != nil {
			return fmt.Errorf("demo: role %s: %w", g.role, err)
		}
	}
	return audit.Append(ctx, tx, time.Now(), audit.Entry{Action: "demo.seed", Entity: "organization", EntityID: national.ID.String(),
		Data: map[string]int{"chapters": len(chapters), "members": len(members)}})
}
