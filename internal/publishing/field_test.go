package publishing

import (
	"reflect"
	"strings"
	"testing"
)

// TestFieldMatchesTheDBTags: the feeds' scan by column name (field) points
// each column at the field sqlx would fill, for every column of every kind,
// and knows no column the struct lacks.
func TestFieldMatchesTheDBTags(t *testing.T) {
	check := func(name string, v any, field func(string) any, columns string) {
		tags := map[string]any{}
		var walk func(reflect.Value)
		walk = func(s reflect.Value) {
			for i := range s.NumField() {
				f := s.Type().Field(i)
				if f.Anonymous {
					walk(s.Field(i))
				} else if tag := f.Tag.Get("db"); tag != "" {
					tags[tag] = s.Field(i).Addr().Interface()
				}
			}
		}
		walk(reflect.ValueOf(v).Elem())
		for tag, want := range tags {
			if got := field(tag); got != want {
				t.Errorf("%s: column %q scans into %T %p, not the field tagged with it (%p)", name, tag, got, got, want)
			}
		}
		for _, col := range strings.Split(columns, ",") {
			if col = strings.TrimSpace(col); field(col) == nil {
				t.Errorf("%s: the column %q of its statements has no field", name, col)
			}
		}
		if field("no_such_column") != nil {
			t.Errorf("%s: an unknown column has a field", name)
		}
	}
	p := &Post{}
	check("Post", p, p.field, postColumns)
	s := &Showcase{}
	check("Showcase", s, s.field, showcaseColumns)
}
