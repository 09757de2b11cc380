package auth

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
)

// BenchmarkMemberByIdentity times the bearer path's database work: the
// member linked to an identity with the grants in force, in one read, 32 at
// a time.
func BenchmarkMemberByIdentity(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	id := f.member(b, f.north, "M", "bench@example.org")
	f.grant(b, id, f.north, RoleChair, -10, 0, true)
	q := postgres.New(f.pool)
	if _, err := q.AuthLinkIdentity(ctx, postgres.AuthLinkIdentityParams{Issuer: "test", Subject: "bench", MemberID: id}); err != nil {
		b.Fatal(err)
	}
	a := &Authenticator{q: q, log: slog.New(slog.DiscardHandler)}
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
}
