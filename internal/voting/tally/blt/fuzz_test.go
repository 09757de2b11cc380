package blt

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzRead checks that Read never panics and that whatever it accepts
// writes and reads back to the same File.
func FuzzRead(f *testing.F) {
	for _, path := range conformanceFiles(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("2 1\n[nick a b]\n(id 1) a=b 0\n0\n\"A\"\n\"B\"\n\"T\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			if file != nil {
				t.Fatal("partial result with error")
			}
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, file); err != nil {
			return // e.g. a file whose contest has 0 candidates; still no panic
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("written file does not read back: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(file, again) {
			t.Fatalf("round trip changed the file:\n%+v\n%+v", file, again)
		}
	})
}
