package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kimhub/kimhub/graph/model"
	"github.com/kimhub/kimhub/internal/stats"
)

// period makes the dashboard arguments a stats.Period (WEEK by default).
func period(from, to model.Date, g *stats.Granularity) stats.Period {
	return stats.Period{From: time.Time(from), To: time.Time(to), Granularity: deref(g, stats.Week)}
}

// statsOptions computes only the figures the query selects: each part of
// RegionStats is a statement (stats.Parts), and the activity index another.
func statsOptions(ctx context.Context) stats.Options {
	oc := graphql.GetOperationContext(ctx)
	var o stats.Options
	p := &stats.Parts{}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "activity":
			o.Activity = true
		case "communities":
			p.Communities = true
		case "posts", "showcases", "views", "series":
			p.Daily = true
		case "members", "programs", "aspirations":
			for _, sub := range graphql.CollectFields(oc, f.Selections, nil) {
				switch f.Name + "." + sub.Name {
				case "members.active", "programs.villagesWithKim":
					p.Communities = true
				case "members.joined", "members.left", "programs.disseminations", "programs.reach":
					p.Daily = true
				case "programs.published":
					p.Programs = true
				case "programs.villagesReached":
					p.Coverage = true
				case "programs.coveragePercent":
					p.Communities, p.Coverage = true, true
				case "aspirations.submitted":
					p.Daily = true // counted per day too; by Aspirations when it runs
				case "aspirations.byStatus", "aspirations.medianAcknowledgeHours",
					"aspirations.medianResponseHours", "aspirations.overdue":
					p.Aspirations = true
				}
			}
		}
	}
	o.Only = p
	return o
}

// asOf is the day an activity index is asked for: today (WIB) by default.
func (r *Resolver) asOf(d *model.Date) time.Time {
	if d == nil {
		return r.Svc.Stats.Today()
	}
	return time.Time(*d)
}
