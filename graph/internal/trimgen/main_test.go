package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrim(t *testing.T) {
	file := filepath.Join(t.TempDir(), "generated.go")
	src := "func a() {\n\t" + string(from) + "\n}\nfunc b() {\n\t" + string(from) + "\n}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := trim(file); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	if strings.Contains(string(got), string(from)) || strings.Count(string(got), string(to)) != 2 {
		t.Fatalf("not trimmed:\n%s", got)
	}
	// A second run finds nothing left: an error, as after a gqlgen upgrade
	// that generates something else.
	if err := trim(file); err == nil || !strings.Contains(err.Error(), "to trim") {
		t.Fatalf("trim of trimmed code: %v", err)
	}
}
