package stats_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/stats"
	"github.com/kimhub/kimhub/internal/testenv"
)

// dataset is a small constructed case whose figures are worked out by hand
// in the comments of the tests below. Ids follow insertion order.
//
// Communities: 1 A KIM ACTIVE Perian (64.02.01.2001); 2 B KIM ACTIVE Jahab
// (64.02.06.1001); 3 C TRADITIONAL_MEDIA ACTIVE Jantur (64.02.01.2002); 4 D
// KIM SUBMITTED Jantur; 5 E KIM ACTIVE Batu Kajang (64.01.01.2001, another
// regency); 6 F KIM ACTIVE Muara Leka (64.02.01.2003), silent.
const dataset = `
INSERT INTO accounts (name, email, password_hash)
SELECT 'Warga ' || i, 'w' || i || '@t.id', 'x' FROM generate_series(1, 6) i;

INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, member_count, created_by) VALUES
 ('KIM A', 'a', 'KIM', '64.02.01.2001', 'ACTIVE', '64.02-0001', 3, 1),
 ('KIM B', 'b', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0002', 1, 1),
 ('Radio C', 'c', 'TRADITIONAL_MEDIA', '64.02.01.2002', 'ACTIVE', '64.02-0003', 0, 1),
 ('KIM D', 'd', 'KIM', '64.02.01.2002', 'SUBMITTED', NULL, 0, 1),
 ('KIM E', 'e', 'KIM', '64.01.01.2001', 'ACTIVE', '64.01-0001', 0, 1),
 ('KIM F', 'f', 'KIM', '64.02.01.2003', 'ACTIVE', '64.02-0004', 0, 1);

-- A: two join in October, one before the 90-day window, one joined before
-- and left on 20 October. B: one joins on 15 October.
INSERT INTO memberships (community_id, account_id, role, status, joined_at, updated_at) VALUES
 (1, 2, 'MEMBER', 'ACTIVE', '2026-10-02 09:00+07', '2026-10-02 09:00+07'),
 (1, 3, 'MEMBER', 'ACTIVE', '2026-10-09 09:00+07', '2026-10-09 09:00+07'),
 (1, 4, 'MEMBER', 'ACTIVE', '2026-08-01 09:00+07', '2026-08-01 09:00+07'),
 (1, 5, 'MEMBER', 'ACTIVE', '2026-08-01 09:00+07', '2026-08-01 09:00+07'),
 (2, 2, 'MEMBER', 'ACTIVE', '2026-10-15 09:00+07', '2026-10-15 09:00+07');
UPDATE memberships SET status = 'LEFT', updated_at = '2026-10-20 09:00+07' WHERE community_id = 1 AND account_id = 5;

-- Posts: A publishes on 5, 6 and 31 October (23:30 WIB, still the 31st),
-- 15 September, and 1 November at 02:00 WIB (31 October in UTC: outside);
-- one is a draft; one published on 7 October is taken down. B publishes
-- on 12 October; E twice on 12 October.
INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at) VALUES
 (1, 1, 'p1', 'p1', '64.02.01.2001', 'PUBLISHED', '2026-10-05 10:00+07'),
 (1, 1, 'p2', 'p2', '64.02.01.2001', 'PUBLISHED', '2026-10-06 10:00+07'),
 (1, 1, 'p3', 'p3', '64.02.01.2001', 'PUBLISHED', '2026-10-31 23:30+07'),
 (1, 1, 'p4', 'p4', '64.02.01.2001', 'PUBLISHED', '2026-11-01 02:00+07'),
 (1, 1, 'p5', 'p5', '64.02.01.2001', 'DRAFT', NULL),
 (1, 1, 'p6', 'p6', '64.02.01.2001', 'PUBLISHED', '2026-10-07 10:00+07'),
 (1, 1, 'p7', 'p7', '64.02.01.2001', 'PUBLISHED', '2026-09-15 10:00+07'),
 (2, 1, 'p8', 'p8', '64.02.06.1001', 'PUBLISHED', '2026-10-12 10:00+07'),
 (5, 1, 'p9', 'p9', '64.01.01.2001', 'PUBLISHED', '2026-10-12 10:00+07'),
 (5, 1, 'p10', 'p10', '64.01.01.2001', 'PUBLISHED', '2026-10-12 11:00+07');
UPDATE posts SET status = 'TAKEN_DOWN' WHERE slug = 'p6';

INSERT INTO showcases (community_id, author_id, kind, title, slug, region_code, status, publish_at) VALUES
 (3, 1, 'PRODUCT', 's1', 's1', '64.02.01.2002', 'PUBLISHED', '2026-10-20 10:00+07'),
 (3, 1, 'CRAFT', 's2', 's2', '64.02.01.2002', 'PUBLISHED', '2026-10-21 10:00+07');

-- Views: three of post p1 (two viewers on the 5th, one again on the 6th),
-- one of showcase s1.
INSERT INTO post_views (post_id, viewer, day) VALUES (1, 'v1', '2026-10-05'), (1, 'v2', '2026-10-05'), (1, 'v1', '2026-10-06');
INSERT INTO showcase_views (showcase_id, viewer, day) VALUES (1, 'v1', '2026-10-20');

-- Programmes of account 6: P1 → 64.02 (3 Oct), P2 → 64 (4 Oct), P3 → 64.01
-- (4 Oct), P4 a draft → 64.02, P5 → 64.02.01 (1 Sept, outside), P6 →
-- 64.02.01.2001 (10 Oct).
INSERT INTO programs (publisher_id, title, status, published_at) VALUES
 (6, 'P1', 'PUBLISHED', '2026-10-03 09:00+07'),
 (6, 'P2', 'PUBLISHED', '2026-10-04 09:00+07'),
 (6, 'P3', 'PUBLISHED', '2026-10-04 09:00+07'),
 (6, 'P4', 'DRAFT', NULL),
 (6, 'P5', 'PUBLISHED', '2026-09-01 09:00+07'),
 (6, 'P6', 'PUBLISHED', '2026-10-10 09:00+07');
INSERT INTO program_targets (program_id, region_code) VALUES
 (1, '64.02'), (2, '64'), (3, '64.01'), (4, '64.02'), (5, '64.02.01'), (6, '64.02.01.2001');

-- Relays: A of P1 (5 Oct, 100 people) and P2 (6 Oct, 50) and P5 (10 Sept,
-- outside); B of P1 (13 Oct, 30); C, not a KIM, of P1 (7 Oct, 20); E of P3
-- (5 Oct, 70).
INSERT INTO disseminations (program_id, community_id, reporter_id, channel, disseminated_on, reach) VALUES
 (1, 1, 1, 'WHATSAPP', '2026-10-05', 100),
 (2, 1, 1, 'MEETING', '2026-10-06', 50),
 (5, 1, 1, 'RADIO', '2026-09-10', 40),
 (1, 2, 1, 'WHATSAPP', '2026-10-13', 30),
 (1, 3, 1, 'RADIO', '2026-10-07', 20),
 (3, 5, 1, 'WHATSAPP', '2026-10-05', 70);

-- Aspirations: a1 A acknowledged after 10 h, RESOLVED after 48 h; a2 A
-- acknowledged after 20 h, IN_PROGRESS, due later; a3 A SUBMITTED, overdue;
-- a4 B DECLINED after 30 h; a5 A from September, IN_PROGRESS, overdue; a6 E
-- overdue in another regency.
INSERT INTO aspirations (tracking_code, community_id, author_id, regency_code, title, body, visibility, status,
                         status_reason, due_at, submitted_at, acknowledged_at, closed_at) VALUES
 ('ASP-0000-0001', 1, 2, '64.02', 'a1', 'b', 'PUBLIC', 'SUBMITTED', '', '2026-10-08 08:00+07', '2026-10-05 08:00+07', NULL, NULL),
 ('ASP-0000-0002', 1, 2, '64.02', 'a2', 'b', 'PUBLIC', 'IN_PROGRESS', '', '2026-11-20 08:00+07', '2026-10-10 08:00+07', '2026-10-11 04:00+07', NULL),
 ('ASP-0000-0003', 1, 2, '64.02', 'a3', 'b', 'PRIVATE', 'SUBMITTED', '', '2026-10-23 08:00+07', '2026-10-20 08:00+07', NULL, NULL),
 ('ASP-0000-0004', 2, 2, '64.02', 'a4', 'b', 'PUBLIC', 'DECLINED', 'di luar kewenangan', NULL, '2026-10-12 08:00+07', NULL, '2026-10-13 14:00+07'),
 ('ASP-0000-0005', 1, 2, '64.02', 'a5', 'b', 'PUBLIC', 'IN_PROGRESS', '', '2026-09-10 08:00+07', '2026-09-01 08:00+07', '2026-09-02 08:00+07', NULL),
 ('ASP-0000-0006', 5, 2, '64.01', 'a6', 'b', 'PUBLIC', 'SUBMITTED', '', '2026-10-08 08:00+07', '2026-10-05 08:00+07', NULL, NULL);
-- a1 moves along: acknowledged, then resolved (the trigger follows).
UPDATE aspirations SET status = 'ACKNOWLEDGED', acknowledged_at = '2026-10-05 18:00+07', due_at = '2026-10-12 08:00+07' WHERE tracking_code = 'ASP-0000-0001';
UPDATE aspirations SET status = 'RESOLVED', closed_at = '2026-10-07 08:00+07', due_at = NULL WHERE tracking_code = 'ASP-0000-0001';
`

var (
	anonymous   = access.Actor{}
	memberA     = access.Actor{AccountID: 2}
	humasKukar  = access.Actor{AccountID: 6, Grants: []access.Grant{{Role: access.Humas, RegionCode: "64.02"}}}
	adminPaser  = access.Actor{AccountID: 6, Grants: []access.Grant{{Role: access.Admin, RegionCode: "64.01"}}}
	humasMuara  = access.Actor{AccountID: 6, Grants: []access.Grant{{Role: access.Humas, RegionCode: "64.02.01"}}}
	adminKaltim = access.Actor{AccountID: 6, Grants: []access.Grant{{Role: access.Admin, RegionCode: "64"}}}
	superadmin  = access.Actor{AccountID: 1, Superadmin: true}
)

func setup(t *testing.T) (*sqlx.DB, *stats.Service) {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(testenv.KaltimRegions), nil); err != nil {
		t.Fatal(err)
	}
	db.MustExec(dataset)
	if _, err := (&publishing.Service{DB: db}).AggregateViews(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, stats.WIB)
	return db, &stats.Service{DB: db, Now: func() time.Time { return now }}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var october = stats.Period{From: day("2026-10-01"), To: day("2026-10-31"), Granularity: stats.Week}

func TestRegionStatsOfARegency(t *testing.T) {
	_, svc := setup(t)
	st, err := svc.Region(context.Background(), humasKukar, "64.02", october, stats.Options{Activity: true})
	if err != nil {
		t.Fatal(err)
	}
	// Communities of 64.02: A, B, C, D, F; D is SUBMITTED; C is not a KIM.
	eq(t, "communities.total", st.Communities.Total, 5)
	eq(t, "communities.byStatus", st.Communities.ByStatus, []stats.StatusCount{{community.Submitted, 1}, {community.Active, 4}})
	eq(t, "communities.byCategory", st.Communities.ByCategory, []stats.CategoryCount{{community.KIM, 3}, {community.TraditionalMedia, 1}})
	// Members: A 3 + B 1 active; joined in October: A's two, B's one; one left A.
	eq(t, "members", st.Members, stats.MemberStats{Active: 4, Joined: 3, Left: 1})
	// Posts: A on 5, 6, 31 October, B on the 12th (not the taken-down one,
	// not 1 November WIB, not E's of another regency).
	eq(t, "posts", st.Posts, 4)
	eq(t, "showcases", st.Showcases, 2)
	eq(t, "views", st.Views, 4)
	// Programmes: P1 (the regency), P2 (the province), P6 (a village in it).
	// Relays: A ×2, B, C = 4, reaching 100 + 50 + 30 + 20. KIM villages:
	// Perian, Jahab, Muara Leka; reached: Perian and Jahab (C is no KIM).
	eq(t, "programs", st.Programs.Published, 3)
	eq(t, "disseminations", st.Programs.Disseminations, 4)
	eq(t, "reach", st.Programs.Reach, 200)
	eq(t, "villagesWithKim", st.Programs.VillagesWithKim, 3)
	eq(t, "villagesReached", st.Programs.VillagesReached, 2)
	eq(t, "coverage", *st.Programs.CoveragePercent, 66.67)
	// Aspirations of October: a1 RESOLVED, a2 IN_PROGRESS, a3 SUBMITTED, a4
	// DECLINED; acknowledged after 10 h and 20 h (median 15); closed after
	// 48 h and 30 h (median 39). Overdue now: a3 and a5 (September's).
	a := st.Aspirations
	eq(t, "aspirations.submitted", a.Submitted, 4)
	eq(t, "aspirations.byStatus", a.ByStatus, []stats.AspirationCount{{aspiration.Submitted, 1}, {aspiration.InProgress, 1},
		{aspiration.Resolved, 1}, {aspiration.Declined, 1}})
	eq(t, "median acknowledge", *a.MedianAcknowledgeHours, 15.0)
	eq(t, "median response", *a.MedianResponseHours, 39.0)
	eq(t, "overdue", a.Overdue, 2)
	// Weeks: 1 October is a Thursday.
	var starts []string
	var posts, diss []int64
	for _, b := range st.Series {
		starts = append(starts, b.From.Format("01-02")+".."+b.To.Format("01-02"))
		posts = append(posts, b.Posts)
		diss = append(diss, b.Disseminations)
	}
	eq(t, "weeks", starts, []string{"10-01..10-04", "10-05..10-11", "10-12..10-18", "10-19..10-25", "10-26..10-31"})
	eq(t, "posts by week", posts, []int64{0, 2, 1, 0, 1})
	eq(t, "relays by week", diss, []int64{0, 3, 1, 0, 0})
	// The activity index of its KIM as of 31 October: A 49.5, B 29.5, F 0.
	eq(t, "activity", *st.Activity, stats.RegionActivity{Code: "64.02", AsOf: day("2026-10-31"), Communities: 3,
		ActiveCommunities: 2, AverageScore: ptr(26.3)})

	month := october
	month.Granularity = stats.Month
	st, err = svc.Region(context.Background(), humasKukar, "64.02", month, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "months", len(st.Series), 1)
	eq(t, "October's posts", st.Series[0].Posts, 4)
	eq(t, "October's aspirations", [2]int64{st.Series[0].AspirationsSubmitted, st.Series[0].AspirationsClosed}, [2]int64{4, 2})
	if st.Activity != nil {
		t.Error("the activity index was computed though not asked for")
	}
}

func TestChildrenStatsOfARegency(t *testing.T) {
	_, svc := setup(t)
	rows, err := svc.Children(context.Background(), humasKukar, "64.02", october, stats.Options{Activity: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Code != "64.02.01" || rows[1].Code != "64.02.06" {
		t.Fatalf("rows: %v", rows)
	}
	muara, tgr := rows[0], rows[1]
	// Muara Muntai holds A, C, D, F; Tenggarong holds B.
	eq(t, "Muara Muntai communities", muara.Communities.Total, 4)
	eq(t, "Tenggarong communities", tgr.Communities.Total, 1)
	eq(t, "posts", [2]int64{muara.Posts, tgr.Posts}, [2]int64{3, 1})
	// P1 and P2 from above reach both; P6 only Muara Muntai.
	eq(t, "programmes", [2]int64{muara.Programs.Published, tgr.Programs.Published}, [2]int64{3, 2})
	eq(t, "reach", [2]int64{muara.Programs.Reach, tgr.Programs.Reach}, [2]int64{170, 30})
	eq(t, "coverage", [2]float64{*muara.Programs.CoveragePercent, *tgr.Programs.CoveragePercent}, [2]float64{50, 100})
	eq(t, "overdue", [2]int64{muara.Aspirations.Overdue, tgr.Aspirations.Overdue}, [2]int64{2, 0})
	eq(t, "activity", [2]float64{*muara.Activity.AverageScore, *tgr.Activity.AverageScore}, [2]float64{24.8, 29.5})

	// The villages of a district: a village's own figures.
	rows, err = svc.Children(context.Background(), humasKukar, "64.02.01", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "villages", len(rows), 3)
	eq(t, "Perian's posts", rows[0].Posts, 3)
	eq(t, "Jantur's showcases", rows[1].Showcases, 2)
	eq(t, "Muara Leka's villages with a KIM", rows[2].Programs.VillagesWithKim, 1)
}

// TestVillagesWithKimCountsVillages: two KIM in one village make one
// village with a KIM; a KIM domiciled at a district makes none.
func TestVillagesWithKimCountsVillages(t *testing.T) {
	db, svc := setup(t)
	db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, member_count, created_by) VALUES
		('KIM G', 'g', 'KIM', '64.02.01.2001', 'ACTIVE', '64.02-0005', 2, 1),
		('KIM H', 'h', 'KIM', '64.02.01', 'ACTIVE', '64.02-0006', 4, 1)`)
	st, err := svc.Region(context.Background(), humasKukar, "64.02", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A, B, F and now G in Perian (A's village) and H at Muara Muntai.
	eq(t, "villagesWithKim", st.Programs.VillagesWithKim, 3)
	eq(t, "communities.total", st.Communities.Total, 7)
	eq(t, "communities.byCategory", st.Communities.ByCategory, []stats.CategoryCount{{community.KIM, 5}, {community.TraditionalMedia, 1}})
	eq(t, "members.active", st.Members.Active, 4+2+4)
}

func TestActivityIndex(t *testing.T) {
	_, svc := setup(t)
	ctx := context.Background()
	asOf := day("2026-10-31")
	ranking, err := svc.CommunityRanking(ctx, adminKaltim, "64", asOf, community.KIM, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var scores []float64
	for _, r := range ranking {
		got = append(got, r.Name)
		scores = append(scores, r.Score)
	}
	// A: 4 posts in 90 days (10.0), 3 relays (12.5), 1 answered (5.0), net
	// growth 1 (2.0), active today (20) = 49.5. B: 2.5 + 4.2 + 5.0 + 2.0 +
	// 15.8 (18 days) = 29.5. E: 5.0 + 4.2 + 15.5 (19 days) = 24.7. F: 0.
	eq(t, "ranking", got, []string{"KIM A", "KIM B", "KIM E", "KIM F"})
	eq(t, "scores", scores, []float64{49.5, 29.5, 24.7, 0})
	eq(t, "ranks", *ranking[3].Rank, 4)
	a := ranking[0]
	eq(t, "A's figures", a.Figures, stats.Figures{Content: 4, Disseminations: 3, Answered: 1, Growth: 1, DaysSinceLast: ptr(int64(0))})
	var pts []float64
	for _, c := range a.Components {
		pts = append(pts, c.Points)
	}
	eq(t, "A's points", pts, []float64{10, 12.5, 5, 2, 20})

	top, err := svc.CommunityRanking(ctx, humasKukar, "64.02", asOf, community.KIM, 1)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "the regency's first", top[0].Name, "KIM A")

	regions, err := svc.RegionRanking(ctx, adminKaltim, "64", asOf, community.KIM)
	if err != nil {
		t.Fatal(err)
	}
	// Kutai Kartanegara averages (49.5 + 29.5 + 0) / 3 = 26.3; Paser 24.7.
	eq(t, "region ranking", []string{regions[0].Code, regions[1].Code}, []string{"64.02", "64.01"})
	eq(t, "averages", []float64{*regions[0].AverageScore, *regions[1].AverageScore}, []float64{26.3, 24.7})

	// A month later nothing is recent: A keeps what lies in the window.
	later, err := svc.OfCommunities(ctx, []int64{1}, day("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	// Window 3 October – 31 December: posts of 5, 6, 31 October and 1
	// November (10.0), relays of 5 and 6 October (8.3), a1 closed (5.0),
	// growth 1 (9 October) - 1 (20 October) = 0, last activity 1 November,
	// 60 days before: no recency.
	eq(t, "A later", later[1].Score, 23.3)
}

func TestScoreFormula(t *testing.T) {
	cases := []struct {
		f    stats.Figures
		want float64
	}{
		{stats.Figures{}, 0},
		{stats.Figures{Content: 12, Disseminations: 6, Answered: 3, Growth: 5, DaysSinceLast: ptr(int64(7))}, 100},
		{stats.Figures{Content: 100, Disseminations: 100, Answered: 100, Growth: 100, DaysSinceLast: ptr(int64(0))}, 100},
		{stats.Figures{Growth: -4, DaysSinceLast: ptr(int64(60))}, 0},
		// 30 × 6/12 = 15; 20 × (60 - 33)/53 = 10.19 → 10.2.
		{stats.Figures{Content: 6, DaysSinceLast: ptr(int64(33))}, 25.2},
	}
	for _, c := range cases {
		got, comps := stats.Score(c.f)
		if got != c.want {
			t.Errorf("Score(%+v) = %v, want %v", c.f, got, c.want)
		}
		if len(comps) != 5 {
			t.Errorf("%d components", len(comps))
		}
		sum, max := 0.0, 0.0
		for _, x := range comps {
			sum += x.Points
			max += x.MaxPoints
		}
		if sum-got > 1e-9 || got-sum > 1e-9 || max != 100 {
			t.Errorf("components add up to %v of %v, score %v", sum, max, got)
		}
	}
}

func TestDashboardsAreForTheGovernmentInScope(t *testing.T) {
	_, svc := setup(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		actor access.Actor
		code  string
		want  apperr.Code
	}{
		{"anonymous", anonymous, "64.02", apperr.Unauthenticated},
		{"a community member", memberA, "64.02", apperr.Forbidden},
		{"HUMAS of the regency", humasKukar, "64.02", ""},
		{"HUMAS of the regency, below it", humasKukar, "64.02.01", ""},
		{"HUMAS of the regency, the province", humasKukar, "64", apperr.Forbidden},
		{"HUMAS of a district, its regency", humasMuara, "64.02", apperr.Forbidden},
		{"ADMIN of another regency", adminPaser, "64.02", apperr.Forbidden},
		{"ADMIN of the province", adminKaltim, "64.02", ""},
		{"superadmin", superadmin, "64", ""},
	}
	for _, c := range cases {
		_, err1 := svc.Region(ctx, c.actor, c.code, october, stats.Options{})
		_, err2 := svc.Children(ctx, c.actor, c.code, october, stats.Options{})
		_, err3 := svc.CommunityRanking(ctx, c.actor, c.code, day("2026-10-31"), community.KIM, 5)
		_, err4 := svc.RegionRanking(ctx, c.actor, c.code, day("2026-10-31"), community.KIM)
		for i, err := range []error{err1, err2, err3, err4} {
			if got := apperr.CodeOf(err); (err == nil) != (c.want == "") || (err != nil && got != c.want) {
				t.Errorf("%s, call %d: got %v, want %q", c.name, i+1, err, c.want)
			}
		}
	}
	a := &community.Community{ID: 1, DomicileCode: ptr("64.02.01.2001")}
	for _, c := range []struct {
		name  string
		actor access.Actor
		role  access.CommunityRole
		want  bool
	}{
		{"anonymous", anonymous, "", false},
		{"its member", memberA, access.Member, true},
		{"another community's member", memberA, "", false},
		{"HUMAS over it", humasKukar, "", true},
		{"ADMIN elsewhere", adminPaser, "", false},
	} {
		if got := stats.MayReadActivity(c.actor, a, c.role); got != c.want {
			t.Errorf("%s reads the activity index: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBadArguments(t *testing.T) {
	db, svc := setup(t)
	ctx := context.Background()
	long := stats.Period{From: day("2024-01-01"), To: day("2026-10-31"), Granularity: stats.Week}
	backwards := stats.Period{From: day("2026-10-31"), To: day("2026-10-01"), Granularity: stats.Week}
	for _, c := range []struct {
		name, code string
		p          stats.Period
		field      string
	}{
		{"a period too long", "64.02", long, "from"},
		{"a period backwards", "64.02", backwards, "to"},
		{"a bad code", "64.x", october, "code"},
		{"year 0", "64.02", stats.Period{From: day("0000-01-01"), To: day("0000-12-31"), Granularity: stats.Week}, "from"},
		{"year 2200", "64.02", stats.Period{From: day("2100-12-01"), To: day("2200-01-01"), Granularity: stats.Week}, "to"},
	} {
		_, err := svc.Region(ctx, superadmin, c.code, c.p, stats.Options{})
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.BadUserInput || e.Field != c.field {
			t.Errorf("%s: got %v, want BAD_USER_INPUT on %s", c.name, err, c.field)
		}
	}
	if _, err := svc.Region(ctx, superadmin, "64.09", october, stats.Options{}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("an unknown region: %v", err)
	}
	if _, err := svc.CommunityRanking(ctx, superadmin, "64", day("2026-10-31"), community.KIM, 101); !apperr.Is(err, apperr.BadUserInput) {
		t.Errorf("first: 101: %v", err)
	}
	for _, asOf := range []string{"0001-01-01", "2026-11-02"} { // today is 1 November
		_, err1 := svc.CommunityRanking(ctx, superadmin, "64", day(asOf), community.KIM, 5)
		_, err2 := svc.RegionRanking(ctx, superadmin, "64", day(asOf), community.KIM)
		for _, err := range []error{err1, err2} {
			if e, ok := apperr.As(err); !ok || e.Field != "asOf" {
				t.Errorf("asOf %s: %v", asOf, err)
			}
		}
	}
	// A period reaching past today reads the summary up to today: not the
	// post scheduled for 20 November.
	db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
		VALUES (1, 1, 'later', 'later', '64.02.01.2001', 'PUBLISHED', '2026-11-20 10:00+07')`)
	future, err := svc.Region(ctx, superadmin, "64.02", stats.Period{From: day("2026-10-01"), To: day("2026-11-30"), Granularity: stats.Month}, stats.Options{Activity: true})
	if err != nil {
		t.Fatal(err)
	}
	// October's 4 and 1 November's (02:00 WIB, before noon today).
	eq(t, "posts up to today", future.Posts, 5)
	eq(t, "activity as of today", future.Activity.AsOf, day("2026-11-01"))
}

// TestTriggersMatchARebuild holds the triggers to the definition: after
// inserts, updates (publish, take down, leave, resolve, move) and deletes,
// the summary equals one recomputed from the base tables.
func TestTriggersMatchARebuild(t *testing.T) {
	db, _ := setup(t)
	db.MustExec(`
		UPDATE posts SET status = 'PUBLISHED', publish_at = '2026-10-08 10:00+07' WHERE slug = 'p5';
		UPDATE posts SET publish_at = '2026-10-09 10:00+07' WHERE slug = 'p1';
		UPDATE showcases SET status = 'ARCHIVED' WHERE slug = 's2';
		DELETE FROM disseminations WHERE reach = 20;
		UPDATE disseminations SET reach = 75 WHERE reach = 70;
		UPDATE memberships SET status = 'REMOVED', updated_at = '2026-10-25 10:00+07' WHERE account_id = 3;
		UPDATE memberships SET status = 'ACTIVE', joined_at = '2026-10-28 10:00+07', updated_at = '2026-10-28 10:00+07' WHERE account_id = 5;
		UPDATE aspirations SET status = 'DECLINED', status_reason = 'x', closed_at = '2026-10-30 10:00+07', due_at = NULL WHERE tracking_code = 'ASP-0000-0002';
		UPDATE memberships SET role = 'EDITOR', updated_at = '2026-10-29 10:00+07' WHERE account_id = 2 AND community_id = 1;
		DELETE FROM membership_events WHERE account_id = 4;`)
	type row struct {
		Community int64  `db:"community_id"`
		Day       string `db:"day"`
		Domicile  string `db:"domicile_code"`
		counters
	}
	// The rebuild does not make rows of zeros (nonZeroCounters).
	read := func() []row {
		var rows []row
		if err := db.Select(&rows, `SELECT community_id, day::text AS day, posts, showcases, views, joined,
				left_members, disseminations, reach, asp_submitted, asp_closed FROM activity_daily
			WHERE `+nonZeroCounters+`
			ORDER BY community_id, day`); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	byTriggers := read()
	db.MustExec(`SELECT activity_rebuild()`)
	rebuilt := read()
	eq(t, "summary rows", len(byTriggers), len(rebuilt))
	for i := range min(len(byTriggers), len(rebuilt)) {
		if byTriggers[i] != rebuilt[i] {
			t.Errorf("triggers: %+v\nrebuild:  %+v", byTriggers[i], rebuilt[i])
		}
	}
}

// TestMembershipHistoryIsKept: a member who joined, left, was invited back,
// declined, asked again and was admitted counts two joins and one
// departure, each on its day, whatever the row says now.
func TestMembershipHistoryIsKept(t *testing.T) {
	db, svc := setup(t)
	for _, step := range []string{
		`INSERT INTO memberships (community_id, account_id, role, status, joined_at, updated_at)
			VALUES (2, 4, 'MEMBER', 'ACTIVE', '2026-09-05 09:00+07', '2026-09-05 09:00+07')`,
		`UPDATE memberships SET status = 'LEFT', updated_at = '2026-09-10 09:00+07' WHERE community_id = 2 AND account_id = 4`,
		`UPDATE memberships SET status = 'INVITED', updated_at = '2026-10-01 09:00+07' WHERE community_id = 2 AND account_id = 4`,
		`UPDATE memberships SET status = 'REMOVED', updated_at = '2026-10-02 09:00+07' WHERE community_id = 2 AND account_id = 4`,
		`UPDATE memberships SET status = 'REQUESTED', updated_at = '2026-10-20 09:00+07' WHERE community_id = 2 AND account_id = 4`,
		`UPDATE memberships SET status = 'ACTIVE', updated_at = '2026-10-21 09:00+07' WHERE community_id = 2 AND account_id = 4`,
		`UPDATE memberships SET role = 'EDITOR', updated_at = '2026-10-22 09:00+07' WHERE community_id = 2 AND account_id = 4`,
	} {
		db.MustExec(step)
	}
	var events []string
	if err := db.Select(&events, `SELECT kind || ' ' || to_char(at AT TIME ZONE 'Asia/Jakarta', 'MM-DD') FROM membership_events
		WHERE community_id = 2 AND account_id = 4 ORDER BY at`); err != nil {
		t.Fatal(err)
	}
	eq(t, "events", events, []string{"JOIN 09-05", "LEAVE 09-10", "JOIN 10-21"})
	sept := stats.Period{From: day("2026-09-01"), To: day("2026-09-30"), Granularity: stats.Month}
	for _, c := range []struct {
		p    stats.Period
		want stats.MemberStats
	}{
		// Jahab's B: one ACTIVE member before (account 2) plus account 4.
		{sept, stats.MemberStats{Active: 1, Joined: 1, Left: 1}},
		{october, stats.MemberStats{Active: 1, Joined: 2, Left: 0}},
	} {
		st, err := svc.Region(context.Background(), superadmin, "64.02.06", c.p, stats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "members of "+c.p.From.Format("January"), st.Members, c.want)
	}
}

// TestStatisticsFollowAMove: a community that moves takes its history to
// its new domicile.
func TestStatisticsFollowAMove(t *testing.T) {
	db, svc := setup(t)
	db.MustExec(`UPDATE communities SET domicile_code = '64.02.06.1002' WHERE slug = 'e'`)
	st, err := svc.Region(context.Background(), superadmin, "64.02.06", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// B's post and E's two; B's relay (30) and E's (70).
	eq(t, "posts", st.Posts, 3)
	eq(t, "reach", st.Programs.Reach, 100)
}

// TestProvinceStatsFromTheRegencySummary: a province's figures and its
// regencies' rows come from the regency summary; a community domiciled at
// the province counts for the province and for none of its regencies.
func TestProvinceStatsFromTheRegencySummary(t *testing.T) {
	db, svc := setup(t)
	ctx := context.Background()
	db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
			VALUES ('Forum H', 'h', 'KIM', '64', 'ACTIVE', '64-0001', 1);
		INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
			VALUES (7, 1, 'p11', 'p11', '64', 'PUBLISHED', '2026-10-14 10:00+07')`)
	kaltim, err := svc.Region(ctx, adminKaltim, "64", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 64.02's four (TestRegionStatsOfARegency), E's two in 64.01, H's one.
	eq(t, "province posts", kaltim.Posts, 7)
	eq(t, "province reach", kaltim.Programs.Reach, 270)
	rows, err := svc.Children(ctx, adminKaltim, "64", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "regencies", len(rows), 2)
	eq(t, "posts by regency", [2]int64{rows[0].Posts, rows[1].Posts}, [2]int64{2, 4})
	eq(t, "joined by regency", [2]int64{rows[0].Members.Joined, rows[1].Members.Joined}, [2]int64{0, 3})
	eq(t, "weekly posts of 64.01", []int64{rows[0].Series[0].Posts, rows[0].Series[1].Posts, rows[0].Series[2].Posts}, []int64{0, 0, 2})
}

// TestRegencySummaryFollowsItsCommunities: after writes of every kind, a
// community's move to another regency (its history goes along), a move
// within its regency, a community deleted with its activity, and views
// counted, the regency summary holds the sums of its communities' days;
// a rebuild finds the same; and a regency's figures (from the regency
// summary) are the sums of its districts' (from the communities').
func TestRegencySummaryFollowsItsCommunities(t *testing.T) {
	db, svc := setup(t)
	ctx := context.Background()
	db.MustExec(`
		UPDATE posts SET status = 'PUBLISHED', publish_at = '2026-10-08 10:00+07' WHERE slug = 'p5';
		UPDATE communities SET domicile_code = '64.02.06.1002' WHERE slug = 'e';
		UPDATE communities SET domicile_code = '64.02.06.1001' WHERE slug = 'c';
		INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
			VALUES ('KIM G', 'g', 'KIM', '64.01.01.2001', 'ACTIVE', '64.01-0002', 1);
		INSERT INTO memberships (community_id, account_id, role, status, joined_at, updated_at)
			VALUES (7, 3, 'MEMBER', 'ACTIVE', '2026-10-03 09:00+07', '2026-10-03 09:00+07');
		INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
			VALUES ('KIM H', 'h', 'KIM', '64.01.01.2001', 'ACTIVE', '64.01-0003', 1);
		INSERT INTO memberships (community_id, account_id, role, status, joined_at, updated_at)
			VALUES (8, 4, 'MEMBER', 'ACTIVE', '2026-10-03 09:00+07', '2026-10-03 09:00+07');
		DELETE FROM communities WHERE slug = 'h';
		INSERT INTO post_views (post_id, viewer, day) VALUES (9, 'v1', '2026-10-12'), (1, 'v3', '2026-10-05');`)
	if _, err := (&publishing.Service{DB: db}).AggregateViews(ctx); err != nil {
		t.Fatal(err)
	}
	want := regencySums(t, db)
	if len(want) == 0 || want[0].Regency != "64.01" || want[0].Joined != 1 {
		t.Fatalf("the communities' sums start with %+v; want 64.01's day of G's join", want[:min(1, len(want))])
	}
	eq(t, "regency summary by the triggers", regencySummary(t, db), want)
	// A rebuild finds the same; a write after it in its transaction is
	// counted (the triggers' pause ends with the rebuild).
	db.MustExec(`SELECT activity_rebuild();
		UPDATE posts SET publish_at = '2026-10-09 10:00+07' WHERE slug = 'p5'`)
	want = regencySums(t, db)
	eq(t, "regency summary after a rebuild and a write", regencySummary(t, db), want)
	// A community moves to the province's own level, and back into a
	// regency.
	db.MustExec(`UPDATE communities SET domicile_code = '64' WHERE slug = 'b'`)
	eq(t, "regency summary after a move to the province", regencySummary(t, db), regencySums(t, db))
	db.MustExec(`UPDATE communities SET domicile_code = '64.02.06.1001' WHERE slug = 'b'`)
	eq(t, "regency summary after a move back", regencySummary(t, db), regencySums(t, db))

	kukar, err := svc.Region(ctx, superadmin, "64.02", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 64.02's four and p5, and E's two that came along; views: 64.02's
	// four, the new one of p1 and the one of E's p9.
	eq(t, "posts after the moves", kukar.Posts, 7)
	eq(t, "views after the moves", kukar.Views, 6)
	districts, err := svc.Children(ctx, superadmin, "64.02", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The figures the daily sums give, and the same per week.
	figures := func(st *stats.Stats) (total [7]int64, weeks [][8]int64) {
		total = [7]int64{st.Posts, st.Showcases, st.Views, st.Members.Joined, st.Members.Left,
			st.Programs.Disseminations, st.Programs.Reach}
		for _, b := range st.Series {
			weeks = append(weeks, [8]int64{b.Posts, b.Showcases, b.Views, b.Joined, b.Disseminations, b.Reach,
				b.AspirationsSubmitted, b.AspirationsClosed})
		}
		return total, weeks
	}
	var sumTotal [7]int64
	sumWeeks := make([][8]int64, len(kukar.Series))
	for _, d := range districts {
		total, weeks := figures(d)
		for i := range total {
			sumTotal[i] += total[i]
		}
		for w := range weeks {
			for i := range weeks[w] {
				sumWeeks[w][i] += weeks[w][i]
			}
		}
	}
	kukarTotal, kukarWeeks := figures(kukar)
	eq(t, "regency against its districts", kukarTotal, sumTotal)
	eq(t, "regency's weeks against its districts'", kukarWeeks, sumWeeks)
	paser, err := svc.Region(ctx, superadmin, "64.01", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// E left with its posts; G's join stays, H's went with it.
	eq(t, "Paser after the moves", [2]int64{paser.Posts, paser.Members.Joined}, [2]int64{0, 1})
}

// counters are the nine counters of a day in either summary.
type counters struct {
	Posts     int64 `db:"posts"`
	Showcases int64 `db:"showcases"`
	Views     int64 `db:"views"`
	Joined    int64 `db:"joined"`
	Left      int64 `db:"left_members"`
	Diss      int64 `db:"disseminations"`
	Reach     int64 `db:"reach"`
	Submitted int64 `db:"asp_submitted"`
	Closed    int64 `db:"asp_closed"`
}

// regencyDay is a row of activity_regency_daily.
type regencyDay struct {
	Regency string `db:"regency_code"`
	Day     string `db:"day"`
	Stripe  int64  `db:"stripe"`
	counters
}

// counterColumns are the columns of counters, in both summaries.
var counterColumns = []string{"posts", "showcases", "views", "joined", "left_members", "disseminations", "reach", "asp_submitted", "asp_closed"}

// Rows whose counters all went back to zero are kept by the triggers; the
// comparisons leave them out.
var nonZeroCounters = "(" + strings.Join(counterColumns, ", ") + ") <> (0, 0, 0, 0, 0, 0, 0, 0, 0)"

// sums sums each counter of alias's rows, under its own name.
func sums(alias string) string {
	out := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		out[i] = "sum(" + alias + c + ") AS " + c
	}
	return strings.Join(out, ", ")
}

func readRegencyDays(t *testing.T, db *sqlx.DB, query string) []regencyDay {
	t.Helper()
	var rows []regencyDay
	if err := db.Select(&rows, query); err != nil {
		t.Fatal(err)
	}
	return rows
}

// regencySummary reads the regency summary as the triggers keep it, a row
// per stripe.
func regencySummary(t *testing.T, db *sqlx.DB) []regencyDay {
	t.Helper()
	return summaryDays(t, db, "stripe")
}

// regencyDaySums reads the regency summary with each day's stripes summed
// (as stripe 0): what the readers see, however it is striped or folded.
func regencyDaySums(t *testing.T, db *sqlx.DB) []regencyDay {
	t.Helper()
	return summaryDays(t, db, "0")
}

// summaryDays sums the regency summary's counters by regency, day and the
// stripe expression.
func summaryDays(t *testing.T, db *sqlx.DB, stripe string) []regencyDay {
	t.Helper()
	return readRegencyDays(t, db, `SELECT * FROM (SELECT regency_code, day::text AS day, `+stripe+` AS stripe, `+sums("")+`
		FROM activity_regency_daily GROUP BY 1, 2, 3) s
	WHERE `+nonZeroCounters+` ORDER BY 1, 2, 3`)
}

// regencySums computes what the regency summary should hold: each
// community's days in its stripe (id % 16) of its domicile's regency.
func regencySums(t *testing.T, db *sqlx.DB) []regencyDay {
	t.Helper()
	return communityDays(t, db, "c.id % 16")
}

// communityDaySums is what regencyDaySums should read: the communities'
// days summed per regency.
func communityDaySums(t *testing.T, db *sqlx.DB) []regencyDay {
	t.Helper()
	return communityDays(t, db, "0")
}

// communityDays sums the communities' days (activity_daily) by their
// domicile's regency, the day and the stripe expression.
func communityDays(t *testing.T, db *sqlx.DB, stripe string) []regencyDay {
	t.Helper()
	return readRegencyDays(t, db, `SELECT * FROM (SELECT left(c.domicile_code, 5) AS regency_code, a.day::text AS day,
			`+stripe+` AS stripe, `+sums("a.")+`
		FROM activity_daily a JOIN communities c ON c.id = a.community_id
		WHERE c.domicile_code IS NOT NULL GROUP BY 1, 2, 3) s
	WHERE `+nonZeroCounters+` ORDER BY 1, 2, 3`)
}

// TestAMoveAndAFirstWriteOfTheDayAtOnce: a community moves to another
// regency while, on another connection, its first post of a new day is
// published. The new day's row must end up in the new regency, whichever
// commits first: here the writer comes while the move is open, and waits
// for it.
func TestAMoveAndAFirstWriteOfTheDayAtOnce(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	move, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer move.Rollback()
	// B, in 64.02, moves to Paser (64.01).
	if _, err := move.ExecContext(ctx, `UPDATE communities SET domicile_code = '64.01.01.2001' WHERE slug = 'b'`); err != nil {
		t.Fatal(err)
	}
	written := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, `INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
			VALUES (2, 1, 'p12', 'p12', '64.02.06.1001', 'PUBLISHED', '2026-11-02 10:00+07')`)
		written <- err
	}()
	// Until the writer has finished or waits for a lock.
	deadline := time.Now().Add(10 * time.Second)
	for waiting := false; !waiting; {
		select {
		case err := <-written:
			written <- err
			waiting = true
		default:
			if err := db.Get(&waiting, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%''p12''%')`); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatal("the writer neither finished nor waited")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := move.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	eq(t, "regency summary", regencySummary(t, db), regencySums(t, db))
	var regency string
	if err := db.Get(&regency, `SELECT regency_code FROM activity_daily WHERE community_id = 2 AND day = '2026-11-02'`); err != nil {
		t.Fatal(err)
	}
	eq(t, "the new day's regency", regency, "64.01")

	// A write of many communities' days (as the view aggregator's) holds
	// one such lock, not one per community: PostgreSQL's lock table is
	// sized for 64 locks a connection.
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO activity_daily (community_id, day, views)
			SELECT id, '2026-11-03', 1 FROM communities`); err != nil {
		t.Fatal(err)
	}
	var locks int
	if err := tx.Get(&locks, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	eq(t, "advisory locks of a write of every community's day", locks, 1)
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !equal(got, want) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

func ptr[T any](v T) *T { return &v }

// TestPartsComputeTheirFiguresOnly: a request limited to some parts
// (Options.Only) gets the same figures for them as the whole computation,
// and zeros for the rest; the number of aspirations submitted is the same
// whether counted from the aspirations or from the daily summary.
func TestPartsComputeTheirFiguresOnly(t *testing.T) {
	_, svc := setup(t)
	ctx := context.Background()
	whole, err := svc.Region(ctx, humasKukar, "64.02", october, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var empty []stats.Bucket
	for _, b := range whole.Series {
		empty = append(empty, stats.Bucket{From: b.From, To: b.To})
	}
	only := func(p stats.Parts) *stats.Stats {
		t.Helper()
		st, err := svc.Region(ctx, humasKukar, "64.02", october, stats.Options{Only: &p})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	st := only(stats.Parts{Communities: true})
	eq(t, "communities", st.Communities, whole.Communities)
	eq(t, "active members", st.Members, stats.MemberStats{Active: whole.Members.Active})
	eq(t, "villages with a KIM", st.Programs, stats.ProgramStats{VillagesWithKim: whole.Programs.VillagesWithKim})
	eq(t, "no posts", st.Posts, 0)
	eq(t, "no aspirations", st.Aspirations, stats.AspirationStats{})

	st = only(stats.Parts{Daily: true})
	eq(t, "no communities", st.Communities, stats.CommunityCounts{})
	eq(t, "daily members", st.Members, stats.MemberStats{Joined: whole.Members.Joined, Left: whole.Members.Left})
	eq(t, "daily content", [3]int64{st.Posts, st.Showcases, st.Views}, [3]int64{whole.Posts, whole.Showcases, whole.Views})
	eq(t, "daily relays", [2]int64{st.Programs.Disseminations, st.Programs.Reach}, [2]int64{whole.Programs.Disseminations, whole.Programs.Reach})
	eq(t, "series", st.Series, whole.Series)
	eq(t, "aspirations submitted, from the summary", st.Aspirations, stats.AspirationStats{Submitted: whole.Aspirations.Submitted})

	st = only(stats.Parts{Programs: true, Coverage: true})
	eq(t, "programmes", [2]int64{st.Programs.Published, st.Programs.VillagesReached}, [2]int64{whole.Programs.Published, whole.Programs.VillagesReached})
	eq(t, "programmes' series", st.Series, empty)
	eq(t, "coverage needs the villages with a KIM", st.Programs.CoveragePercent, nil)
	st = only(stats.Parts{Communities: true, Coverage: true})
	eq(t, "coverage", *st.Programs.CoveragePercent, *whole.Programs.CoveragePercent)

	st = only(stats.Parts{Aspirations: true})
	eq(t, "aspirations", st.Aspirations, whole.Aspirations)
	eq(t, "nothing else", [2]int64{st.Communities.Total, st.Posts}, [2]int64{0, 0})
}
