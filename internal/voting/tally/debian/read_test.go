package debian

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/conformance"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// conformanceDir returns ../shared/conformance relative to the module root,
// skipping the test when it is absent.
func conformanceDir(t testing.TB) string {
	t.Helper()
	return conformance.Dir(t)
}

type expectedSheet struct {
	Options        []string `json:"options"`
	Ballots        int64    `json:"ballots"`
	OfficialWinner string   `json:"official_winner"`
	Pairwise       struct {
		Rows [][]int64 `json:"rows_prefer_over_columns"`
	} `json:"pairwise_computed_here"`
}

// expectedRanking reads the full ranking the conformance README states for
// the Debian case, "(A > B > C > D)".
func expectedRanking(t *testing.T, conf string) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(conf, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## debian/"); i >= 0 {
		section = section[i:]
	}
	m := regexp.MustCompile(`\(([^()]+(?:>[^()]+)+)\)`).FindStringSubmatch(strings.ReplaceAll(section, "\n", " "))
	if m == nil {
		t.Fatal("README states no ranking for the Debian case")
	}
	var out []string
	for _, name := range strings.Split(m[1], ">") {
		out = append(out, strings.TrimSpace(name))
	}
	return out
}

func TestDPL2020Conformance(t *testing.T) {
	conf := conformanceDir(t)
	raw, err := os.ReadFile(filepath.Join(conf, "debian", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]expectedSheet
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	want, ok := exp["dpl2020_tally.txt"]
	if !ok {
		t.Fatal("expected.json has no dpl2020_tally.txt record")
	}
	f, err := os.Open(filepath.Join(conf, "debian", "dpl2020_tally.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Candidates, want.Options) {
		t.Fatalf("options = %q, want %q", c.Candidates, want.Options)
	}
	if got := c.TotalWeight(); got != want.Ballots {
		t.Fatalf("ballots = %d, want %d", got, want.Ballots)
	}
	d, err := tally.Pairwise(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, want.Pairwise.Rows) {
		t.Fatalf("pairwise matrix\n got %v\nwant %v", d, want.Pairwise.Rows)
	}
	res, err := tally.Schulze(c, tally.SchulzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Elected) != 1 || res.Elected[0] != want.OfficialWinner {
		t.Fatalf("elected %q, want the official winner %q", res.Elected, want.OfficialWinner)
	}
	if ranking := expectedRanking(t, conf); !reflect.DeepEqual(res.Ranking, ranking) {
		t.Fatalf("ranking %q, want %q", res.Ranking, ranking)
	}
	if len(res.TieBreaks) != 0 {
		t.Fatalf("unexpected tie-breaks %v", res.TieBreaks)
	}
}

const legend = `header text
     Option 1----->: Alpha
   /  Option 2---->: Beta
   |/  Option 3--->: Gamma
   ||/
`

func TestReadRanksAndTies(t *testing.T) {
	c, err := Read(strings.NewReader(legend + "V: 1-2 aa\nV: 11- bb\r\nV: 3-1 cc\nV: --- dd\n\nV: 1-2 ee\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []tally.Ballot{
		{Weight: 1, Ranks: nil},
		{Weight: 2, Ranks: [][]int{{0}, {2}}},
		{Weight: 1, Ranks: [][]int{{0, 1}}},
		{Weight: 1, Ranks: [][]int{{2}, nil, {0}}},
	}
	if !reflect.DeepEqual(c.Ballots, want) {
		t.Fatalf("ballots %#v\nwant %#v", c.Ballots, want)
	}
	if c.Seats != 1 || len(c.Candidates) != 3 || c.Candidates[2] != "Gamma" {
		t.Fatalf("contest %+v", c)
	}
}

func TestReadErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"short vote", legend + "V: 12 x\n", "line 6: vote \"12\" has 2 characters, want one per option (3)"},
		{"bad char", legend + "V: 1-2 x\nV: 1x2 y\n", "line 7: vote \"1x2\": character \"x\" for option 2"},
		{"zero rank", legend + "V: 0-- y\n", "line 6: vote \"0--\": character \"0\""},
		{"dup token", legend + "V: 1-2 x\nV: 2-1 x\n", "line 7: token x already voted on line 6"},
		{"vote first", "V: 12\n" + legend, "line 1: vote before any option legend"},
		{"legend order", "Option 1--->: A\nOption 3--->: C\n", "line 2: option 3 out of order, want option 2"},
		{"junk among votes", legend + "V: 1-2 x\nhello\n", "line 7: unexpected text among the votes"},
		{"no legend", "nothing here\n", "no option legend"},
		{"no votes", legend, "no votes"},
		{"too many fields", legend + "V: 1-2 x y\n", "line 6: want"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tally.ErrInvalid) {
				t.Fatalf("error %v does not wrap tally.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestLooks(t *testing.T) {
	if !Looks([]byte(legend + "V: 1-2 x\n")) {
		t.Fatal("tally sheet not recognised")
	}
	if Looks([]byte("3 1\n1 1 2 0\n0\n\"A\"\n")) {
		t.Fatal("BLT taken for a tally sheet")
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(legend + "V: 1-2 aa\nV: 11- bb\n"))
	f.Add([]byte(legend + "V: 3-1\n"))
	f.Add([]byte("Option 1->: A\nV: 1 x\nV: - y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read(strings.NewReader(string(data)))
		if err != nil {
			if !errors.Is(err, tally.ErrInvalid) {
				t.Fatalf("error %v does not wrap tally.ErrInvalid", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Read returned an invalid contest: %v", err)
		}
		if _, err := tally.Schulze(c, tally.SchulzeOptions{Seed: new(int64)}); err != nil {
			t.Fatalf("Schulze failed on a read contest: %v", err)
		}
	})
}
