package relay

import (
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/apperr"
)

func ptr[T any](v T) *T { return &v }

func TestNewPageValidation(t *testing.T) {
	good := Cursor("region", "64.02")
	tests := []struct {
		name  string
		args  Args
		field string // "" when valid
	}{
		{"default", Args{}, ""},
		{"first", Args{First: ptr(5)}, ""},
		{"first zero", Args{First: ptr(0)}, ""},
		{"first max", Args{First: ptr(MaxPageSize)}, ""},
		{"first too large", Args{First: ptr(MaxPageSize + 1)}, "first"},
		{"first negative", Args{First: ptr(-1)}, "first"},
		{"last too large", Args{Last: ptr(101)}, "last"},
		{"first and last", Args{First: ptr(1), Last: ptr(1)}, "first"},
		{"after and before", Args{After: &good, Before: &good}, "after"},
		{"first with before", Args{First: ptr(1), Before: &good}, "before"},
		{"last with after", Args{Last: ptr(1), After: &good}, "after"},
		{"garbage after", Args{After: ptr("not a cursor!")}, "after"},
		{"garbage before", Args{Before: ptr("bm9wZQ")}, "before"},
		{"cursor of another kind", Args{After: ptr(Cursor("post", "64.02"))}, "after"},
		{"good after", Args{First: ptr(2), After: &good}, ""},
		{"good before", Args{Last: ptr(2), Before: &good}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPage("region", tt.args)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.BadUserInput || e.Field != tt.field {
				t.Fatalf("want BAD_USER_INPUT on %s, got %v", tt.field, err)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor("post", 0.75, "a:b", 42)
	p, err := NewPage("post", Args{After: &c})
	if err != nil {
		t.Fatal(err)
	}
	var rank float64
	var s string
	var n int
	if err := p.Cursor(&rank, &s, &n); err != nil {
		t.Fatal(err)
	}
	if rank != 0.75 || s != "a:b" || n != 42 {
		t.Fatalf("got %v %q %v", rank, s, n)
	}
	if err := p.Cursor(&s); err == nil {
		t.Fatal("decoding a 3-part key into 1 part should fail")
	}
	if strings.ContainsAny(c, "+/=") {
		t.Fatalf("cursor %q is not URL-safe", c)
	}
}

func TestBuild(t *testing.T) {
	id := func(s string) string { return s }
	t.Run("forward with more", func(t *testing.T) {
		p, _ := NewPage("x", Args{First: ptr(2)})
		c := Build(p, []string{"a", "b", "c"}, id)
		if got := strings.Join(c.Nodes(), ""); got != "ab" {
			t.Fatalf("nodes %q", got)
		}
		if !c.PageInfo.HasNextPage || c.PageInfo.HasPreviousPage {
			t.Fatalf("pageInfo %+v", c.PageInfo)
		}
		if *c.PageInfo.StartCursor() != "a" || *c.PageInfo.EndCursor() != "b" {
			t.Fatalf("cursors %v %v", *c.PageInfo.StartCursor(), *c.PageInfo.EndCursor())
		}
	})
	t.Run("forward last page after a cursor", func(t *testing.T) {
		after := Cursor("x", "b")
		p, _ := NewPage("x", Args{First: ptr(2), After: &after})
		c := Build(p, []string{"c"}, id)
		if c.PageInfo.HasNextPage || !c.PageInfo.HasPreviousPage {
			t.Fatalf("pageInfo %+v", c.PageInfo)
		}
	})
	t.Run("backward restores order", func(t *testing.T) {
		before := Cursor("x", "d")
		p, _ := NewPage("x", Args{Last: ptr(2), Before: &before})
		// the store returns descending order, one extra row
		c := Build(p, []string{"c", "b", "a"}, id)
		if got := strings.Join(c.Nodes(), ""); got != "bc" {
			t.Fatalf("nodes %q", got)
		}
		if !c.PageInfo.HasPreviousPage || !c.PageInfo.HasNextPage {
			t.Fatalf("pageInfo %+v", c.PageInfo)
		}
	})
	t.Run("empty page", func(t *testing.T) {
		p, _ := NewPage("x", Args{First: ptr(0)})
		c := Build(p, []string{"a"}, id)
		if len(c.Edges) != 0 || !c.PageInfo.HasNextPage || c.PageInfo.StartCursor() != nil || c.PageInfo.EndCursor() != nil {
			t.Fatalf("got %+v", c)
		}
	})
}

func TestArgsKeyRoundTrip(t *testing.T) {
	a := Args{First: ptr(3), After: ptr("c")}
	b := a.Key().Args()
	if *b.First != 3 || *b.After != "c" || b.Last != nil || b.Before != nil {
		t.Fatalf("got %+v", b)
	}
	if a.Key() != (Args{First: ptr(3), After: ptr("c")}).Key() {
		t.Fatal("equal args must give equal keys")
	}
	if a.Key() == (Args{First: ptr(3)}).Key() {
		t.Fatal("different args must give different keys")
	}
}

func TestGlobalID(t *testing.T) {
	id := ID("Region", "64.02")
	typ, key, err := ParseID(id)
	if err != nil || typ != "Region" || key != "64.02" {
		t.Fatalf("got %q %q %v", typ, key, err)
	}
	for _, bad := range []string{"", "!!", ID("", "x"), ID("Region", ""), "UmVnaW9u"} {
		if _, _, err := ParseID(bad); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("ParseID(%q): want BAD_USER_INPUT, got %v", bad, err)
		}
	}
}
