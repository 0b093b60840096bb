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

// statsParts says which statement of regionStats (stats.Parts) fills each
// field of RegionStats, as "field" or "field.subfield" for the figures
// grouped under one field. A field computed by no statement maps to nil;
// TestStatsFieldsAllHaveAPart keeps this table in step with the schema.
var statsParts = map[string]func(o *stats.Options, p *stats.Parts){
	"region": nil, "from": nil, "to": nil,
	"activity":    func(o *stats.Options, _ *stats.Parts) { o.Activity = true },
	"communities": func(_ *stats.Options, p *stats.Parts) { p.Communities = true },
	"posts":       partDaily, "showcases": partDaily, "views": partDaily, "series": partDaily,
	"members.active":                     partCommunities,
	"members.joined":                     partDaily,
	"members.left":                       partDaily,
	"programs.published":                 func(_ *stats.Options, p *stats.Parts) { p.Programs = true },
	"programs.disseminations":            partDaily,
	"programs.reach":                     partDaily,
	"programs.villagesWithKim":           partCommunities,
	"programs.villagesReached":           func(_ *stats.Options, p *stats.Parts) { p.Coverage = true },
	"programs.coveragePercent":           func(_ *stats.Options, p *stats.Parts) { p.Communities, p.Coverage = true, true },
	"aspirations.submitted":              partDaily, // counted per day too; by Aspirations when that runs
	"aspirations.byStatus":               partAspirations,
	"aspirations.medianAcknowledgeHours": partAspirations,
	"aspirations.medianResponseHours":    partAspirations,
	"aspirations.overdue":                partAspirations,
}

// statsGroups are the RegionStats fields whose sub-fields have parts of
// their own.
var statsGroups = map[string]bool{"members": true, "programs": true, "aspirations": true}

func partDaily(_ *stats.Options, p *stats.Parts)       { p.Daily = true }
func partCommunities(_ *stats.Options, p *stats.Parts) { p.Communities = true }
func partAspirations(_ *stats.Options, p *stats.Parts) { p.Aspirations = true }

// statsOptions computes only the figures the query selects: each part of
// RegionStats is a statement (stats.Parts), and the activity index another.
func statsOptions(ctx context.Context) stats.Options {
	oc := graphql.GetOperationContext(ctx)
	o := stats.Options{Only: &stats.Parts{}}
	set := func(name string) {
		if f := statsParts[name]; f != nil {
			f(&o, o.Only)
		}
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if !statsGroups[f.Name] {
			set(f.Name)
			continue
		}
		for _, sub := range graphql.CollectFields(oc, f.Selections, nil) {
			set(f.Name + "." + sub.Name)
		}
	}
	return o
}

// asOf is the day an activity index is asked for: today (WIB) by default.
func (r *Resolver) asOf(d *model.Date) time.Time {
	if d == nil {
		return r.Svc.Stats.Today()
	}
	return time.Time(*d)
}
