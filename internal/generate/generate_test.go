package generate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/generate"
	"github.com/kimhub/kimhub/internal/testenv"
)

// regionsCSV writes a small official-style region tree: two provinces,
// three regencies, three districts each, four villages each (36 villages,
// 53 rows).
func regionsCSV(t *testing.T) (string, int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("code,name\n")
	rows := 0
	line := func(code, name string) {
		fmt.Fprintf(&b, "%s,%s\n", code, name)
		rows++
	}
	for _, prov := range []string{"64", "65"} {
		line(prov, "Provinsi "+prov)
		regencies := []string{"01", "02"}
		if prov == "65" {
			regencies = regencies[:1]
		}
		for _, reg := range regencies {
			regency := prov + "." + reg
			line(regency, "Kabupaten "+regency)
			for d := 1; d <= 3; d++ {
				district := fmt.Sprintf("%s.%02d", regency, d)
				line(district, "Kecamatan "+district)
				for v := 1; v <= 4; v++ {
					village := fmt.Sprintf("%s.%d", district, 2000+v)
					line(village, "Desa "+village)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "wilayah.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

// count runs a query returning one number.
func count(t *testing.T, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// none fails when query counts any offending row.
func none(t *testing.T, db *sqlx.DB, what, query string) {
	t.Helper()
	if n := count(t, db, query); n != 0 {
		t.Errorf("%s: %d rows", what, n)
	}
}

func TestRunGeneratesConsistentData(t *testing.T) {
	db := testenv.DB(t)
	csv, regions := regionsCSV(t)
	o := generate.Options{RegionsFile: csv, Accounts: 400, Communities: 80, Posts: 500, Showcases: 200, Programs: 60,
		Disseminations: 400, Aspirations: 300, Seed: 7}
	var out bytes.Buffer
	if err := generate.Run(context.Background(), db, o, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}

	for table, want := range map[string]int{"regions": regions, "accounts": o.Accounts, "communities": o.Communities,
		"posts": o.Posts, "showcases": o.Showcases, "programs": o.Programs, "disseminations": o.Disseminations,
		"aspirations": o.Aspirations} {
		if got := count(t, db, `SELECT count(*) FROM `+table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM memberships`); n < 3*o.Communities || n > 20*o.Communities {
		t.Errorf("%d memberships for %d communities: want a few per community", n, o.Communities)
	}
	if n := count(t, db, `SELECT count(*) FROM program_targets`); n < o.Programs {
		t.Errorf("%d programme targets for %d programmes", n, o.Programs)
	}

	// Communities: mostly ACTIVE KIM, registration numbers where required
	// and as the service issues them, the counters in step.
	if n := count(t, db, `SELECT count(*) FROM communities WHERE status = 'ACTIVE' AND category = 'KIM'`); n < o.Communities/2 {
		t.Errorf("only %d of %d communities are ACTIVE KIM", n, o.Communities)
	}
	none(t, db, "registration numbers only and always on registered communities", `SELECT count(*) FROM communities
		WHERE (registration_number IS NOT NULL) <> (status IN ('ACTIVE', 'SUSPENDED'))
		   OR (registered_at IS NOT NULL) <> (status IN ('ACTIVE', 'SUSPENDED'))
		   OR registration_number NOT LIKE left(domicile_code, 5) || '-____'
		   OR registered_at < submitted_at OR submitted_at < created_at OR registered_at > now()`)
	none(t, db, "registration counters behind the numbers issued", `SELECT count(*) FROM communities c
		LEFT JOIN registration_counters r ON r.regency_code = left(c.domicile_code, 5)
		WHERE c.registration_number IS NOT NULL AND (r.last_number IS NULL
		   OR r.last_number < split_part(c.registration_number, '-', 2)::int)`)

	// Memberships: one ACTIVE CHAIR each, the founder; member_count counts
	// the ACTIVE ones.
	none(t, db, "communities without exactly one CHAIR", `SELECT count(*) FROM communities c
		WHERE (SELECT count(*) FROM memberships m WHERE m.community_id = c.id AND m.role = 'CHAIR') <> 1
		   OR NOT EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = c.id AND m.role = 'CHAIR'
		                  AND m.status = 'ACTIVE' AND m.account_id = c.created_by)`)
	none(t, db, "member_count unlike the ACTIVE memberships", `SELECT count(*) FROM communities c
		WHERE c.member_count <> (SELECT count(*) FROM memberships m WHERE m.community_id = c.id AND m.status = 'ACTIVE')`)
	none(t, db, "memberships joined before the community began or in the future", `SELECT count(*) FROM memberships m
		JOIN communities c ON c.id = m.community_id WHERE m.joined_at < c.created_at OR m.joined_at > now()`)
	if n := count(t, db, `SELECT count(*) FROM memberships WHERE status IN ('LEFT', 'REMOVED')`); n == 0 {
		t.Error("no member ever left or was removed")
	}
	// The dashboards' summary was rebuilt: it counts every join, departure
	// and published post.
	none(t, db, "a summary unlike the base tables", `SELECT count(*) FROM (SELECT
		(SELECT COALESCE(sum(joined), 0) FROM activity_daily) - (SELECT count(*) FROM memberships WHERE joined_at IS NOT NULL AND status <> 'INVITED' AND status <> 'REQUESTED') AS j,
		(SELECT COALESCE(sum(left_members), 0) FROM activity_daily) - (SELECT count(*) FROM memberships WHERE status IN ('LEFT', 'REMOVED')) AS l,
		(SELECT COALESCE(sum(posts), 0) FROM activity_daily) - (SELECT count(*) FROM posts WHERE status = 'PUBLISHED') AS p) d
		WHERE j <> 0 OR l <> 0 OR p <> 0`)
	none(t, db, "a regency's day unlike its communities'", `SELECT count(*) FROM (
			SELECT left(c.domicile_code, 5) AS regency_code, a.day, sum(a.joined) AS joined,
				sum(a.left_members) AS left_members, sum(a.posts) AS posts, sum(a.asp_submitted) AS asp_submitted
			FROM activity_daily a JOIN communities c ON c.id = a.community_id GROUP BY 1, 2) s
		FULL JOIN (SELECT regency_code, day, sum(joined) AS joined, sum(left_members) AS left_members,
				sum(posts) AS posts, sum(asp_submitted) AS asp_submitted
			FROM activity_regency_daily GROUP BY 1, 2) r USING (regency_code, day)
		WHERE (s.joined, s.left_members, s.posts, s.asp_submitted)
			IS DISTINCT FROM (r.joined, r.left_members, r.posts, r.asp_submitted)`)

	// Posts and showcases: by ACTIVE communities' active members, about
	// their domicile.
	for _, table := range []string{"posts", "showcases"} {
		none(t, db, table+" not by an ACTIVE community's active member about its domicile", `SELECT count(*) FROM `+table+` x
			JOIN communities c ON c.id = x.community_id
			WHERE c.status <> 'ACTIVE' OR x.region_code <> c.domicile_code OR NOT EXISTS (SELECT 1 FROM memberships m
				WHERE m.community_id = c.id AND m.account_id = x.author_id AND m.status = 'ACTIVE')
			   OR x.publish_at > now() OR x.view_count < 0`)
	}

	// Disseminations: PUBLISHED programmes, reported by an ACTIVE KIM's
	// CHAIR or EDITOR, dated from the programme's publication to today
	// (in every Indonesian zone), on programmes targeting the community.
	none(t, db, "disseminations on programmes not PUBLISHED or dated out of range", `SELECT count(*) FROM disseminations d
		JOIN programs p ON p.id = d.program_id
		WHERE p.status <> 'PUBLISHED'
		   OR d.disseminated_on < (p.published_at AT TIME ZONE 'Asia/Jayapura')::date
		   OR d.disseminated_on < (p.published_at AT TIME ZONE 'UTC')::date
		   OR d.disseminated_on > (now() AT TIME ZONE 'Asia/Jakarta')::date
		   OR d.reach < 1`)
	none(t, db, "disseminations not by an ACTIVE KIM's CHAIR or EDITOR", `SELECT count(*) FROM disseminations d
		JOIN communities c ON c.id = d.community_id
		WHERE c.status <> 'ACTIVE' OR c.category <> 'KIM' OR NOT EXISTS (SELECT 1 FROM memberships m
			WHERE m.community_id = c.id AND m.account_id = d.reporter_id AND m.status = 'ACTIVE' AND m.role IN ('CHAIR', 'EDITOR'))`)
	untargeted := count(t, db, `SELECT count(*) FROM disseminations d JOIN communities c ON c.id = d.community_id
		WHERE NOT EXISTS (SELECT 1 FROM program_targets t WHERE t.program_id = d.program_id
			AND c.domicile_code >= t.region_code AND c.domicile_code < t.region_code || '/')`)
	if untargeted > o.Disseminations/10 {
		t.Errorf("%d of %d disseminations are on programmes not targeting the community", untargeted, o.Disseminations)
	}

	// Aspirations: unique tracking codes, the community's regency, and
	// timestamps consistent with the status.
	var codes []string
	if err := db.Select(&codes, `SELECT tracking_code FROM aspirations`); err != nil {
		t.Fatal(err)
	}
	pattern := regexp.MustCompile(`^ASP-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)
	for _, c := range codes {
		if !pattern.MatchString(c) {
			t.Errorf("tracking code %q", c)
			break
		}
	}
	none(t, db, "aspirations outside their community's regency", `SELECT count(*) FROM aspirations a
		JOIN communities c ON c.id = a.community_id WHERE a.regency_code <> left(c.domicile_code, 5) OR c.status <> 'ACTIVE'`)
	none(t, db, "aspirations with due_at/closed_at/acknowledged_at unlike the status", `SELECT count(*) FROM aspirations
		WHERE (due_at IS NULL) <> (status IN ('RESOLVED', 'DECLINED'))
		   OR (closed_at IS NULL) <> (status IN ('SUBMITTED', 'ACKNOWLEDGED', 'IN_PROGRESS'))
		   OR (acknowledged_at IS NULL) <> (status = 'SUBMITTED') AND status <> 'DECLINED'
		   OR (status = 'DECLINED') <> (status_reason <> '')`)
	none(t, db, "aspirations whose steps are out of order or in the future", `SELECT count(*) FROM aspirations
		WHERE acknowledged_at < submitted_at OR closed_at < coalesce(acknowledged_at, submitted_at)
		   OR greatest(submitted_at, acknowledged_at, closed_at) > now() OR updated_at < greatest(submitted_at, acknowledged_at, closed_at)
		   OR due_at < submitted_at`)
	for _, s := range []string{"SUBMITTED", "ACKNOWLEDGED", "IN_PROGRESS", "RESOLVED", "DECLINED"} {
		if count(t, db, `SELECT count(*) FROM aspirations WHERE status = $1`, s) == 0 {
			t.Errorf("no aspiration is %s", s)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM aspirations WHERE due_at < now()`); n == 0 {
		t.Error("no aspiration is overdue")
	}
	if n := count(t, db, `SELECT count(*) FROM aspirations WHERE due_at >= now()`); n == 0 {
		t.Error("every open aspiration is overdue")
	}
}

// loaded are the tables Run fills, whose user triggers it turns off.
var loaded = []string{"regions", "accounts", "communities", "registration_counters", "memberships", "membership_events", "posts", "showcases",
	"programs", "program_targets", "disseminations", "aspirations"}

// TestRunDisablesUserTriggers puts on every loaded table a trigger that
// refuses rows, and (unless the real one exists) a stand-in
// activity_rebuild(): Run must load past the triggers, leave them enabled,
// and call the function once.
func TestRunDisablesUserTriggers(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE FUNCTION gen_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'user trigger fired on %', TG_TABLE_NAME; END $$`)
	t.Cleanup(func() { _, _ = db.Exec(`DROP FUNCTION IF EXISTS gen_test_refuse() CASCADE`) })
	for _, table := range loaded {
		exec(`CREATE TRIGGER gen_test_refuse BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION gen_test_refuse()`)
	}
	stand := count(t, db, `SELECT count(*) FROM pg_proc WHERE proname = 'activity_rebuild'`) == 0
	if stand {
		exec(`CREATE TABLE gen_test_rebuilds (at timestamptz NOT NULL DEFAULT clock_timestamp())`)
		exec(`CREATE FUNCTION activity_rebuild() RETURNS void LANGUAGE sql AS $$ INSERT INTO gen_test_rebuilds DEFAULT VALUES $$`)
		t.Cleanup(func() {
			_, _ = db.Exec(`DROP FUNCTION IF EXISTS activity_rebuild(); DROP TABLE IF EXISTS gen_test_rebuilds`)
		})
	}
	enabled := func() {
		t.Helper()
		if n := count(t, db, `SELECT count(*) FROM pg_trigger WHERE tgname = 'gen_test_refuse' AND tgenabled = 'O'`); n != len(loaded) {
			t.Errorf("%d of %d user triggers enabled", n, len(loaded))
		}
	}

	csv, _ := regionsCSV(t)
	o := generate.Options{RegionsFile: csv, Accounts: 50, Communities: 10, Posts: 30, Showcases: 10, Programs: 5,
		Disseminations: 10, Aspirations: 10, Seed: 1}
	var out bytes.Buffer
	if err := generate.Run(ctx, db, o, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	enabled()
	if !strings.Contains(out.String(), "activity_rebuild() in") {
		t.Errorf("Run did not report activity_rebuild():\n%s", out.String())
	}
	if stand {
		if n := count(t, db, `SELECT count(*) FROM gen_test_rebuilds`); n != 1 {
			t.Errorf("activity_rebuild() ran %d times, want once", n)
		}
	}

	// A run that fails half-way leaves the triggers enabled too.
	testenv.Reset(t, db)
	o.Programs = 0
	if err := generate.Run(ctx, db, o, &out); err == nil || !strings.Contains(err.Error(), "programme") {
		t.Fatalf("Run without programmes but with reports: %v", err)
	}
	enabled()
}
