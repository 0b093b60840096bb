// Command benchfeed measures a regency's post feed at national scale: it
// fills its database with the generator (all official regions, and by
// default 200,000 accounts, 20,000 communities with their members,
// 1,000,000 posts, 100,000 showcases, 5,000 programmes, 200,000
// dissemination reports and 50,000 aspirations) unless it holds posts
// already, then times page 1 and page 1000 of the busiest regency's feed
// through the same service method the API uses (keyset pagination), beside
// the same page 1000 fetched with OFFSET, the thing keyset pagination
// avoids. It prints a Markdown table.
//
//	make bench-feed
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/kimhub/kimhub/internal/generate"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/relay"
)

func main() {
	o := generate.Options{Seed: 1}
	flag.StringVar(&o.RegionsFile, "regions", "../shared/data/wilayah.csv", "the official region CSV")
	flag.IntVar(&o.Accounts, "accounts", 200_000, "accounts to generate")
	flag.IntVar(&o.Communities, "communities", 20_000, "communities to generate")
	flag.IntVar(&o.Posts, "posts", 1_000_000, "posts to generate")
	flag.IntVar(&o.Showcases, "showcases", 100_000, "showcases to generate")
	flag.IntVar(&o.Programs, "programs", 5_000, "programmes to generate")
	flag.IntVar(&o.Disseminations, "disseminations", 200_000, "dissemination reports to generate")
	flag.IntVar(&o.Aspirations, "aspirations", 50_000, "aspirations to generate")
	reps := flag.Int("reps", 100, "timed runs of each query")
	flag.Parse()
	if err := run(o, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "benchfeed:", err)
		os.Exit(1)
	}
}

func run(o generate.Options, reps int) error {
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), 4)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return err
	}
	var have int
	if err := db.GetContext(ctx, &have, `SELECT count(*) FROM posts`); err != nil {
		return err
	}
	switch {
	case have == 0:
		fmt.Fprintln(os.Stderr, "generating (once; later runs reuse the data)…")
		if err := generate.Run(ctx, db, o, os.Stderr); err != nil {
			return err
		}
	case have < o.Posts:
		return fmt.Errorf("the database holds %d posts, fewer than %d: give benchfeed an empty database", have, o.Posts)
	}
	if err := db.GetContext(ctx, &have, `SELECT count(*) FROM posts`); err != nil {
		return err
	}
	var regency string
	var inRegency int
	if err := db.QueryRowContext(ctx, `SELECT left(region_code, 5), count(*) FROM posts WHERE status = 'PUBLISHED'
		GROUP BY 1 ORDER BY 2 DESC LIMIT 1`).Scan(&regency, &inRegency); err != nil {
		return err
	}
	const size, page = 20, 1000
	// The cursor that ends page 999 (set up once, not timed).
	var at time.Time
	var id int64
	if err := db.QueryRowContext(ctx, `SELECT publish_at, id FROM posts WHERE status = 'PUBLISHED' AND publish_at <= now()
		AND (region_code = $1 OR region_code LIKE $1 || '.%') ORDER BY publish_at DESC, id DESC OFFSET $2 LIMIT 1`,
		regency, size*(page-1)-1).Scan(&at, &id); err != nil {
		return fmt.Errorf("regency %s has fewer than %d posts: %w", regency, size*(page-1), err)
	}
	svc := &publishing.Service{DB: db}
	first := size
	feed := func(after *string) func() error {
		return func() error {
			p, err := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{First: &first, After: after})
			if err != nil {
				return err
			}
			c, err := svc.Feed(ctx, publishing.ByRegion, []string{regency}, publishing.FeedFilter{}, p)
			if err == nil && len(c[regency].Edges) != size {
				err = fmt.Errorf("got %d posts", len(c[regency].Edges))
			}
			return err
		}
	}
	cursor := relay.Cursor(publishing.FeedCursorKind(publishing.Posts, ""), at, id)
	offset := func() error {
		var ids []int64
		return db.SelectContext(ctx, &ids, `SELECT id FROM posts p WHERE status = 'PUBLISHED' AND publish_at <= now()
			AND (region_code = $1 OR region_code LIKE $1 || '.%')
			AND EXISTS (SELECT 1 FROM communities c WHERE c.id = p.community_id AND c.status = 'ACTIVE')
			ORDER BY publish_at DESC, id DESC OFFSET $2 LIMIT $3`, regency, size*(page-1), size)
	}
	rows := []struct {
		name string
		fn   func() error
	}{
		{"page 1, keyset (the API's feed)", feed(nil)},
		{"page 1000, keyset (the API's feed)", feed(&cursor)},
		{"page 1000, OFFSET (reference)", offset},
	}
	medians := make([]time.Duration, len(rows))
	var lines []string
	for i, r := range rows {
		ts := make([]time.Duration, 0, reps)
		for j := 0; j < reps+3; j++ {
			t0 := time.Now()
			if err := r.fn(); err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			if j >= 3 { // warm-up runs are not counted
				ts = append(ts, time.Since(t0))
			}
		}
		sort.Slice(ts, func(a, b int) bool { return ts[a] < ts[b] })
		medians[i] = ts[len(ts)/2]
		lines = append(lines, fmt.Sprintf("| %s | %v | %v | %.2f |", r.name, medians[i].Round(10*time.Microsecond),
			ts[len(ts)*9/10].Round(10*time.Microsecond), float64(medians[i])/float64(medians[0])))
	}
	fmt.Printf("%d posts in all; regency %s holds %d; pages of %d; %d timed runs each.\n\n", have, regency, inRegency, size, reps)
	fmt.Printf("| query | median | p90 | median ÷ page 1's |\n|---|---|---|---|\n")
	for _, l := range lines {
		fmt.Println(l)
	}
	return nil
}
