package audit_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/testenv"
)

// TestListOfAQuietRegionReadsItsOwnEntries: a region's audit list is planned
// for its code (the plan made once for all codes walks the whole trail for
// a region without entries), and so planned, a quiet region's entries are
// read from the index of codes.
func TestListOfAQuietRegionReadsItsOwnEntries(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	db.MustExec(`INSERT INTO regions (code, name, level, parent_code) VALUES ('12', 'Sumatera Utara', 'PROVINCE', NULL),
		('12.01', 'Tapanuli Tengah', 'REGENCY', '12'), ('91', 'Papua Barat', 'PROVINCE', NULL), ('91.01', 'Fakfak', 'REGENCY', '91')`)
	db.MustExec(`INSERT INTO audit_entries (action, target_type, target_id, region_code)
		SELECT 'post.create', 'Post', g::text, '12.01' FROM generate_series(1, 5000) g`)
	db.MustExec(`INSERT INTO audit_entries (action, target_type, target_id, region_code)
		VALUES ('post.create', 'Post', 'a', '91.01'), ('post.publish', 'Post', 'a', '91.01')`)
	db.MustExec(`ANALYZE audit_entries`)

	counting, st := testenv.CountingDB(t)
	store := &audit.Store{DB: counting}
	page, err := relay.NewPage(audit.CursorKind, relay.Args{})
	if err != nil {
		t.Fatal(err)
	}
	n := st.Load()
	conn, err := store.List(ctx, access.Actor{AccountID: 1, Superadmin: true}, "91", page)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range conn.Nodes() {
		got = append(got, e.Action)
	}
	if !slices.Equal(got, []string{"post.publish", "post.create"}) {
		t.Fatalf("entries of 91: %v", got)
	}
	sent := st.Since(n)
	if !st.PlannedForValues(n, "FROM audit_entries") {
		t.Fatalf("the region's list is not planned for its code: %q", sent)
	}
	list := slices.IndexFunc(sent, func(q string) bool { return strings.Contains(q, "FROM audit_entries") })

	// Why: planned for '91', the list reads the index of codes.
	if plan := testenv.Plan(t, db, "force_custom_plan", sent[list], []string{"text"}, []string{"'91'"}); !strings.Contains(plan, "audit_entries_region_code_id_idx") {
		t.Fatalf("a quiet region's plan does not read the index of codes:\n%s", plan)
	}
}
