package dues_test

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

func mustJSON(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

// d parses a date (as d in the internal timeline tests).
func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// shuffled returns the events in a random order with about a fifth of them
// delivered twice.
func shuffled(events [][]byte, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := append([][]byte(nil), events...)
	for _, e := range events {
		if r.IntN(5) == 0 {
			out = append(out, e)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
