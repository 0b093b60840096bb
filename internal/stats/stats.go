// Package stats answers the dashboards: figures of a region's subtree over a
// period (communities, members, posts, showcases, views, programmes and
// their relay, aspirations), cut into weeks or months, and the activity
// index of the province's evaluation (activity.go; docs/activity-index.md).
//
// How it stays fast at national scale: activity is counted per community per
// day in a summary table, activity_daily, that row triggers keep in step
// with the base tables in the same transaction (migrations/00010), and per
// regency per day in a second one, activity_regency_daily, kept in step
// with the first (migrations/00015; striped for its writers, its past days
// folded into one row each by Fold, fold.go). A province's or a regency's
// period is then its regencies' days; a district's or a village's, its communities
// (communities_domicile_idx) times the period's days (activity_daily's
// primary key). Never a scan of posts or memberships, and not the length
// of the history. What cannot be summed per day is read from
// the base tables through indexes, bounded by the subtree: communities by
// status (communities_domicile_idx), programmes by target
// (program_targets_region_idx), and aspirations with their median times
// (aspirations_community_submitted_idx, per community of the subtree).
//
// Activity is attributed to the community's domicile: a regency's figures
// are those of the communities domiciled in it.
package stats

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// Service reads the statistics.
type Service struct {
	DB *sqlx.DB
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time
}

// WIB is the time zone days are counted in (Asia/Jakarta, no daylight
// saving).
var WIB = time.FixedZone("WIB", 7*3600)

// MaxPeriodDays is the longest period one request may ask for.
const MaxPeriodDays = 731

// Granularity cuts a period into a time series.
type Granularity string

// The granularities.
const (
	Week  Granularity = "WEEK"
	Month Granularity = "MONTH"
)

// Period is a span of whole days, From and To included (dates at midnight
// UTC, read as WIB days).
type Period struct {
	From, To    time.Time
	Granularity Granularity
}

// Stats are the figures of one region's subtree over a period.
type Stats struct {
	Code        string
	From, To    time.Time
	Communities CommunityCounts
	Members     MemberStats
	Posts       int64
	Showcases   int64
	Views       int64
	Programs    ProgramStats
	Aspirations AspirationStats
	Series      []Bucket
	// Activity is the region's activity index as of To, filled when
	// asked for (Options.Activity).
	Activity *RegionActivity
}

// CommunityCounts are communities by status and, ACTIVE ones, by category.
type CommunityCounts struct {
	Total      int64
	ByStatus   []StatusCount
	ByCategory []CategoryCount
}

// StatusCount is a number of communities in one status.
type StatusCount struct {
	Status community.Status
	Count  int64
}

// CategoryCount is a number of ACTIVE communities of one category.
type CategoryCount struct {
	Category community.Category
	Count    int64
}

// MemberStats count the memberships of ACTIVE communities (Active) and the
// period's joins and departures (of any community).
type MemberStats struct {
	Active, Joined, Left int64
}

// ProgramStats are programmes and their relay.
type ProgramStats struct {
	Published       int64
	Disseminations  int64
	Reach           int64
	VillagesWithKim int64
	VillagesReached int64
	CoveragePercent *float64
}

// AspirationStats are the aspirations of the subtree's communities.
type AspirationStats struct {
	Submitted              int64
	ByStatus               []AspirationCount
	MedianAcknowledgeHours *float64
	MedianResponseHours    *float64
	Overdue                int64
}

// AspirationCount is a number of aspirations in one status.
type AspirationCount struct {
	Status aspiration.Status
	Count  int64
}

// Bucket is one week or month of a period.
type Bucket struct {
	From, To             time.Time
	Posts, Showcases     int64
	Views                int64
	Joined               int64
	Disseminations       int64
	Reach                int64
	AspirationsSubmitted int64
	AspirationsClosed    int64
}

// Options say what to compute. The zero value computes every figure but
// the activity index.
type Options struct {
	// Activity fills Stats.Activity (the index as of the period's end,
	// for communities of category KIM).
	Activity bool
	// Only, when set, limits the work to the figures a request shows: a
	// tile of counts does not pay for the medians. The figures of a part
	// left out are zero.
	Only *Parts
}

// Parts are the groups of figures, each one statement.
type Parts struct {
	// Communities: communities by status and category, active members,
	// villages with a KIM.
	Communities bool
	// Daily (the summary table): posts, showcases, views, joins and
	// departures, disseminations and reach, the series, and the number of
	// aspirations submitted when Aspirations does not run (the triggers
	// keep the summary's count equal to the aspirations', as the
	// rebuild test checks).
	Daily bool
	// Programs: the programmes published.
	Programs bool
	// Coverage: the villages reached.
	Coverage bool
	// Aspirations: by status, the median times, the overdue count (and
	// the number submitted, counted from the aspirations themselves).
	Aspirations bool
}

// allParts are every part: what a request without Options.Only computes.
var allParts = Parts{Communities: true, Daily: true, Programs: true, Coverage: true, Aspirations: true}

// With returns the parts of p and of q.
func (p Parts) With(q Parts) Parts {
	return Parts{p.Communities || q.Communities, p.Daily || q.Daily, p.Programs || q.Programs,
		p.Coverage || q.Coverage, p.Aspirations || q.Aspirations}
}

// Authorize checks that actor may read the dashboards of code: ADMINs and
// HUMAS whose region covers it, and superadmins.
func Authorize(actor access.Actor, code string) error {
	return access.Check(actor, access.ReadDashboard, access.Resource{RegionCode: code})
}

// The dates a dashboard may ask about.
var (
	firstDay = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
)

// checkDay refuses a date outside 2000–2100, naming the argument.
func checkDay(field string, d time.Time) error {
	if d.Before(firstDay) || d.After(lastDay) {
		return apperr.Invalid(field, "%s is %s; dashboards cover the years 2000 to 2100", field, d.Format(time.DateOnly))
	}
	return nil
}

// Validate checks a period, naming the argument at fault.
func (p Period) Validate() error {
	if err := checkDay("from", p.From); err != nil {
		return err
	}
	if err := checkDay("to", p.To); err != nil {
		return err
	}
	switch {
	case p.To.Before(p.From):
		return apperr.Invalid("to", "the period ends (%s) before it starts (%s)", p.To.Format(time.DateOnly), p.From.Format(time.DateOnly))
	case days(p.From, p.To)+1 > MaxPeriodDays:
		return apperr.Invalid("from", "the period spans %d days; at most %d: ask for several periods", days(p.From, p.To)+1, MaxPeriodDays)
	case p.Granularity != Week && p.Granularity != Month:
		return apperr.Invalid("granularity", "granularity must be WEEK or MONTH")
	}
	return nil
}

func days(from, to time.Time) int { return int(to.Sub(from).Hours()/24 + 0.5) }

// Region returns the figures of code's subtree over p, for an actor allowed
// to read them.
func (s *Service) Region(ctx context.Context, actor access.Actor, code string, p Period, o Options) (*Stats, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRegion(ctx, actor, code, "code"); err != nil {
		return nil, err
	}
	out, err := s.compute(ctx, code, []string{code}, p, o)
	if err != nil {
		return nil, err
	}
	return out[code], nil
}

// Children returns one row of figures per region one level below code, in
// code order, for an actor allowed to read code's.
func (s *Service) Children(ctx context.Context, actor access.Actor, code string, p Period, o Options) ([]*Stats, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := Authorize(actor, code); err != nil {
		return nil, err
	}
	children, err := s.childCodes(ctx, code)
	if err != nil || len(children) == 0 {
		return []*Stats{}, err
	}
	m, err := s.compute(ctx, code, children, p, o)
	if err != nil {
		return nil, err
	}
	out := make([]*Stats, len(children))
	for i, c := range children {
		out[i] = m[c]
	}
	return out, nil
}

// compute fills the figures of groups, the subtrees of codes that all lie in
// parent's subtree and have one length: parent itself, or its children.
// Each statement groups by left(code, length) over parent's code range.
func (s *Service) compute(ctx context.Context, parent string, groups []string, p Period, o Options) (map[string]*Stats, error) {
	width := len(groups[0])
	out := make(map[string]*Stats, len(groups))
	for _, g := range groups {
		out[g] = &Stats{Code: g, From: p.From, To: p.To, Series: buckets(p)}
	}
	// Days after today hold only what is scheduled: the summary is read up
	// to today (an empty period reads nothing).
	upToToday := p
	if today := s.Today(); upToToday.To.After(today) {
		upToToday.To = today
	}
	parts := allParts
	if o.Only != nil {
		parts = *o.Only
	}
	type step func(context.Context, string, int, Period, map[string]*Stats) error
	var steps []step
	for _, st := range []struct {
		on, needsDays bool
		run           step
	}{
		{parts.Communities, false, s.communities},
		{parts.Programs, false, s.programs},
		{parts.Aspirations, false, s.aspirations},
		{parts.Daily, true, s.daily},
		{parts.Coverage, true, s.villagesReached},
	} {
		if st.on && (!st.needsDays || !upToToday.To.Before(upToToday.From)) {
			steps = append(steps, st.run)
		}
	}
	// The steps run at once, each on its own connection: a request's
	// latency is its slowest statement's, not their sum. Each step writes
	// its own fields of the groups' Stats, never the map.
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step(ctx, parent, width, upToToday, out)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, st := range out {
		for _, b := range st.Series {
			st.Posts += b.Posts
			st.Showcases += b.Showcases
			st.Views += b.Views
			st.Members.Joined += b.Joined
			st.Programs.Disseminations += b.Disseminations
			st.Programs.Reach += b.Reach
			if !parts.Aspirations {
				st.Aspirations.Submitted += b.AspirationsSubmitted
			}
		}
		if parts.Communities && parts.Coverage {
			st.Programs.CoveragePercent = percent(st.Programs.VillagesReached, st.Programs.VillagesWithKim)
		}
	}
	if o.Activity {
		asOf := upToToday.To
		acts, err := s.regionActivity(ctx, parent, width, asOf, community.KIM)
		if err != nil {
			return nil, err
		}
		for g, st := range out {
			a := acts[g]
			if a == nil {
				a = &RegionActivity{Code: g, AsOf: asOf}
			}
			st.Activity = a
		}
	}
	return out, nil
}

// checkRegion checks that the region exists and that actor may read its
// dashboards; a bad code is reported on the argument field.
func (s *Service) checkRegion(ctx context.Context, actor access.Actor, code, field string) error {
	if _, err := region.NewStore(s.DB).Get(ctx, code); err != nil {
		if e, ok := apperr.As(err); ok && e.Field == "code" && field != "code" {
			c := *e
			c.Field = field
			return &c
		}
		return err
	}
	return Authorize(actor, code)
}

// childCodes lists the codes of the regions one level below code, in order.
func (s *Service) childCodes(ctx context.Context, code string) ([]string, error) {
	var children []string
	err := s.DB.SelectContext(ctx, &children, `SELECT code FROM regions WHERE parent_code = $1 ORDER BY code`, code)
	return children, postgres.MapError(err, "region children", "")
}

// subtree is the condition "col lies in $1's subtree" (region.SubtreeRange).
func subtree(col string) string { return region.SubtreeRange(col, "$1") }

func (s *Service) communities(ctx context.Context, parent string, width int, _ Period, out map[string]*Stats) error {
	var rows []struct {
		G        string             `db:"g"`
		Status   community.Status   `db:"status"`
		Category community.Category `db:"category"`
		N        int64              `db:"n"`
		Members  int64              `db:"members"`
		Villages int64              `db:"villages"`
	}
	// Grouped by domicile first, each row of the outer grouping is one
	// place, so villages are counted without count(DISTINCT), whose sort of
	// every community was half of a regency's figures (0.69 → 0.38 ms).
	err := s.DB.SelectContext(ctx, &rows, `SELECT left(d, $2) AS g, status, category, sum(n)::bigint AS n,
			COALESCE(sum(members), 0)::bigint AS members,
			count(*) FILTER (WHERE length(d) = 13) AS villages
		FROM (SELECT domicile_code AS d, status, category, count(*) AS n, sum(member_count) AS members
			FROM communities WHERE `+subtree("domicile_code")+`
			GROUP BY 1, 2, 3) v
		GROUP BY 1, 2, 3`, parent, width)
	if err != nil {
		return postgres.MapError(err, "community statistics", "")
	}
	for _, r := range rows {
		st := out[r.G]
		if st == nil {
			continue // domiciled above the groups' level
		}
		c := &st.Communities
		c.Total += r.N
		c.ByStatus = addStatus(c.ByStatus, r.Status, r.N)
		if r.Status == community.Active {
			c.ByCategory = addCategory(c.ByCategory, r.Category, r.N)
			st.Members.Active += r.Members
			if r.Category == community.KIM {
				st.Programs.VillagesWithKim = r.Villages
			}
		}
	}
	return nil
}

func addStatus(list []StatusCount, s community.Status, n int64) []StatusCount {
	for i := range list {
		if list[i].Status == s {
			list[i].Count += n
			return list
		}
	}
	list = append(list, StatusCount{s, n})
	sort.Slice(list, func(i, j int) bool { return statusOrder[list[i].Status] < statusOrder[list[j].Status] })
	return list
}

var statusOrder = map[community.Status]int{community.Draft: 0, community.Submitted: 1, community.Active: 2, community.Rejected: 3, community.Suspended: 4}

func addCategory(list []CategoryCount, c community.Category, n int64) []CategoryCount {
	for i := range list {
		if list[i].Category == c {
			list[i].Count += n
			return list
		}
	}
	list = append(list, CategoryCount{c, n})
	sort.Slice(list, func(i, j int) bool { return list[i].Category < list[j].Category })
	return list
}

// regencyWidth is the length of a regency's code: groups whose codes are
// no longer (provinces, regencies) are summed from activity_regency_daily.
const regencyWidth = 5

// daily sums the summaries per group and bucket: a province's or a
// regency's from activity_regency_daily (its days, and a province's
// regencies' days), a district's or a village's from activity_daily (its
// communities' days).
func (s *Service) daily(ctx context.Context, parent string, width int, p Period, out map[string]*Stats) error {
	var rows []struct {
		G         string    `db:"g"`
		B         time.Time `db:"b"`
		Posts     int64     `db:"posts"`
		Showcases int64     `db:"showcases"`
		Views     int64     `db:"views"`
		Joined    int64     `db:"joined"`
		Left      int64     `db:"left_members"`
		Diss      int64     `db:"disseminations"`
		Reach     int64     `db:"reach"`
		Submitted int64     `db:"submitted"`
		Closed    int64     `db:"closed"`
	}
	const sums = `date_trunc($5, a.day::timestamp)::date AS b,
			sum(a.posts) AS posts, sum(a.showcases) AS showcases, sum(a.views) AS views, sum(a.joined) AS joined,
			sum(a.left_members) AS left_members, sum(a.disseminations) AS disseminations, sum(a.reach) AS reach,
			sum(a.asp_submitted) AS submitted, sum(a.asp_closed) AS closed`
	query := `SELECT left(c.domicile_code, $2) AS g, ` + sums + `
		FROM communities c CROSS JOIN LATERAL (
			SELECT * FROM activity_daily a WHERE a.community_id = c.id AND a.day BETWEEN $3::date AND $4::date
			OFFSET 0 -- per community by the primary key, not a scan of every day
		) a
		WHERE ` + subtree("c.domicile_code") + `
		GROUP BY 1, 2`
	if width <= regencyWidth {
		// The keys: parent (a province or a regency), and a province's
		// regencies.
		keys := `SELECT $1::text AS code`
		if len(parent) < regencyWidth {
			keys += ` UNION ALL SELECT code FROM regions WHERE parent_code = $1`
		}
		query = `SELECT left(k.code, $2) AS g, ` + sums + `
		FROM (` + keys + `) k
		CROSS JOIN LATERAL (
			SELECT * FROM activity_regency_daily a WHERE a.regency_code = k.code AND a.day BETWEEN $3::date AND $4::date
			OFFSET 0 -- per key by the primary key
		) a
		GROUP BY 1, 2`
	}
	err := s.DB.SelectContext(ctx, &rows, query, parent, width, date(p.From), date(p.To), truncUnit(p.Granularity))
	if err != nil {
		return postgres.MapError(err, "activity statistics", "")
	}
	for _, r := range rows {
		st := out[r.G]
		if st == nil {
			continue
		}
		i := bucketIndex(st.Series, r.B, p)
		if i < 0 {
			return fmt.Errorf("stats: bucket %s outside the period", date(r.B))
		}
		b := &st.Series[i]
		b.Posts += r.Posts
		b.Showcases += r.Showcases
		b.Views += r.Views
		b.Joined += r.Joined
		b.Disseminations += r.Diss
		b.Reach += r.Reach
		b.AspirationsSubmitted += r.Submitted
		b.AspirationsClosed += r.Closed
		st.Members.Left += r.Left
	}
	return nil
}

// villagesReached counts, per group, the villages where an ACTIVE KIM
// domiciled there reported relaying a programme in the period.
func (s *Service) villagesReached(ctx context.Context, parent string, width int, p Period, out map[string]*Stats) error {
	var rows []struct {
		G string `db:"g"`
		N int64  `db:"n"`
	}
	err := s.DB.SelectContext(ctx, &rows, `SELECT left(c.domicile_code, $2) AS g, count(DISTINCT c.domicile_code) AS n
		FROM communities c
		WHERE `+subtree("c.domicile_code")+` AND length(c.domicile_code) = 13 AND c.status = 'ACTIVE' AND c.category = 'KIM'
		  AND EXISTS (SELECT 1 FROM activity_daily a WHERE a.community_id = c.id
		              AND a.day BETWEEN $3::date AND $4::date AND a.disseminations > 0)
		GROUP BY 1`, parent, width, date(p.From), date(p.To))
	if err != nil {
		return postgres.MapError(err, "coverage statistics", "")
	}
	for _, r := range rows {
		if st := out[r.G]; st != nil {
			st.Programs.VillagesReached = r.N
		}
	}
	return nil
}

// programs counts the programmes published in the period that target a
// group's subtree, a part of it, or a region above it.
func (s *Service) programs(ctx context.Context, parent string, width int, p Period, out map[string]*Stats) error {
	groups := make([]string, 0, len(out))
	for g := range out {
		groups = append(groups, g)
	}
	// Targets at or above parent apply to every group; parent itself is
	// "above" only when the groups are its children.
	above := region.AncestorsOf(parent)
	if width > len(parent) {
		above = append(above, parent)
	}
	var rows []struct {
		G string `db:"g"`
		N int64  `db:"n"`
	}
	// Each hit's programme is read by its key (a LATERAL subquery, which
	// its LIMIT keeps from being flattened into a join; the key is
	// unique, so the LIMIT drops nothing). As a join, the plan made once
	// for all values (the statement cache's) hashed every programme and
	// computed its day: 3.0–3.6 ms at 5,000 programmes for a regency's
	// 240 hits, against 0.5–0.6 ms looked up.
	err := s.DB.SelectContext(ctx, &rows, `WITH hits AS (
			SELECT left(t.region_code, $2) AS g, t.program_id FROM program_targets t
			WHERE `+subtree("t.region_code")+` AND length(t.region_code) >= $2
			UNION
			SELECT g.code, t.program_id FROM program_targets t CROSS JOIN unnest($5::text[]) AS g(code)
			WHERE t.region_code = ANY($6)
		)
		SELECT h.g, count(*) AS n FROM hits h CROSS JOIN LATERAL (
			SELECT 1 FROM programs p WHERE p.id = h.program_id
			AND p.published_at IS NOT NULL AND wib_day(p.published_at) BETWEEN $3::date AND $4::date
			LIMIT 1
		) p
		GROUP BY 1`, parent, width, date(p.From), date(p.To), pq.Array(groups), pq.Array(above))
	if err != nil {
		return postgres.MapError(err, "programme statistics", "")
	}
	for _, r := range rows {
		if st := out[r.G]; st != nil {
			st.Programs.Published = r.N
		}
	}
	return nil
}

// aspirations counts the aspirations submitted in the period by status,
// their median times, and every open one past due now.
func (s *Service) aspirations(ctx context.Context, parent string, width int, p Period, out map[string]*Stats) error {
	var rows []struct {
		G         string             `db:"g"`
		Status    *aspiration.Status `db:"status"`
		Submitted int64              `db:"submitted"`
		Overdue   int64              `db:"overdue"`
		Ack       *float64           `db:"ack"`
		Resp      *float64           `db:"resp"`
	}
	from, to := p.From.Format(time.DateOnly), p.To.AddDate(0, 0, 1).Format(time.DateOnly)
	err := s.DB.SelectContext(ctx, &rows, `SELECT left(c.domicile_code, $2) AS g,
			CASE WHEN GROUPING(a.status) = 0 THEN a.status END AS status,
			count(*) FILTER (WHERE a.submitted_at >= $3 AND a.submitted_at < $4) AS submitted,
			count(*) FILTER (WHERE a.due_at < $5) AS overdue,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.acknowledged_at - a.submitted_at) / 3600)
				FILTER (WHERE a.submitted_at >= $3 AND a.submitted_at < $4 AND a.acknowledged_at IS NOT NULL) AS ack,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.closed_at - a.submitted_at) / 3600)
				FILTER (WHERE a.submitted_at >= $3 AND a.submitted_at < $4 AND a.closed_at IS NOT NULL) AS resp
		FROM communities c CROSS JOIN LATERAL (
			SELECT * FROM aspirations a WHERE a.community_id = c.id
			  AND (a.submitted_at >= $3 AND a.submitted_at < $4 OR a.due_at < $5)
			OFFSET 0 -- per community by its index, not a scan of every aspiration
		) a
		WHERE `+subtree("c.domicile_code")+`
		GROUP BY GROUPING SETS ((1, a.status), (1))`,
		parent, width, from+" 00:00:00+07", to+" 00:00:00+07", s.now())
	if err != nil {
		return postgres.MapError(err, "aspiration statistics", "")
	}
	for _, r := range rows {
		st := out[r.G]
		if st == nil {
			continue
		}
		a := &st.Aspirations
		if r.Status == nil { // the group's total row
			a.Submitted, a.Overdue = r.Submitted, r.Overdue
			a.MedianAcknowledgeHours, a.MedianResponseHours = round2(r.Ack), round2(r.Resp)
			continue
		}
		if r.Submitted > 0 {
			a.ByStatus = append(a.ByStatus, AspirationCount{*r.Status, r.Submitted})
		}
	}
	for _, st := range out {
		sort.Slice(st.Aspirations.ByStatus, func(i, j int) bool {
			return aspirationOrder[st.Aspirations.ByStatus[i].Status] < aspirationOrder[st.Aspirations.ByStatus[j].Status]
		})
	}
	return nil
}

var aspirationOrder = map[aspiration.Status]int{aspiration.Submitted: 0, aspiration.Acknowledged: 1, aspiration.InProgress: 2,
	aspiration.Resolved: 3, aspiration.Declined: 4}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Today is the current WIB date, as a date at midnight UTC.
func (s *Service) Today() time.Time {
	y, m, d := s.now().In(WIB).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

func truncUnit(g Granularity) string {
	if g == Month {
		return "month"
	}
	return "week"
}

// buckets cuts p into weeks (Monday to Sunday) or calendar months, the
// first and last clipped to the period.
func buckets(p Period) []Bucket {
	var out []Bucket
	start := bucketStart(p.From, p.Granularity)
	for start.Before(p.To) || start.Equal(p.To) {
		next := start.AddDate(0, 0, 7)
		if p.Granularity == Month {
			next = start.AddDate(0, 1, 0)
		}
		b := Bucket{From: start, To: next.AddDate(0, 0, -1)}
		if b.From.Before(p.From) {
			b.From = p.From
		}
		if b.To.After(p.To) {
			b.To = p.To
		}
		out = append(out, b)
		start = next
	}
	return out
}

func bucketStart(t time.Time, g Granularity) time.Time {
	if g == Month {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) // back to Monday
}

// bucketIndex finds the bucket that starts (before clipping) on start.
func bucketIndex(series []Bucket, start time.Time, p Period) int {
	for i, b := range series {
		if bucketStart(b.From, p.Granularity).Equal(start.UTC()) {
			return i
		}
	}
	return -1
}

func percent(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(part) / float64(whole) * 100
	return round2(&v)
}

func round2(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := float64(int64(*v*100+0.5)) / 100
	return &r
}
