package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestHelpListsEveryCommandAndVariable keeps `chapterhouse help` and the
// README's configuration table in step with the code.
func TestHelpListsEveryCommandAndVariable(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"help"}, func(string) string { return "" }, nil, &out, &out); code != 0 {
		t.Fatalf("help exit %d", code)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range commands() {
		if !strings.Contains(out.String(), "  "+name+" ") {
			t.Errorf("help does not list command %s", name)
		}
		if !strings.Contains(string(readme), "chapterhouse "+name) {
			t.Errorf("README does not mention `chapterhouse %s`", name)
		}
	}
	for _, v := range envVars {
		if !strings.Contains(out.String(), v[0]) {
			t.Errorf("help does not list %s", v[0])
		}
		if !strings.Contains(string(readme), "`"+v[0]+"`") {
			t.Errorf("README's configuration table lacks %s", v[0])
		}
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d, %q", code, errOut.String())
	}
}
