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
// locks are brief (a variable for the tests: export_test.go).
var foldBatch = 20000

// Fold sums each regency's past days into one row: the striped rows of a
// day before today − FoldAfterDays (activity_regency_daily's stripes
// 1–15, migrations/00015) are added to its stripe 0 and deleted, in one
// statement per batch, the batches in key order. The stripes are for
// writers meeting on today's rows; readers sum every stripe of every day of
// a period, so folded days are read as one row instead of up to 16 (a busy
// regency's month: 479 rows → 30). Each day's sums stay as they were, at
// every commit.
//
// A writer may still change a folded day (a post taken down, a community
// moving away): its trigger adds to its community's stripe again (a new
// row, negative if it subtracts), and the next fold takes it.
// Folding never waits for a stripe row a writer holds (SKIP LOCKED: it is
// left for the next fold); it may wait for a stripe-0 row, which writers of
// the day's stripe-0 communities hold. Such a writer that also wants a
// stripe-0 row the batch already took (a community moving between two
// regencies, the view aggregator catching up on old days after a long
// stop) makes a deadlock, which PostgreSQL ends by failing one of the two:
// a move retries (postgres.Transact), the aggregator counts its views at its
// next run, and the fold's batch is rolled back and taken at the next fold.
// A rebuild (activity_rebuild) locks the table and excludes it.
//
// It returns how many stripe rows it folded. serve runs it at start and
// then every hour.
func (s *Service) Fold(ctx context.Context) (int, error) {
	before := date(s.Today().AddDate(0, 0, -FoldAfterDays))
	// at is where the next batch starts: after the key the last one took
	// (not from the first key again, past the entries of the rows it
	// deleted), and how many rows that batch folded.
	at := struct {
		Regency string `db:"regency_code"`
		Day     string `db:"day"`
		Stripe  int    `db:"stripe"`
		N       int    `db:"n"`
	}{Day: "0001-01-01", Stripe: -1}
	total := 0
	for {
		err := s.DB.GetContext(ctx, &at, `WITH taken AS (
				SELECT regency_code, day, stripe FROM activity_regency_daily
				WHERE (regency_code, day, stripe) > ($2, $3::date, $4) AND day < $1::date AND stripe <> 0
				ORDER BY regency_code, day, stripe
				LIMIT `+strconv.Itoa(foldBatch)+`
				FOR UPDATE SKIP LOCKED
			), folded AS (
				DELETE FROM activity_regency_daily a USING taken t
				WHERE a.regency_code = t.regency_code AND a.day = t.day AND a.stripe = t.stripe
				RETURNING a.*
			), added AS (
				-- each day's rows added to its stripe 0 by the triggers' own
				-- function (migrations/00015; community 0 is stripe 0)
				SELECT count(*) AS n, activity_regency_add(regency_code, day, 0, sum(posts)::int, sum(showcases)::int,
					sum(views)::bigint, sum(joined)::int, sum(left_members)::int, sum(disseminations)::int,
					sum(reach)::bigint, sum(asp_submitted)::int, sum(asp_closed)::int)
				FROM folded GROUP BY regency_code, day ORDER BY regency_code, day
			)
			SELECT (SELECT COALESCE(sum(n), 0) FROM added) AS n, COALESCE(l.regency_code, '') AS regency_code,
				COALESCE(l.day::text, '') AS day, COALESCE(l.stripe, 0) AS stripe
			FROM (SELECT) one LEFT JOIN LATERAL (
				SELECT * FROM taken ORDER BY regency_code DESC, day DESC, stripe DESC LIMIT 1
			) l ON true`, before, at.Regency, at.Day, at.Stripe)
		if err != nil {
			return total, postgres.MapError(err, "fold regency days", "")
		}
		total += at.N
		if at.N < foldBatch { // a full batch took a key to go on from
			return total, nil
		}
	}
}
