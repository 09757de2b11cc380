package count

import (
	"errors"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally/tallytest"
)

func TestCountEveryMethod(t *testing.T) {
	c := tallytest.Generate(3, 2000, 6, 2)
	seed := int64(1)
	for _, m := range Methods() {
		t.Run(m, func(t *testing.T) {
			res, err := Count(m, c, Options{Seed: &seed})
			if err != nil {
				t.Fatal(err)
			}
			if res.Method != m {
				t.Fatalf("method %q, want %q", res.Method, m)
			}
			if len(res.Elected) == 0 || len(res.Elected) > 2 {
				t.Fatalf("elected %v for 2 seats", res.Elected)
			}
			if !Known(m) {
				t.Fatal("Known disagrees with Methods")
			}
		})
	}
}

func TestCountUnknownMethod(t *testing.T) {
	_, err := Count("borda", tallytest.Generate(1, 10, 3, 1), Options{})
	if !errors.Is(err, tally.ErrInvalid) || !strings.Contains(err.Error(), "schulze") {
		t.Fatalf("err = %v", err)
	}
}
