package region

import (
	"reflect"
	"testing"
)

func TestLevelOf(t *testing.T) {
	good := map[string]Level{"64": Province, "64.02": Regency, "64.02.01": District, "64.02.01.2001": Village, "11.71.01.1001": Village}
	for code, want := range good {
		if got, err := LevelOf(code); err != nil || got != want {
			t.Errorf("LevelOf(%q) = %v, %v; want %v", code, got, err, want)
		}
	}
	for _, bad := range []string{"", "6", "640", "64.2", "64.02.01.201", "64.02.01.2001.01", "64..02", "6a", "64.02.", ".64", " 64", "64.02.01.20011"} {
		if _, err := LevelOf(bad); err == nil {
			t.Errorf("LevelOf(%q): want an error", bad)
		}
	}
}

func TestTree(t *testing.T) {
	if got := ParentOf("64.02.01.2001"); got != "64.02.01" {
		t.Errorf("ParentOf = %q", got)
	}
	if got := ParentOf("64"); got != "" {
		t.Errorf("ParentOf(province) = %q", got)
	}
	if got := AncestorsOf("64.02.01.2001"); !reflect.DeepEqual(got, []string{"64", "64.02", "64.02.01"}) {
		t.Errorf("AncestorsOf = %v", got)
	}
	if got := AncestorsOf("64"); len(got) != 0 {
		t.Errorf("AncestorsOf(province) = %v", got)
	}
	for _, c := range []struct {
		code, root string
		in         bool
	}{
		{"64.02", "64.02", true},
		{"64.02.01.2001", "64.02", true},
		{"64.02.01", "64", true},
		{"64.01", "64.02", false},
		{"64.021", "64.02", false}, // a prefix of the text, not of the tree
		{"64", "64.02", false},
		{"65.02", "64", false},
	} {
		if got := InSubtree(c.code, c.root); got != c.in {
			t.Errorf("InSubtree(%q, %q) = %v", c.code, c.root, got)
		}
	}
}
