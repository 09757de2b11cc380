package blt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chapterhouse/chapterhouse/internal/conformance"
	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// conformanceDir returns ../shared/conformance/droop/blt relative to the
// module root, skipping the test when it is absent.
func conformanceDir(t testing.TB) string {
	t.Helper()
	return conformance.Dir(t, "droop", "blt")
}

func conformanceFiles(t testing.TB) []string {
	d := conformanceDir(t)
	var files []string
	err := filepath.WalkDir(d, func(path string, de os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".blt") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 49 {
		t.Fatalf("found %d conformance ballot files, want 49", len(files))
	}
	return files
}

func readFile(t testing.TB, path string) *File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func TestRoundTripConformanceFiles(t *testing.T) {
	for _, path := range conformanceFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := readFile(t, path)
			var buf bytes.Buffer
			if err := Write(&buf, f); err != nil {
				t.Fatalf("write: %v", err)
			}
			g, err := Read(&buf)
			if err != nil {
				t.Fatalf("read back: %v\n%s", err, buf.String())
			}
			if !reflect.DeepEqual(f, g) {
				t.Fatalf("round trip changed the file:\n got %+v\nwant %+v", g, f)
			}
		})
	}
}

func TestReadDroopFeatures(t *testing.T) {
	d := conformanceDir(t)
	tests := []struct {
		file  string
		check func(t *testing.T, f *File)
	}{
		{"42.blt", func(t *testing.T, f *File) {
			want := tally.Contest{
				Title: "Pollux and Helen should tie", Candidates: []string{"Castor", "Pollux", "Helen"}, Seats: 2,
				Ballots: []tally.Ballot{{Weight: 4, Ranks: [][]int{{0}, {1}}}, {Weight: 2, Ranks: [][]int{{2}}}},
			}
			if !reflect.DeepEqual(f.Contest, want) {
				t.Errorf("got %+v, want %+v", f.Contest, want)
			}
		}},
		{"42ubom.blt", func(t *testing.T, f *File) {
			if f.Contest.Candidates[0] != "Cåstor" || len(f.Contest.Ballots) != 2 {
				t.Errorf("BOM file read wrong: %+v", f.Contest)
			}
		}},
		{"42t.blt", func(t *testing.T, f *File) {
			if !reflect.DeepEqual(f.TieOrder, []int{2, 1, 0}) {
				t.Errorf("tie order %v", f.TieOrder)
			}
		}},
		{"SCw.blt", func(t *testing.T, f *File) {
			if !reflect.DeepEqual(f.Contest.Withdrawn, []int{3}) {
				t.Errorf("withdrawn %v", f.Contest.Withdrawn)
			}
		}},
		{"SCwopt.blt", func(t *testing.T, f *File) {
			if !reflect.DeepEqual(f.Contest.Withdrawn, []int{3}) {
				t.Errorf("withdrawn %v", f.Contest.Withdrawn)
			}
		}},
		{"meek/eq2.blt", func(t *testing.T, f *File) {
			if !reflect.DeepEqual(f.Nicknames, []string{"a", "b", "c", "d"}) {
				t.Errorf("nicknames %v", f.Nicknames)
			}
			want := [][]int{{0}, {1, 2}, {3}}
			if !reflect.DeepEqual(f.Contest.Ballots[0].Ranks, want) {
				t.Errorf("equal ranking read as %v, want %v", f.Contest.Ballots[0].Ranks, want)
			}
		}},
		{"cfer/dk2-3-2.blt", func(t *testing.T, f *File) {
			if !reflect.DeepEqual(f.Contest.Withdrawn, []int{2, 4}) || !strings.HasPrefix(f.Contest.Title, "Dave Kadlecek: #2") {
				t.Errorf("withdrawn %v title %q", f.Contest.Withdrawn, f.Contest.Title)
			}
		}},
		{"scotland/Canal-2007.blt", func(t *testing.T, f *File) {
			if f.Contest.Candidates[3] != "Ellen Hurcombe" || f.Contest.Candidates[10] != "Kieran Wild " {
				t.Errorf("names not read as Droop reads them: %q", f.Contest.Candidates)
			}
		}},
		{"mpls/tie.blt", func(t *testing.T, f *File) {
			want := []Option{{Name: "droop", Args: []string{"precision=5"}}}
			if !reflect.DeepEqual(f.Options, want) {
				t.Errorf("options %+v", f.Options)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) { tt.check(t, readFile(t, filepath.Join(d, tt.file))) })
	}
}

func TestReadBallotIDsAndComments(t *testing.T) {
	src := "\uFEFF# a comment\n3 1 /* inline\ncomment */\n(a 1) 1 2 0\n(b) 3 0 # trailing\n0\n\"A\" \"B #1\"\n\"C\"\n\"T\"\n"
	f, err := Read(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.BallotIDs, []string{"a 1", "b"}) || f.Contest.Candidates[1] != "B #1" || f.Contest.Ballots[1].Weight != 1 {
		t.Fatalf("got %+v", f)
	}
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	g, err := Read(&buf)
	if err != nil || !reflect.DeepEqual(f, g) {
		t.Fatalf("round trip: %v %+v", err, g)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "line 1"},
		{"bad header", "x 2\n0\n\"A\"\n\"T\"\n", "line 1: number of candidates"},
		{"one header number", "3\n", "line 1: header"},
		{"zero seats", "2 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 1: number of seats must be at least 1"},
		{"candidate out of range", "2 1\n1 3 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: candidate 3 is out of range 1..2"},
		{"missing ballot 0", "2 1\n1 1 2\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: ballot line does not end with 0"},
		{"missing 0 line", "2 1\n1 1 0\n\"A\"\n\"B\"\n\"T\"\n", "line 3: found quoted string"},
		{"no end", "2 1\n1 1 0\n", "ballots are not ended"},
		{"too few names", "3 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "missing the quoted title"},
		{"too many names", "2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"D\"\n\"E\"\n\"T\"\n", "line 9: more quoted strings"},
		{"missing title", "2 1\n1 1 0\n0\n\"A\"\n\"B\"\n", "line 5: missing the quoted title"},
		{"unquoted name", "2 1\n1 1 0\n0\nA\n\"B\"\n\"T\"\n", "line 4: expected the quoted name of candidate 1"},
		{"duplicate ranking", "2 1\n1 1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: candidate 1 is ranked twice"},
		{"bad weight", "2 1\n1.5 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: ballot weight"},
		{"negative weight", "2 1\n1 1 0\n-1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 3: ballot weight"},
		{"withdrawn out of range", "2 1\n-3\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: withdrawn candidate 3"},
		{"bad tie", "2 1\n[tie 1]\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: [tie] lists 1"},
		{"unknown nick", "2 1\n[nick a b]\n1 a c 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 3: \"c\" is neither"},
		{"unclosed quote", "2 1\n1 1 0\n0\n\"A\n\"B\"\n\"T\"\n", "line 4: quoted string is not closed"},
		{"unclosed option", "2 1\n[tie 1 2\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: option [tie is not closed"},
		{"mixed ids", "2 1\n(x) 1 0\n1 2 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 3: some ballots have ids"},
		{"duplicate id", "2 1\n(x) 1 0\n(x) 2 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 3: ballot id (x) already used"},
		{"bad equal", "2 1\n1 1= 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 2: malformed preference"},
		{"unclosed comment", "2 1 /* x\n", "comment /* is not closed"},
		{"weight overflow", "2 1\n9223372036854775807 1 0\n1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", "line 3: total ballot weight overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(tt.src))
			if err == nil {
				t.Fatalf("no error; got %+v", f)
			}
			if f != nil {
				t.Errorf("partial result returned with error")
			}
			if !errors.Is(err, tally.ErrInvalid) {
				t.Errorf("error %v does not wrap tally.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestWriteRejectsWhatItCannotExpress(t *testing.T) {
	base := tally.Contest{Title: "T", Candidates: []string{"A", "B"}, Seats: 1, Ballots: []tally.Ballot{{Weight: 1, Ranks: [][]int{{0}}}}}
	tests := []struct {
		name string
		edit func(f *File)
	}{
		{"quote in name", func(f *File) { f.Contest.Candidates[0] = `A"` }},
		{"empty rank", func(f *File) { f.Contest.Ballots[0].Ranks = [][]int{{}, {1}} }},
		{"repeated candidate", func(f *File) { f.Contest.Ballots[0].Ranks = [][]int{{0}, {0}} }},
		{"id with weight", func(f *File) { f.BallotIDs = []string{"x"}; f.Contest.Ballots[0].Weight = 2 }},
		{"bad tie order", func(f *File) { f.TieOrder = []int{0, 0} }},
		{"numeric nickname", func(f *File) { f.Nicknames = []string{"1", "b"} }},
		{"zero seats", func(f *File) { f.Contest.Seats = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &File{Contest: base}
			f.Contest.Candidates = append([]string(nil), base.Candidates...)
			f.Contest.Ballots = []tally.Ballot{{Weight: 1, Ranks: [][]int{{0}}}}
			tt.edit(f)
			var buf bytes.Buffer
			err := Write(&buf, f)
			if !errors.Is(err, tally.ErrInvalid) {
				t.Fatalf("got %v, want an error wrapping tally.ErrInvalid", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}
