package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrim(t *testing.T) {
	file := filepath.Join(t.TempDir(), "generated.go")
	var src strings.Builder
	for _, r := range rules {
		src.WriteString("func a() {\n\t" + string(r.from) + "\n}\nfunc b() {\n\t" + string(r.from) + "\n}\n")
	}
	if err := os.WriteFile(file, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := trim(file); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	for _, r := range rules {
		if strings.Contains(string(got), string(r.from)) || strings.Count(string(got), string(r.to)) != 2 {
			t.Fatalf("%q not rewritten:\n%s", r.from, got)
		}
	}
	// A second run finds nothing left: an error, as after a gqlgen upgrade
	// that generates something else.
	if err := trim(file); err == nil || !strings.Contains(err.Error(), "to rewrite") {
		t.Fatalf("trim of trimmed code: %v", err)
	}
}
