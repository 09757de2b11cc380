package apigen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedServerMatchesSpec fails when apigen.gen.go differs from what
// oapi-codegen generates from openapi/openapi.yaml.
func TestGeneratedServerMatchesSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs oapi-codegen; skipped with -short")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "apigen.gen.go")
	cfg, err := os.ReadFile("../../../openapi/oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The same configuration, writing to a scratch file instead.
	cfg = bytes.Replace(cfg, []byte("output: ../internal/api/apigen/apigen.gen.go"), []byte("output: "+out), 1)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", cfgPath, "openapi.yaml")
	cmd.Dir = "../../../openapi"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("apigen.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("apigen.gen.go differs from what oapi-codegen makes of openapi/openapi.yaml: run `go generate ./...`")
	}
}
