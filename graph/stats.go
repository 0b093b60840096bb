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

// statsOptions computes the activity index only when the query selects it.
func statsOptions(ctx context.Context) stats.Options {
	return stats.Options{Activity: selects(ctx, "activity")}
}

// selects reports whether the current field's selection asks for name.
func selects(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// asOf is the day an activity index is asked for: today (WIB) by default.
func (r *Resolver) asOf(d *model.Date) time.Time {
	if d == nil {
		return r.Svc.Stats.Today()
	}
	return time.Time(*d)
}
