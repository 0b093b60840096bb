package stats

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/postgres"
)

// The activity index (docs/activity-index.md is the version for people).
// It looks at the Window days ending on the day it is computed for, and
// adds five parts, each capped, to a score from 0 to 100:
//
//	CONTENT         30 points at 12 posts and showcases published (pro rata below)
//	DISSEMINATION   25 points at 6 programme relays reported
//	ASPIRATIONS     15 points at 3 of its aspirations answered (RESOLVED or DECLINED)
//	MEMBER_GROWTH   10 points at a net gain of 5 active members (none for a loss)
//	RECENCY         20 points if its last post, showcase, relay or aspiration is at
//	                most 7 days old, falling evenly to none at 60 days
//
// Each part's points are rounded to one decimal, and the score is their sum.
const Window = 90

// Factor names a part of the index.
type Factor string

// The parts.
const (
	Content       Factor = "CONTENT"
	Dissemination Factor = "DISSEMINATION"
	Aspirations   Factor = "ASPIRATIONS"
	MemberGrowth  Factor = "MEMBER_GROWTH"
	Recency       Factor = "RECENCY"
)

// factorRule is a count factor's cap: MaxPoints at Target.
type factorRule struct {
	factor    Factor
	target    float64
	maxPoints float64
}

var countRules = []factorRule{
	{Content, 12, 30},
	{Dissemination, 6, 25},
	{Aspirations, 3, 15},
	{MemberGrowth, 5, 10},
}

// Recency's scale.
const (
	recencyPoints   = 20.0
	recencyFullDays = 7  // full points up to this many days
	recencyNoneDays = 60 // none from this many days
)

// Figures are a community's counts over the window.
type Figures struct {
	Content        int64
	Disseminations int64
	Answered       int64
	Growth         int64 // joined minus left
	// DaysSinceLast is the days since the last post, showcase, relay or
	// aspiration; nil when there was none in the window.
	DaysSinceLast *int64
}

// Component is one part of a score.
type Component struct {
	Factor    Factor
	Value     *int64
	Points    float64
	MaxPoints float64
}

// Score computes the index from a community's figures.
func Score(f Figures) (float64, []Component) {
	values := map[Factor]int64{Content: f.Content, Dissemination: f.Disseminations, Aspirations: f.Answered, MemberGrowth: f.Growth}
	comps := make([]Component, 0, 5)
	total := 0.0
	for _, r := range countRules {
		v := values[r.factor]
		pts := round1(r.maxPoints * math.Min(math.Max(float64(v), 0)/r.target, 1))
		comps = append(comps, Component{Factor: r.factor, Value: &v, Points: pts, MaxPoints: r.maxPoints})
		total += pts
	}
	rec := 0.0
	if d := f.DaysSinceLast; d != nil {
		switch {
		case *d <= recencyFullDays:
			rec = recencyPoints
		case *d < recencyNoneDays:
			rec = round1(recencyPoints * float64(recencyNoneDays-*d) / float64(recencyNoneDays-recencyFullDays))
		}
	}
	comps = append(comps, Component{Factor: Recency, Value: f.DaysSinceLast, Points: rec, MaxPoints: recencyPoints})
	return round1(total + rec), comps
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// CommunityActivity is one community's index as of a day.
type CommunityActivity struct {
	CommunityID int64
	Name        string
	Domicile    string
	AsOf        time.Time
	Figures     Figures
	Score       float64
	Components  []Component
	Rank        *int
}

// RegionActivity is the index of a region's ACTIVE communities of a
// category.
type RegionActivity struct {
	Code              string
	AsOf              time.Time
	Communities       int64
	ActiveCommunities int64 // scoring above zero
	AverageScore      *float64
	Rank              *int
}

// activityRows reads the figures of the ACTIVE communities of category in
// parent's subtree (or, with ids, of those communities whatever their
// status) over the window ending asOf.
func (s *Service) activityRows(ctx context.Context, parent string, ids []int64, asOf time.Time, category community.Category) ([]*CommunityActivity, error) {
	var rows []struct {
		ID       int64      `db:"id"`
		Name     string     `db:"name"`
		Domicile *string    `db:"domicile_code"`
		Content  int64      `db:"content"`
		Diss     int64      `db:"diss"`
		Answered int64      `db:"answered"`
		Growth   int64      `db:"growth"`
		Last     *time.Time `db:"last_day"`
	}
	where := subtree("c.domicile_code") + ` AND c.status = 'ACTIVE' AND c.category = $4`
	args := []any{parent, date(asOf), Window, string(category)}
	if ids != nil {
		where = `c.id = ANY($1)`
		args = []any{pq.Array(ids), date(asOf), Window}
	}
	// Per community, its days of the window by activity_daily's key.
	err := s.DB.SelectContext(ctx, &rows, `SELECT c.id, c.name, c.domicile_code,
			COALESCE(x.content, 0) AS content, COALESCE(x.diss, 0) AS diss, COALESCE(x.answered, 0) AS answered,
			COALESCE(x.growth, 0) AS growth, x.last_day
		FROM communities c LEFT JOIN LATERAL (
			SELECT sum(posts + showcases) AS content, sum(disseminations) AS diss,
				sum(asp_closed) AS answered, sum(joined - left_members) AS growth,
				max(day) FILTER (WHERE posts + showcases + disseminations + asp_submitted > 0) AS last_day
			FROM activity_daily
			WHERE community_id = c.id AND day > $2::date - $3::int AND day <= $2::date
		) x ON true
		WHERE `+where, args...)
	if err != nil {
		return nil, postgres.MapError(err, "activity index", "")
	}
	out := make([]*CommunityActivity, len(rows))
	for i, r := range rows {
		f := Figures{Content: r.Content, Disseminations: r.Diss, Answered: r.Answered, Growth: r.Growth}
		if r.Last != nil {
			d := int64(days(r.Last.UTC(), asOf))
			f.DaysSinceLast = &d
		}
		a := &CommunityActivity{CommunityID: r.ID, Name: r.Name, AsOf: asOf, Figures: f}
		if r.Domicile != nil {
			a.Domicile = *r.Domicile
		}
		a.Score, a.Components = Score(f)
		out[i] = a
	}
	return out, nil
}

// regionActivity aggregates the index per group, left(domicile, width), of
// parent's subtree.
func (s *Service) regionActivity(ctx context.Context, parent string, width int, asOf time.Time, category community.Category) (map[string]*RegionActivity, error) {
	rows, err := s.activityRows(ctx, parent, nil, asOf, category)
	if err != nil {
		return nil, err
	}
	sums := map[string]float64{}
	out := map[string]*RegionActivity{}
	for _, r := range rows {
		if len(r.Domicile) < width {
			continue // domiciled above the groups' level
		}
		g := r.Domicile[:width]
		a := out[g]
		if a == nil {
			a = &RegionActivity{Code: g, AsOf: asOf}
			out[g] = a
		}
		a.Communities++
		if r.Score > 0 {
			a.ActiveCommunities++
		}
		sums[g] += r.Score
	}
	for g, a := range out {
		avg := round1(sums[g] / float64(a.Communities))
		a.AverageScore = &avg
	}
	return out, nil
}

// MaxRanking is the most communities one ranking returns.
const MaxRanking = 100

// CommunityRanking ranks the ACTIVE communities of category in code's
// subtree by their index as of asOf, best first (ties by name, then id),
// and returns the first n.
func (s *Service) CommunityRanking(ctx context.Context, actor access.Actor, code string, asOf time.Time, category community.Category, n int) ([]*CommunityActivity, error) {
	if n < 1 || n > MaxRanking {
		return nil, apperr.Invalid("first", "first must be between 1 and %d", MaxRanking)
	}
	if err := s.CheckAsOf(asOf); err != nil {
		return nil, err
	}
	if err := s.checkRegion(ctx, actor, code, "regionCode"); err != nil {
		return nil, err
	}
	rows, err := s.activityRows(ctx, code, nil, asOf, category)
	if err != nil {
		return nil, err
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.CommunityID < b.CommunityID
	})
	rows = rows[:min(n, len(rows))]
	for i, r := range rows {
		rank := i + 1
		r.Rank = &rank
	}
	return rows, nil
}

// RegionRanking ranks the regions one level below code by the average index
// of their ACTIVE communities of category, best first; regions without such
// a community come last, in code order.
func (s *Service) RegionRanking(ctx context.Context, actor access.Actor, code string, asOf time.Time, category community.Category) ([]*RegionActivity, error) {
	if err := s.CheckAsOf(asOf); err != nil {
		return nil, err
	}
	if err := s.checkRegion(ctx, actor, code, "regionCode"); err != nil {
		return nil, err
	}
	children, err := s.childCodes(ctx, code)
	if err != nil {
		return nil, err
	}
	out := make([]*RegionActivity, 0, len(children))
	if len(children) == 0 {
		return out, nil
	}
	acts, err := s.regionActivity(ctx, code, len(children[0]), asOf, category)
	if err != nil {
		return nil, err
	}
	for _, c := range children {
		a := acts[c]
		if a == nil {
			a = &RegionActivity{Code: c, AsOf: asOf}
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].AverageScore, out[j].AverageScore
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		default:
			return *a > *b
		}
	})
	for i, r := range out {
		if r.AverageScore != nil {
			rank := i + 1
			r.Rank = &rank
		}
	}
	return out, nil
}

// OfCommunities returns the index as of asOf of each community in ids,
// keyed by id; the caller has checked who may see it (MayReadActivity).
func (s *Service) OfCommunities(ctx context.Context, ids []int64, asOf time.Time) (map[int64]*CommunityActivity, error) {
	rows, err := s.activityRows(ctx, "", ids, asOf, "")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*CommunityActivity, len(rows))
	for _, r := range rows {
		out[r.CommunityID] = r
	}
	return out, nil
}

// CheckAsOf refuses a day the index cannot be computed for: before 2000
// or after today (WIB), naming the argument asOf.
func (s *Service) CheckAsOf(asOf time.Time) error {
	if err := checkDay("asOf", asOf); err != nil {
		return err
	}
	if asOf.After(s.Today()) {
		return apperr.Invalid("asOf", "asOf is %s, after today (%s): the index looks back, not ahead", date(asOf), date(s.Today()))
	}
	return nil
}

// MayReadActivity reports whether actor may read a community's index: its
// active members and the government over its domicile.
func MayReadActivity(actor access.Actor, c *community.Community, role access.CommunityRole) bool {
	res := access.Resource{CommunityRole: role}
	if c.DomicileCode != nil {
		res.RegionCode = *c.DomicileCode
	}
	return access.Allowed(actor, access.ReadActivity, res)
}
