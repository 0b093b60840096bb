package region_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/testenv"
)

// A small tree: province 64 with two regencies, Kutai Kartanegara (64.02)
// with three districts, one with two villages.
const smallTree = `code,name
64,Kalimantan Timur
64.01,Kabupaten Paser
64.02,Kabupaten Kutai Kartanegara
64.02.01,Muara Muntai
64.02.02,Loa Kulu
64.02.03,Loa Janan
64.02.01.2001,Muara Muntai Ulu
64.02.01.2002,Muara Muntai Ilir
`

func newStore(t *testing.T) (*region.Store, context.Context) {
	t.Helper()
	s := region.NewStore(testenv.DB(t))
	ctx := context.Background()
	if _, err := s.Import(ctx, strings.NewReader(smallTree), nil); err != nil {
		t.Fatalf("import: %v", err)
	}
	return s, ctx
}

func ptr[T any](v T) *T { return &v }

func codes(c relay.Connection[*region.Region]) string {
	var out []string
	for _, r := range c.Nodes() {
		out = append(out, r.Code)
	}
	return strings.Join(out, " ")
}

func TestGet(t *testing.T) {
	s, ctx := newStore(t)
	r, err := s.Get(ctx, "64.02.01")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Muara Muntai" || r.Level != region.District || r.ParentCode == nil || *r.ParentCode != "64.02" {
		t.Fatalf("got %+v", r)
	}
	if _, err := s.Get(ctx, "64.99"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown code: want NOT_FOUND, got %v", err)
	}
	if _, err := s.Get(ctx, "64.x"); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("malformed code: want BAD_USER_INPUT, got %v", err)
	}
}

func TestByCodes(t *testing.T) {
	s, ctx := newStore(t)
	got, err := s.ByCodes(ctx, []string{"64", "64.02.03", "99"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["64"].Name != "Kalimantan Timur" || got["64.02.03"].Name != "Loa Janan" {
		t.Fatalf("got %v", got)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	s, ctx := newStore(t)
	page := func(a relay.Args) relay.Page {
		p, err := relay.NewPage(region.CursorKind, a)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Walk the children of 64.02 two at a time.
	f := region.Filter{ParentCode: ptr("64.02")}
	p1, err := s.List(ctx, f, page(relay.Args{First: ptr(2)}))
	if err != nil {
		t.Fatal(err)
	}
	if codes(p1) != "64.02.01 64.02.02" || !p1.PageInfo.HasNextPage {
		t.Fatalf("page 1: %s %+v", codes(p1), p1.PageInfo)
	}
	p2, err := s.List(ctx, f, page(relay.Args{First: ptr(2), After: p1.PageInfo.EndCursor()}))
	if err != nil {
		t.Fatal(err)
	}
	if codes(p2) != "64.02.03" || p2.PageInfo.HasNextPage || !p2.PageInfo.HasPreviousPage {
		t.Fatalf("page 2: %s %+v", codes(p2), p2.PageInfo)
	}
	p3, err := s.List(ctx, f, page(relay.Args{First: ptr(2), After: p2.PageInfo.EndCursor()}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p3.Edges) != 0 || p3.PageInfo.HasNextPage || p3.PageInfo.EndCursor() != nil {
		t.Fatalf("past the end: %s %+v", codes(p3), p3.PageInfo)
	}
	// And backwards from the end.
	back, err := s.List(ctx, f, page(relay.Args{Last: ptr(2), Before: p2.PageInfo.EndCursor()}))
	if err != nil {
		t.Fatal(err)
	}
	if codes(back) != "64.02.01 64.02.02" || back.PageInfo.HasPreviousPage {
		t.Fatalf("backwards: %s %+v", codes(back), back.PageInfo)
	}

	for _, tc := range []struct {
		f    region.Filter
		want string
	}{
		{region.Filter{Level: ptr(region.Regency)}, "64.01 64.02"},
		{region.Filter{Search: "muntai"}, "64.02.01 64.02.01.2001 64.02.01.2002"},
		{region.Filter{Search: "MUNTAI il"}, "64.02.01.2002"},
		{region.Filter{Search: "loa", Level: ptr(region.District)}, "64.02.02 64.02.03"},
		{region.Filter{Search: "%"}, ""}, // a wildcard is searched for, not expanded
		{region.Filter{ParentCode: ptr("64.02.01.2001")}, ""},
	} {
		c, err := s.List(ctx, tc.f, page(relay.Args{}))
		if err != nil {
			t.Fatal(err)
		}
		if codes(c) != tc.want {
			t.Errorf("List(%+v) = %q, want %q", tc.f, codes(c), tc.want)
		}
	}
	if _, err := s.List(ctx, region.Filter{ParentCode: ptr("sixty")}, page(relay.Args{})); !apperr.Is(err, apperr.BadUserInput) {
		t.Errorf("bad parentCode: want BAD_USER_INPUT, got %v", err)
	}
	if _, err := s.List(ctx, region.Filter{Search: strings.Repeat("a", 101)}, page(relay.Args{})); !apperr.Is(err, apperr.BadUserInput) {
		t.Errorf("long search: want BAD_USER_INPUT, got %v", err)
	}
}

func TestChildrenOfManyParentsInOneStatement(t *testing.T) {
	s, ctx := newStore(t)
	p, _ := relay.NewPage(region.CursorKind, relay.Args{First: ptr(2)})
	got, err := s.Children(ctx, []string{"64", "64.02", "64.02.01", "64.02.02", "64.77"}, p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"64":       "64.01 64.02",
		"64.02":    "64.02.01 64.02.02",
		"64.02.01": "64.02.01.2001 64.02.01.2002",
		"64.02.02": "",
		"64.77":    "",
	}
	for parent, w := range want {
		if codes(got[parent]) != w {
			t.Errorf("children of %s = %q, want %q", parent, codes(got[parent]), w)
		}
	}
	if !got["64.02"].PageInfo.HasNextPage || got["64.02.01"].PageInfo.HasNextPage {
		t.Errorf("hasNextPage: 64.02 %v, 64.02.01 %v", got["64.02"].PageInfo.HasNextPage, got["64.02.01"].PageInfo.HasNextPage)
	}
	// The next page of 64.02, after its cursor.
	p2, _ := relay.NewPage(region.CursorKind, relay.Args{First: ptr(2), After: got["64.02"].PageInfo.EndCursor()})
	next, err := s.Children(ctx, []string{"64.02"}, p2)
	if err != nil {
		t.Fatal(err)
	}
	if codes(next["64.02"]) != "64.02.03" {
		t.Errorf("second page = %q", codes(next["64.02"]))
	}
}

func TestImportIsIdempotentAndUpdatesNames(t *testing.T) {
	s, ctx := newStore(t)
	renamed := strings.Replace(smallTree, "Loa Kulu", "Loa Kulu Baru", 1) + "64.02.04,Tenggarong\n"
	res, err := s.Import(ctx, strings.NewReader(renamed), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 9 || res.Inserted != 1 || res.Updated != 1 || res.Unchanged != 7 {
		t.Fatalf("got %+v", res)
	}
	r, err := s.Get(ctx, "64.02.02")
	if err != nil || r.Name != "Loa Kulu Baru" {
		t.Fatalf("rename: %+v %v", r, err)
	}
	var n int
	if err := s.DB.Get(&n, `SELECT count(*) FROM regions`); err != nil || n != 9 {
		t.Fatalf("count %d %v", n, err)
	}
	// A file that only adds villages under regions already imported.
	res, err = s.Import(ctx, strings.NewReader("64.02.02.2001,Jongkang\n"), nil)
	if err != nil || res.Inserted != 1 {
		t.Fatalf("headerless add: %+v %v", res, err)
	}
}

func TestImportRefusesBadFilesWhole(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"bad code", "code,name\n64,Kaltim\n64.2,Paser\n", "line 3"},
		{"empty name", "code,name\n64,Kaltim\n64.01,  \n", "line 3: region 64.01 has no name"},
		{"duplicate", "code,name\n64,Kaltim\n64.01,Paser\n64.01,Paser Lagi\n", "line 4: region 64.01 appears again (first on line 3)"},
		{"missing parent", "code,name\n64,Kaltim\n64.01.01,Batu Sopang\n", "line 3: parent region 64.01"},
		{"three columns", "code,name\n64,Kaltim,x\n", "line 2: want 2 columns"},
		{"bad quoting", "code,name\n64,\"Kal\"tim\n", "line 2"},
		{"empty", "code,name\n", "no regions"},
		{"bad quote on the first line", "6\"4,x\n", "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := region.NewStore(testenv.DB(t))
			ctx := context.Background()
			_, err := s.Import(ctx, strings.NewReader(tc.file), nil)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.BadUserInput || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("want BAD_USER_INPUT with %q, got %v", tc.want, err)
			}
			var n int
			if err := s.DB.Get(&n, `SELECT count(*) FROM regions`); err != nil || n != 0 {
				t.Fatalf("a refused file wrote %d rows (%v)", n, err)
			}
		})
	}
}

// TestNationalImport imports the whole official list (91,599 regions) when
// ../shared/data/wilayah.csv is beside the repository, twice: the second
// run must change nothing.
func TestNationalImport(t *testing.T) {
	path := testenv.RepoFile(t, "../shared/data/wilayah.csv")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("the national file is not here (%s): nothing to import", path)
	}
	if testing.Short() {
		t.Skip("-short: skipping the national import")
	}
	s := region.NewStore(testenv.DB(t))
	ctx := context.Background()
	for round, want := range []struct{ inserted, unchanged int }{{91599, 0}, {0, 91599}} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Import(ctx, f, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %+v", round+1, res)
		if res.Rows != 91599 || res.Inserted != want.inserted || res.Unchanged != want.unchanged {
			t.Fatalf("round %d: got %+v", round+1, res)
		}
	}
	var byLevel []struct {
		Level string `db:"level"`
		N     int    `db:"n"`
	}
	if err := s.DB.Select(&byLevel, `SELECT level, count(*) AS n FROM regions GROUP BY level ORDER BY n`); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"PROVINCE": 38, "REGENCY": 514, "DISTRICT": 7285, "VILLAGE": 83762}
	for _, l := range byLevel {
		if want[l.Level] != l.N {
			t.Errorf("%s: %d regions, want %d", l.Level, l.N, want[l.Level])
		}
	}
	r, err := s.Get(ctx, "64.02")
	if err != nil || r.Name != "Kabupaten Kutai Kartanegara" {
		t.Fatalf("64.02: %+v %v", r, err)
	}
}

// BenchmarkNationalImport times a first import of the whole official list
// into an empty table (the figure in the README).
func BenchmarkNationalImport(b *testing.B) {
	path := testenv.RepoFile(b, "../shared/data/wilayah.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("the national file is not here (%s)", path)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := region.NewStore(testenv.DB(b))
		b.StartTimer()
		if _, err := s.Import(ctx, strings.NewReader(string(data)), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// SubtreeRange selects a code and everything below it, as InSubtree says,
// and is a range of the index of codes in a generic plan (where `LIKE $1
// || '.%'` can only be a filter).
func TestSubtreeRange(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(smallTree), nil); err != nil {
		t.Fatal(err)
	}
	all := []string{"64", "64.01", "64.02", "64.02.01", "64.02.01.2001", "64.02.01.2002", "64.02.02", "64.02.03"} // code order
	for _, root := range append(all, "64.0", "65") {
		var got []string
		if err := db.SelectContext(ctx, &got, `SELECT code FROM regions WHERE `+region.SubtreeRange("code", "$1")+` ORDER BY code`, root); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range all {
			if region.InSubtree(c, root) {
				want = append(want, c)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: %v, want %v", root, got, want)
		}
	}
	if p := testenv.Plan(t, db, "force_generic_plan", "SELECT code FROM regions WHERE "+region.SubtreeRange("code", "$1"),
		[]string{"text"}, []string{"'64.02'"}, "enable_seqscan = off"); !strings.Contains(p, "Index Cond: ((code >= $1) AND (code < ($1 || '/'::text)))") {
		t.Errorf("the generic plan does not range over the index of codes:\n%s", p)
	}
}
