package apportion

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	got, err := ReadCSV(strings.NewReader("\ufeffPopulation,Name,notes\n270,Chapter A,x\n\n400, Chapter B ,\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Unit{{"Chapter A", 270}, {"Chapter B", 400}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "CSV is empty"},
		{"no population column", "name,members\nA,1\n", "line 1: header \"name,members\" must name the columns name and population"},
		{"repeated column", "name,population,name\n", "line 1: column \"name\" appears twice"},
		{"not a number", "name,population\nA,12\nB,1,000\n", "line 3: 3 column(s), the header has 2"},
		{"decimal", "name,population\nA,12.5\n", "line 2, column population: \"12.5\" is not a whole number"},
		{"negative", "name,population\nA,-3\n", "line 2, column population: -3 is negative"},
		{"empty name", "name,population\n,3\n", "line 2, column name: empty name"},
		{"duplicate", "name,population\nA,3\nA,4\n", "line 3, column name: \"A\" already on line 2"},
		{"short row", "name,population\nA\n", "line 2: 1 column(s), the header has 2"},
		{"bad quote", "name,population\n\"A,3\n", "line 2, column"},
		{"no rows", "name,population\n", "no units"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("name,population\nA,270\nB,400\nC,30\n", 5)
	f.Add("population,name\n1,x\n", 1)
	f.Add("name,population\n\"A,B\",3\n", 2)
	f.Fuzz(func(t *testing.T, in string, seats int) {
		units, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(units) == 0 {
			t.Fatal("no units and no error")
		}
		seats = 1 + abs(seats)%500
		for _, m := range []Method{DHondt, Webster, Adams, HuntingtonHill, Hamilton} {
			res, err := Apportion(m, units, Options{Seats: seats})
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("%s: error %v does not wrap ErrInvalid", m, err)
				}
				continue
			}
			sum := 0
			for _, s := range res.Seats {
				sum += s
			}
			if sum != seats {
				t.Fatalf("%s: %d seats given, want %d", m, sum, seats)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
