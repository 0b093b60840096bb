package app_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kimhub/kimhub/internal/demo"
	"github.com/kimhub/kimhub/internal/testenv"
)

// readmeDocument returns the GraphQL block of README.md that follows the
// comment line starting with marker.
func readmeDocument(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile(testenv.RepoFile(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("README.md has no %q", marker)
	}
	end := strings.Index(s[i:], "```")
	return s[i : i+end]
}

// TestDashboardsThroughTheAPI runs the README's dashboard document over the
// demo data as its HUMAS, and checks who else may read dashboards.
func TestDashboardsThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	humas := s.logIn(t, "humas.kukar@demo.kimhub.id", demo.Password).AccessToken
	paser := s.logIn(t, "admin.paser@demo.kimhub.id", demo.Password).AccessToken
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken

	wib := time.FixedZone("WIB", 7*3600)
	today := time.Now().In(wib).Format(time.DateOnly)
	from := time.Now().In(wib).AddDate(0, 0, -29).Format(time.DateOnly)
	doc := readmeDocument(t, "# As humas.kukar: Kutai Kartanegara over 30 days")
	doc = strings.ReplaceAll(strings.ReplaceAll(doc, "2026-10-24", from), "2026-11-22", today)

	var d struct {
		RegionStats struct {
			Communities struct{ Total int }
			Posts       int
			Programs    struct{ Published, Disseminations int }
			Aspirations struct{ Submitted int }
			Series      []struct{ Posts int }
			Activity    struct{ Communities int }
		} `json:"regionStats"`
		Region struct {
			ChildrenStats []struct {
				Region struct{ Name string }
				Posts  int
			} `json:"childrenStats"`
		}
		ActivityRanking []struct {
			Rank       int
			Score      float64
			Components []struct{ Points float64 }
		} `json:"activityRanking"`
	}
	s.queryAs(t, humas, doc, nil).decode(t, &d)
	st := d.RegionStats
	// The demo was loaded just now: its content of Kutai Kartanegara lies
	// in the last 30 days.
	var communities, posts int
	db := testenv.Shared(t)
	if err := db.Get(&communities, `SELECT count(*) FROM communities WHERE domicile_code LIKE '64.02.%'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&posts, `SELECT count(*) FROM posts p JOIN communities c ON c.id = p.community_id
		WHERE c.domicile_code LIKE '64.02.%' AND p.status = 'PUBLISHED' AND p.publish_at <= now()`); err != nil {
		t.Fatal(err)
	}
	if st.Communities.Total != communities || st.Posts != posts || posts == 0 {
		t.Errorf("regionStats: %d communities, %d posts; the database: %d, %d", st.Communities.Total, st.Posts, communities, posts)
	}
	if st.Programs.Published == 0 || st.Programs.Disseminations == 0 || st.Aspirations.Submitted == 0 || st.Activity.Communities == 0 {
		t.Errorf("the demo's programmes, reports, aspirations or KIM are missing: %+v", st)
	}
	inSeries, inChildren := 0, 0
	for _, b := range st.Series {
		inSeries += b.Posts
	}
	for _, c := range d.Region.ChildrenStats {
		inChildren += c.Posts
	}
	if inSeries != st.Posts || inChildren != st.Posts {
		t.Errorf("posts: %d in all, %d by week, %d by district", st.Posts, inSeries, inChildren)
	}
	if len(d.ActivityRanking) == 0 || d.ActivityRanking[0].Rank != 1 || len(d.ActivityRanking[0].Components) != 5 {
		t.Errorf("ranking: %+v", d.ActivityRanking)
	}

	// Nobody else reads the regency's dashboards.
	const stats = `query($to: Date!) { regionStats(code: "64.02", from: $to, to: $to) { posts } }`
	for who, token := range map[string]string{"anyone": "", "a member": warga, "the neighbour's ADMIN": paser} {
		r := s.queryAs(t, token, stats, map[string]any{"to": today})
		want := "FORBIDDEN"
		if token == "" {
			want = "UNAUTHENTICATED"
		}
		if got := r.code(t); got != want {
			t.Errorf("%s: %s, want %s", who, got, want)
		}
	}
	// A community's index: its members and the government over it, not
	// the public.
	const activity = `{ community(slug: "kim-jahab-maju") { activity { score components { factor } } } }`
	for who, c := range map[string]struct {
		token string
		sees  bool
	}{"anyone": {"", false}, "its member": {warga, true}, "the regency's HUMAS": {humas, true}, "the neighbour's ADMIN": {paser, false}} {
		var a struct {
			Community struct{ Activity *struct{ Score float64 } }
		}
		s.queryAs(t, c.token, activity, nil).decode(t, &a)
		if (a.Community.Activity != nil) != c.sees {
			t.Errorf("%s sees the index: %v", who, a.Community.Activity != nil)
		}
	}
	// One request cannot carry a dozen dashboards.
	var many strings.Builder
	many.WriteString("{")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&many, ` s%d: regionStats(code: "64.02", from: "2026-01-01", to: "2026-01-31") { posts }`, i)
	}
	many.WriteString(" }")
	if got := s.queryAs(t, humas, many.String(), nil).code(t); got != "TOO_LARGE" {
		t.Errorf("twelve regionStats in one request: %s", got)
	}
	// A period too long is refused on its argument.
	r := s.queryAs(t, humas, `{ regionStats(code: "64.02", from: "2020-01-01", to: "2026-01-01") { posts } }`, nil)
	if e := r.only(t); e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "from" {
		t.Errorf("a long period: %+v", e)
	}
	// A date that cannot be read is refused on its argument, in a
	// variable as in the document.
	r = s.queryAs(t, humas, `{ regionStats(code: "64.02", from: "2026-01-01", to: "31-01-2026") { posts } }`, nil)
	if e := r.only(t); e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "to" || !strings.Contains(e.Message, "YYYY-MM-DD") {
		t.Errorf("a misspelt date: %+v", e)
	}
	r = s.queryAs(t, humas, `query($from: Date!) { regionStats(code: "64.02", from: $from, to: "2026-01-31") { posts } }`,
		map[string]any{"from": "kemarin"})
	if e := r.only(t); e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "from" || !strings.Contains(e.Message, "YYYY-MM-DD") {
		t.Errorf("a misspelt date in a variable: %+v", e)
	}
}

// TestServeFoldsPastDays: serve folds the regency summary's past days at
// start (stats.Service.Fold): striped rows of days before today − 2 end
// in one row a day, with the same sums. The demo's activity is of the
// last days: each of its communities gets a post on two past days.
func TestServeFoldsPastDays(t *testing.T) {
	env := loadDemo(t, nil)
	db := testenv.Shared(t)
	db.MustExec(`INSERT INTO activity_daily (community_id, day, posts)
		SELECT c.id, d, 1 FROM communities c, (VALUES (current_date - 10), (current_date - 40)) AS v(d)
		WHERE c.domicile_code IS NOT NULL`)
	const past = `day < (now() AT TIME ZONE 'Asia/Jakarta')::date - 2`
	sums := func() string {
		t.Helper()
		var s string
		if err := db.Get(&s, `SELECT COALESCE(string_agg(format('%s %s %s %s %s %s %s %s %s %s %s', regency_code, day,
				posts, showcases, views, joined, left_members, disseminations, reach, asp_submitted, asp_closed), E'\n'
				ORDER BY regency_code, day), '') FROM (SELECT regency_code, day, sum(posts) AS posts, sum(showcases) AS showcases,
				sum(views) AS views, sum(joined) AS joined, sum(left_members) AS left_members,
				sum(disseminations) AS disseminations, sum(reach) AS reach, sum(asp_submitted) AS asp_submitted,
				sum(asp_closed) AS asp_closed FROM activity_regency_daily WHERE `+past+` GROUP BY 1, 2) d`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	striped := func() int {
		t.Helper()
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM activity_regency_daily WHERE stripe <> 0 AND `+past); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := sums()
	if n := striped(); n == 0 || before == "" {
		t.Fatalf("the demo has %d striped rows of past days; the test needs some", n)
	}
	serve(t, env)
	deadline := time.Now().Add(20 * time.Second)
	for striped() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d striped rows of past days 20 s after serve started", striped())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after := sums(); after != before {
		t.Fatalf("past days' sums changed by the fold:\n%s\nwant\n%s", after, before)
	}
}
