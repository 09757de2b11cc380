package stv

import (
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

func benchmarkRule(b *testing.B, rule Rule) {
	c := tallytest.Generate(1, 1_000_000, 12, 5)
	seed := int64(1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Count(c, rule, Options{Seed: &seed}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScottish1M(b *testing.B) { benchmarkRule(b, Scottish) }

func BenchmarkMeekPRF1M(b *testing.B) { benchmarkRule(b, MeekPRF) }

func BenchmarkWIGMPRF1M(b *testing.B) { benchmarkRule(b, WIGMPRF) }
