// Package rostergen writes realistic roster CSV files in the import format of
// package membership, for benchmarks, tests and load tests: plausible names
// (some with accents, apostrophes and spaces), unique emails, join dates
// spread over twenty years, phone numbers, postal addresses with commas (so
// CSV quoting is exercised), external ids for most rows, a few inactive
// members, and rows spread unevenly over a set of chapters by slug.
//
// Output is deterministic: the same Options give the same bytes.
package rostergen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Header is the header row Write emits, in the import format's column order.
var Header = []string{"email", "given_name", "family_name", "phone", "postal_address", "joined_on", "external_id", "status", "chapter"}

// Options describe a roster file.
type Options struct {
	// Seed picks the random sequence; the same seed gives the same file.
	Seed uint64
	// Rows is the number of data rows (the header is extra).
	Rows int
	// Today is the latest join date; rows join over the twenty years
	// before it. The zero value means 2026-01-01, so files do not change
	// with the calendar.
	Today time.Time
	// Chapters are the chapter slugs rows are spread over, unevenly (a
	// few large chapters, many small ones), as real organizations are.
	// Empty leaves the chapter column blank, so every row goes to the
	// chapter the file is imported into.
	Chapters []string
	// NoExternalIDShare is the share of rows, in percent, without an
	// external id; the others get a unique one. Zero means 10; use a
	// negative value for none without.
	NoExternalIDShare int
	// BadRows lists file rows (the header is row 1, the first data row 2)
	// to spoil with one invalid field each, cycling through the kinds of
	// mistake in BadKinds. Rows outside the file are ignored.
	BadRows []int
}

// BadKinds names, in order, the column BadRows spoils for the i-th bad row
// (i modulo len(BadKinds)): an address without @, a join date in the future,
// a blank given name, an unknown chapter slug, and a status that is neither
// active nor inactive.
var BadKinds = []string{"email", "joined_on", "given_name", "chapter", "status"}

// ChapterSlugs returns n chapter slugs, "chapter-01" onwards, for files and
// the chapters a test charters before importing them.
func ChapterSlugs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("chapter-%02d", i+1)
	}
	return out
}

// Stats summarises a generated file, so tests can check an import against
// what was written.
type Stats struct {
	Rows       int
	Inactive   int
	ExternalID int
	// PerChapter counts rows by chapter slug ("" when Chapters is empty).
	PerChapter map[string]int
}

// Write writes the header and o.Rows rows to w and returns what it wrote.
// It returns an error only when w fails or o.Rows is negative.
func Write(w io.Writer, o Options) (Stats, error) {
	if o.Rows < 0 {
		return Stats{}, fmt.Errorf("rostergen: negative row count %d", o.Rows)
	}
	today := o.Today
	if today.IsZero() {
		today = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	noExt := o.NoExternalIDShare
	if noExt == 0 {
		noExt = 10
	}
	bad := make(map[int]string, len(o.BadRows))
	for i, r := range o.BadRows {
		bad[r] = BadKinds[i%len(BadKinds)]
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x726f73746572))
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(Header); err != nil {
		return Stats{}, err
	}
	st := Stats{Rows: o.Rows, PerChapter: map[string]int{}}
	weights := chapterWeights(len(o.Chapters))
	// External ids are a shuffled range, so they are unique but not in
	// file order, like ids exported from another system.
	extBase := 100000 + rng.IntN(100000)
	perm := rng.Perm(max(o.Rows, 1))
	seen := make(map[string]int, o.Rows)
	rec := make([]string, len(Header))
	span := 20 * 365
	for i := range o.Rows {
		given := givenNames[rng.IntN(len(givenNames))]
		family := familyNames[rng.IntN(len(familyNames))]
		local := emailLocal(given, family, rng)
		domain := domains[rng.IntN(len(domains))]
		email := local + "@" + domain
		if n := seen[email]; n > 0 {
			seen[email] = n + 1
			email = local + strconv.Itoa(n+1) + "@" + domain
		} else {
			seen[email] = 1
		}
		// Recent years have more joiners: the square of a uniform number
		// puts more mass near zero days ago.
		u := rng.Float64()
		joined := today.AddDate(0, 0, -int(u*u*float64(span)))
		ext := ""
		if rng.IntN(100) >= noExt {
			ext = fmt.Sprintf("M%08d", extBase+perm[i]*7)
			st.ExternalID++
		}
		status := "active"
		if rng.IntN(100) < 8 {
			status = "inactive"
			st.Inactive++
		}
		chapter := ""
		if len(o.Chapters) > 0 {
			chapter = o.Chapters[pick(weights, rng)]
		}
		st.PerChapter[chapter]++
		rec[0] = email
		rec[1] = given
		rec[2] = family
		rec[3] = fmt.Sprintf("+1 %03d %03d %04d", 200+rng.IntN(800), 200+rng.IntN(800), rng.IntN(10000))
		rec[4] = fmt.Sprintf("%d %s %s, %s, %s %05d", 1+rng.IntN(9999), streets[rng.IntN(len(streets))],
			streetKinds[rng.IntN(len(streetKinds))], towns[rng.IntN(len(towns))], states[rng.IntN(len(states))], rng.IntN(100000))
		rec[5] = joined.Format(time.DateOnly)
		rec[6] = ext
		rec[7] = status
		rec[8] = chapter
		switch bad[i+2] {
		case "email":
			rec[0] = strings.Replace(email, "@", " at ", 1)
		case "joined_on":
			rec[5] = today.AddDate(0, 0, 30).Format(time.DateOnly)
		case "given_name":
			rec[1] = "  "
		case "chapter":
			rec[8] = "no-such-chapter"
		case "status":
			rec[7] = "lapsed"
		}
		if err := cw.Write(rec); err != nil {
			return Stats{}, err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return Stats{}, err
	}
	return st, bw.Flush()
}

// emailLocal makes the part before @ from a name, as people choose them:
// given.family, g.family, givenfamily, or given_family plus a birth year.
func emailLocal(given, family string, rng *rand.Rand) string {
	g, f := asciiLower(given), asciiLower(family)
	switch rng.IntN(4) {
	case 0:
		return g + "." + f
	case 1:
		return g[:1] + "." + f
	case 2:
		return g + f
	default:
		return g + "_" + f + strconv.Itoa(1950+rng.IntN(55))
	}
}

// asciiLower lower-cases s, folds the accented letters the name lists use
// and drops everything but letters, as an email local part would.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r > 127:
			if f, ok := fold[r]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

var fold = map[rune]string{'á': "a", 'à': "a", 'ä': "a", 'å': "a", 'ã': "a", 'é': "e", 'è': "e", 'ë': "e", 'í': "i",
	'ï': "i", 'ó': "o", 'ö': "o", 'ø': "o", 'ô': "o", 'ú': "u", 'ü': "u", 'ñ': "n", 'ç': "c", 'ş': "s", 'ł': "l", 'ß': "ss"}

// chapterWeights gives chapter i a weight proportional to 1/(i+5): a few
// big chapters and a long tail, none empty for realistic sizes.
func chapterWeights(n int) []float64 {
	cum := make([]float64, n)
	total := 0.0
	for i := range n {
		total += 1 / float64(i+5)
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	return cum
}

func pick(cum []float64, rng *rand.Rand) int {
	u := rng.Float64()
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
