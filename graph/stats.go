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

// statsParts says which statements of regionStats (stats.Parts) fill each
// field of RegionStats, as "field" or "field.subfield" for the figures
// grouped under one field; a field no statement computes has none (the
// activity index is its own read, Options.Activity).
// TestStatsFieldsAllHaveAPart keeps this table in step with the schema.
var statsParts = map[string]stats.Parts{
	"region": {}, "from": {}, "to": {}, "activity": {},
	"communities": {Communities: true},
	"posts":       {Daily: true}, "showcases": {Daily: true}, "views": {Daily: true}, "series": {Daily: true},
	"members.active":                     {Communities: true},
	"members.joined":                     {Daily: true},
	"members.left":                       {Daily: true},
	"programs.published":                 {Programs: true},
	"programs.disseminations":            {Daily: true},
	"programs.reach":                     {Daily: true},
	"programs.villagesWithKim":           {Communities: true},
	"programs.villagesReached":           {Coverage: true},
	"programs.coveragePercent":           {Communities: true, Coverage: true},
	"aspirations.submitted":              {Daily: true}, // counted per day too; by Aspirations when that runs
	"aspirations.byStatus":               {Aspirations: true},
	"aspirations.medianAcknowledgeHours": {Aspirations: true},
	"aspirations.medianResponseHours":    {Aspirations: true},
	"aspirations.overdue":                {Aspirations: true},
}

// statsGroups are the RegionStats fields whose sub-fields have parts of
// their own.
var statsGroups = map[string]bool{"members": true, "programs": true, "aspirations": true}

// statsOptions computes only the figures the query selects: each part of
// RegionStats is a statement (stats.Parts), and the activity index another.
func statsOptions(ctx context.Context) stats.Options {
	oc := graphql.GetOperationContext(ctx)
	var parts stats.Parts
	o := stats.Options{Only: &parts}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if !statsGroups[f.Name] {
			o.Activity = o.Activity || f.Name == "activity"
			parts = parts.With(statsParts[f.Name])
			continue
		}
		for _, sub := range graphql.CollectFields(oc, f.Selections, nil) {
			parts = parts.With(statsParts[f.Name+"."+sub.Name])
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
