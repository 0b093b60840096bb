package graph

import "testing"

// TestStatsFieldsAllHaveAPart: every field of RegionStats, and every
// sub-field of its grouped figures, says which statement computes it
// (statsParts), and the table names no field the schema lacks. A field
// added to the schema without a part would otherwise come back as zero.
func TestStatsFieldsAllHaveAPart(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	seen := map[string]bool{}
	for _, f := range schema.Types["RegionStats"].Fields {
		if !statsGroups[f.Name] {
			if _, ok := statsParts[f.Name]; !ok {
				t.Errorf("RegionStats.%s has no part in statsParts", f.Name)
			}
			seen[f.Name] = true
			continue
		}
		group := schema.Types[f.Type.Name()]
		for _, sub := range group.Fields {
			name := f.Name + "." + sub.Name
			if _, ok := statsParts[name]; !ok {
				t.Errorf("RegionStats.%s (%s) has no part in statsParts", name, group.Name)
			}
			seen[name] = true
		}
	}
	for name := range statsParts {
		if !seen[name] {
			t.Errorf("statsParts names %s, which RegionStats does not have", name)
		}
	}
	for g := range statsGroups {
		if schema.Types["RegionStats"].Fields.ForName(g) == nil {
			t.Errorf("statsGroups names %s, which RegionStats does not have", g)
		}
	}
}
