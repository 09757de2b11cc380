package rctab

import (
	"slices"
	"unicode/utf16"
)

// This file reproduces the few pieces of the Java runtime whose behaviour
// shows in RCTab's output: java.util.Random (random tie-breaks and the
// generated permutation), Collections.shuffle, String.hashCode and the
// iteration order of java.util.HashMap / HashSet (RCTab lists a round's
// elected and eliminated candidates in HashMap order).

// javaRandom is java.util.Random: a 48-bit linear congruential generator
// (documented in the Java API specification of java.util.Random).
type javaRandom struct{ seed int64 }

const (
	jrMultiplier = 0x5DEECE66D
	jrAddend     = 0xB
	jrMask       = (int64(1) << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ jrMultiplier) & jrMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*jrMultiplier + jrAddend) & jrMask
	return int32(uint64(r.seed) >> (48 - bits))
}

// nextInt is Random.nextInt(bound) for bound > 0.
func (r *javaRandom) nextInt(bound int32) int32 {
	if bound&(-bound) == bound {
		return int32((int64(bound) * int64(r.next(31))) >> 31)
	}
	for {
		bits := r.next(31)
		val := bits % bound
		if bits-val+(bound-1) >= 0 { // int32 overflow test, as in Java
			return val
		}
	}
}

// nextDoubleIndex returns (int) Math.floor(nextDouble() * n), as RCTab's
// random tie-break computes it. The float arithmetic is Java's IEEE double
// arithmetic reproduced bit for bit; it picks an index, never a vote figure.
func (r *javaRandom) nextDoubleIndex(n int) int {
	hi := int64(r.next(26))
	lo := int64(r.next(27))
	d := float64(hi<<27+lo) * (1.0 / float64(int64(1)<<53))
	i := int(d * float64(n))
	if i >= n { // cannot happen with IEEE doubles; kept as a guard
		i = n - 1
	}
	return i
}

// javaShuffle is Collections.shuffle(list, rnd) for a random-access list.
func javaShuffle[T any](list []T, r *javaRandom) {
	for i := len(list); i > 1; i-- {
		j := r.nextInt(int32(i))
		list[i-1], list[j] = list[j], list[i-1]
	}
}

// javaStringHash is String.hashCode over UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// javaCompareStrings is String.compareTo: lexicographic over UTF-16 code
// units.
func javaCompareStrings(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// javaHashOrder returns keys (given in insertion order, no duplicates) in the
// order a java.util.HashMap with the given table capacity iterates them:
// by bucket, then by insertion order within a bucket.
func javaHashOrder(keys []string, capacity int) []string {
	type kb struct {
		k   string
		b   int
		pos int
	}
	items := make([]kb, len(keys))
	for i, k := range keys {
		h := uint32(javaStringHash(k))
		h ^= h >> 16
		items[i] = kb{k: k, b: int(h & uint32(capacity-1)), pos: i}
	}
	slices.SortStableFunc(items, func(a, b kb) int { return a.b - b.b })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.k
	}
	return out
}

// hashMapCapacity is the table size of a HashMap built with the default
// constructor after n puts (load factor 0.75, initial 16).
func hashMapCapacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// hashSetCopyCapacity is the table size of new HashSet<>(collection of n).
func hashSetCopyCapacity(n int) int {
	want := max(int(float32(n)/0.75)+1, 16)
	c := 1
	for c < want {
		c *= 2
	}
	return c
}
