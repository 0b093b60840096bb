package stats

import (
	"context"
	"strconv"

	"github.com/kimhub/kimhub/internal/postgres"
)

// FoldAfterDays is how many days back from today (WIB) a regency's day is
// folded: the writers of many communities at once (the view aggregator,
// whose views are today's or yesterday's) stay on days after it.
const FoldAfterDays = 2

// foldBatch bounds the stripe rows one statement folds, so that its row
// locks are brief.
const foldBatch = 20000

// Fold sums each regency's past days into one row: the striped rows of a
// day before today − FoldAfterDays (activity_regency_daily's stripes
// 1–15, migrations/00015) are added to its stripe 0 and deleted, in one
// statement per batch. The stripes are for writers meeting on today's
// rows; readers sum every stripe of every day of a period, so folded days
// are read as one row instead of up to 16 (a busy regency's month: 479
// rows → 30). Each day's sums stay as they were, at every commit.
//
// A writer may still change a folded day (a post taken down, a community
// moving away): its trigger adds to its community's stripe again (a new
// row, negative if it subtracts), and the next fold takes it.
// Folding never waits for a stripe row a writer holds (SKIP LOCKED: it is
// left for the next fold); it may wait for a stripe-0 row, which only
// writers of the day's stripe-0 communities hold. A rebuild
// (activity_rebuild) locks the table and excludes it.
//
// It returns how many stripe rows it folded. serve runs it at start and
// then every hour.
func (s *Service) Fold(ctx context.Context) (int, error) {
	before := s.Today().AddDate(0, 0, -FoldAfterDays)
	total := 0
	for {
		var n int
		err := s.DB.GetContext(ctx, &n, `WITH taken AS (
				SELECT regency_code, day, stripe FROM activity_regency_daily
				WHERE day < $1::date AND stripe <> 0
				ORDER BY regency_code, day, stripe
				LIMIT `+strconv.Itoa(foldBatch)+`
				FOR UPDATE SKIP LOCKED
			), folded AS (
				DELETE FROM activity_regency_daily a USING taken t
				WHERE a.regency_code = t.regency_code AND a.day = t.day AND a.stripe = t.stripe
				RETURNING a.*
			)
			-- each day's rows added to its stripe 0 by the triggers' own
			-- function (migrations/00015; community 0 is stripe 0)
			SELECT COALESCE(sum(n), 0) FROM (
				SELECT count(*) AS n, activity_regency_add(regency_code, day, 0, sum(posts)::int, sum(showcases)::int,
					sum(views)::bigint, sum(joined)::int, sum(left_members)::int, sum(disseminations)::int,
					sum(reach)::bigint, sum(asp_submitted)::int, sum(asp_closed)::int)
				FROM folded GROUP BY regency_code, day ORDER BY regency_code, day
			) d`, date(before))
		if err != nil {
			return total, postgres.MapError(err, "fold regency days", "")
		}
		total += n
		if n < foldBatch {
			return total, nil
		}
	}
}
