package region

import (
	"fmt"
	"slices"
	"testing"
)

// The prefix of each level is as long as that level's codes, and the
// groups come in the tree's order whatever the codes' order.
func TestSubtreeMatchAndGroupByLevel(t *testing.T) {
	codes := []string{"64.02.06.1001", "64.02", "64", "64.02.06", "11.01", "11"}
	groups, err := GroupByLevel(codes, "regionCode")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%s %v: %s", g.Level, g.Codes, SubtreeMatch("p.region_code", "k.key", g.Level)))
		for _, c := range g.Codes {
			if l, _ := LevelOf(c); l != g.Level {
				t.Errorf("%s grouped under %s", c, g.Level)
			}
		}
	}
	want := []string{
		"PROVINCE [64 11]: left(p.region_code, 2) = k.key",
		"REGENCY [64.02 11.01]: left(p.region_code, 5) = k.key",
		"DISTRICT [64.02.06]: left(p.region_code, 8) = k.key",
		"VILLAGE [64.02.06.1001]: p.region_code = k.key",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	if _, err := GroupByLevel([]string{"64", "64.2"}, "regionCode"); err == nil {
		t.Fatal("a malformed code was grouped")
	}
}
