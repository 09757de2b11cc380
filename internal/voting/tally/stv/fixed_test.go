package stv

import (
	"math"
	"testing"
)

func TestFixedMulDivRounding(t *testing.T) {
	f := newFixed(4)
	tests := []struct {
		name    string
		x, y, z int64
		up      bool
		want    int64
	}{
		{"exact", 6, 10, 3, false, 20},
		{"truncate", 2499, 1, 1001, false, 2},
		{"round up", 2499, 1, 1001, true, 3},
		{"no round when exact", 10, 10, 5, true, 20},
		{"128-bit intermediate", 1_000_000_000_000_000, 1_000_000_000, 1_000_000_000, false, 1_000_000_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.mulDiv(tt.x, tt.y, tt.z, tt.up); got != tt.want {
				t.Errorf("mulDiv(%d,%d,%d,%v) = %d, want %d", tt.x, tt.y, tt.z, tt.up, got, tt.want)
			}
			if f.err != nil {
				t.Fatalf("unexpected overflow")
			}
		})
	}
}

func TestFixedOverflowIsReported(t *testing.T) {
	f := newFixed(9)
	f.mulDiv(math.MaxInt64, math.MaxInt64, 1, false)
	if f.err == nil {
		t.Fatal("overflow not reported")
	}
	g := newFixed(9)
	g.add(math.MaxInt64, 1)
	if g.err == nil {
		t.Fatal("add overflow not reported")
	}
}

func TestFormatFixed(t *testing.T) {
	tests := []struct {
		v    int64
		prec int
		want string
	}{
		{0, 5, "0.00000"}, {300000, 5, "3.00000"}, {1, 9, "0.000000001"},
		{20001, 4, "2.0001"}, {-5, 2, "-0.05"}, {7, 0, "7"},
	}
	for _, tt := range tests {
		if got := formatFixed(tt.v, tt.prec); got != tt.want {
			t.Errorf("formatFixed(%d,%d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
}
