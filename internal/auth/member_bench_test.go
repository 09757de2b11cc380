package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// BenchmarkMemberByIdentity times the bearer path's database work: the
// member linked to an identity with the grants in force, 32 at a time,
// through the plain pool (custom plans, as postgres.Open configures it)
// and through genericRead.
func BenchmarkMemberByIdentity(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database()); END$$`); err != nil {
		b.Skip("cannot set plan_cache_mode on the test database: ", err)
	}
	f.pool.Reset() // new connections pick up the setting
	id := f.member(b, f.north, "M", "bench@example.org")
	f.grant(b, id, f.north, RoleChair, -10, 0, true)
	q := postgres.New(f.pool)
	if _, err := q.AuthLinkIdentity(ctx, postgres.AuthLinkIdentityParams{Issuer: "test", Subject: "bench", MemberID: id}); err != nil {
		b.Fatal(err)
	}
	for _, generic := range []bool{false, true} {
		b.Run(fmt.Sprintf("generic=%v", generic), func(b *testing.B) {
			a := &Authenticator{q: q, log: slog.New(slog.DiscardHandler)}
			if generic {
				a.pool = f.pool
			}
			var wg sync.WaitGroup
			per := b.N/32 + 1
			b.ResetTimer()
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						if _, err := a.memberByIdentity(ctx, "test", "bench"); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
