package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/stats"
)

// stripeRows counts the regency summary's rows outside stripe 0 before and
// from day.
func stripeRows(t *testing.T, db *sqlx.DB, day string) (before, from int) {
	t.Helper()
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE day < $1), count(*) FILTER (WHERE day >= $1)
		FROM activity_regency_daily WHERE stripe <> 0`, day).Scan(&before, &from); err != nil {
		t.Fatal(err)
	}
	return before, from
}

// TestFoldKeepsEachDaysSums: folding moves the striped rows of days
// before today − 2 (30 October: the tests' today is 1 November) into
// stripe 0 and leaves the later days alone; each day's sums, and the
// figures, stay as they were. A write to a folded day afterwards adds a
// striped row again, which counts and which the next fold takes.
func TestFoldKeepsEachDaysSums(t *testing.T) {
	db, svc := setup(t)
	ctx := context.Background()
	figures := func() (*stats.Stats, []*stats.Stats) {
		t.Helper()
		st, err := svc.Region(ctx, superadmin, "64.02", october, stats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := svc.Children(ctx, superadmin, "64", october, stats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st, rows
	}
	sums := regencyDaySums(t, db)
	st, children := figures()
	eq(t, "sums before folding", sums, communityDaySums(t, db))
	past, later := stripeRows(t, db, "2026-10-30")
	if past == 0 || later == 0 {
		t.Fatalf("the dataset's striped rows: %d before 30 October, %d from it; want some of each", past, later)
	}

	n, err := svc.Fold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "rows folded", n, past)
	eq(t, "sums after folding", regencyDaySums(t, db), sums)
	gotPast, gotLater := stripeRows(t, db, "2026-10-30")
	eq(t, "striped rows left", [2]int{gotPast, gotLater}, [2]int{0, later})
	st2, children2 := figures()
	eq(t, "a regency's figures after folding", st2, st)
	eq(t, "the regencies' rows after folding", children2, children)

	// p8 (B's, 12 October, folded) is taken down: B's stripe of that day
	// comes back with −1.
	db.MustExec(`UPDATE posts SET status = 'TAKEN_DOWN' WHERE slug = 'p8'`)
	eq(t, "sums after a write to a folded day", regencyDaySums(t, db), communityDaySums(t, db))
	st3, _ := figures()
	eq(t, "posts after the take-down", st3.Posts, st.Posts-1)
	if p, _ := stripeRows(t, db, "2026-10-30"); p != 1 {
		t.Fatalf("striped rows of folded days after the write: %d; want 1", p)
	}
	after := regencyDaySums(t, db)
	n, err = svc.Fold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "rows folded the second time", n, 1)
	eq(t, "sums after the second fold", regencyDaySums(t, db), after)
	n, err = svc.Fold(ctx)
	eq(t, "a fold with nothing to fold", [2]any{n, err}, [2]any{0, nil})
}

// TestFoldLeavesRowsAWriterHolds: a stripe row locked by an open
// transaction is left for the next fold; the fold does not wait for it.
func TestFoldLeavesRowsAWriterHolds(t *testing.T) {
	db, svc := setup(t)
	ctx := context.Background()
	sums := regencyDaySums(t, db)
	tx := db.MustBegin()
	defer tx.Rollback()
	// B's 12 October (stripe 2), as a writer's trigger would hold it.
	var locked int
	if err := tx.Get(&locked, `SELECT count(*) FROM (SELECT 1 FROM activity_regency_daily
		WHERE regency_code = '64.02' AND day = '2026-10-12' AND stripe = 2 FOR UPDATE) l`); err != nil {
		t.Fatal(err)
	}
	if locked != 1 {
		t.Fatalf("rows locked: %d; want B's day", locked)
	}
	past, _ := stripeRows(t, db, "2026-10-30")
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := svc.Fold(wait)
	if err != nil {
		t.Fatalf("fold beside a held row: %v", err)
	}
	eq(t, "rows folded beside the held one", n, past-1)
	if p, _ := stripeRows(t, db, "2026-10-30"); p != 1 {
		t.Fatalf("striped rows of past days: %d; want the held one", p)
	}
	eq(t, "sums beside the held row", regencyDaySums(t, db), sums)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	n, err = svc.Fold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "the held row, folded once free", n, 1)
	eq(t, "sums at the end", regencyDaySums(t, db), sums)
}

// TestFoldInBatches: with two stripe rows a statement, a fold goes on
// batch after batch from where the last ended (a day's stripes split
// between two batches) until every past day is one row.
func TestFoldInBatches(t *testing.T) {
	db, svc := setup(t)
	defer stats.SetFoldBatch(2)()
	sums := regencyDaySums(t, db)
	past, later := stripeRows(t, db, "2026-10-30")
	var split int
	if err := db.Get(&split, `SELECT count(*) FROM (SELECT 1 FROM activity_regency_daily
		WHERE stripe <> 0 AND day < '2026-10-30' GROUP BY regency_code, day HAVING count(*) > 1) d`); err != nil {
		t.Fatal(err)
	}
	if past < 5 || split == 0 {
		t.Fatalf("the dataset's past striped rows: %d, days of several: %d; the test needs batches and a split day", past, split)
	}
	n, err := svc.Fold(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "rows folded", n, past)
	gotPast, gotLater := stripeRows(t, db, "2026-10-30")
	eq(t, "striped rows left", [2]int{gotPast, gotLater}, [2]int{0, later})
	eq(t, "sums after folding in batches", regencyDaySums(t, db), sums)
}
