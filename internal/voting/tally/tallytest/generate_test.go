package tallytest

import (
	"reflect"
	"testing"
)

func TestGenerateIsReproducibleAndComplete(t *testing.T) {
	a := Generate(7, 20000, 12, 5)
	b := Generate(7, 20000, 12, 5)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different contests")
	}
	if got := a.TotalWeight(); got != 20000 {
		t.Fatalf("total weight = %d, want 20000", got)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(a.Ballots) >= 20000 || len(a.Ballots) < 100 {
		t.Fatalf("distinct rankings = %d: grouping or preference structure is off", len(a.Ballots))
	}
	c := Generate(8, 20000, 12, 5)
	if reflect.DeepEqual(a.Ballots, c.Ballots) {
		t.Fatal("different seeds gave the same ballots")
	}
}
