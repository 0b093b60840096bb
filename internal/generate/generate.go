// Package generate fills a database with synthetic data at national scale
// for benchmarks: the official regions, accounts, communities with members,
// and published posts, loaded with COPY. Activity is skewed as in life: a
// few regencies hold most communities, and a few communities write most
// posts (a Zipf distribution).
package generate

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// Options say how much to generate.
type Options struct {
	RegionsFile string // the official CSV (code,name)
	Accounts    int
	Communities int
	Posts       int
	Seed        uint64
}

// Run generates into an empty database (beyond the migrations), reporting
// progress to w.
func Run(ctx context.Context, db *sqlx.DB, o Options, w io.Writer) error {
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(w, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	f, err := os.Open(o.RegionsFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := region.NewStore(db).Import(ctx, f, nil); err != nil {
		return err
	}
	say("regions imported")
	var villages []string
	if err := db.SelectContext(ctx, &villages, `SELECT code FROM regions WHERE level = 'VILLAGE' ORDER BY code`); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 42))

	if err := copyRows(ctx, db, "accounts", []string{"name", "email", "password_hash"}, o.Accounts, func(i int) []any {
		return []any{fmt.Sprintf("Warga %d", i+1), fmt.Sprintf("warga%d@gen.kimhub.id", i+1), "generated: no login"}
	}); err != nil {
		return err
	}
	say("%d accounts", o.Accounts)

	// Communities: villages drawn by a Zipf law over a shuffled list, so a
	// few places hold many.
	rng.Shuffle(len(villages), func(i, j int) { villages[i], villages[j] = villages[j], villages[i] })
	villageOf := rand.NewZipf(rng, 1.1, 4, uint64(len(villages)-1))
	lat := func() float64 { return -8 + rng.Float64()*10 }
	lng := func() float64 { return 95 + rng.Float64()*45 }
	if err := copyRows(ctx, db, "communities", []string{"name", "slug", "category", "domicile_code", "status", "registration_number",
		"registered_at", "latitude", "longitude", "member_count", "created_by"}, o.Communities, func(i int) []any {
		v := villages[villageOf.Uint64()]
		return []any{fmt.Sprintf("KIM %d", i+1), fmt.Sprintf("kim-gen-%d", i+1), "KIM", v, "ACTIVE",
			fmt.Sprintf("%s-G%06d", v[:5], i+1), time.Now().Add(-time.Duration(rng.IntN(1000)) * 24 * time.Hour),
			lat(), lng(), 5, 1 + rng.IntN(o.Accounts)}
	}); err != nil {
		return err
	}
	var firstCommunity int64
	if err := db.GetContext(ctx, &firstCommunity, `SELECT min(id) FROM communities`); err != nil {
		return err
	}
	say("%d communities", o.Communities)
	if _, err := db.ExecContext(ctx, `INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT c.id, 1 + ((c.id * 7919 + k * 104729) % $1), CASE WHEN k = 0 THEN 'CHAIR' WHEN k = 1 THEN 'EDITOR' ELSE 'MEMBER' END, 'ACTIVE', now()
		FROM communities c CROSS JOIN generate_series(0, 4) k ON CONFLICT DO NOTHING`, o.Accounts); err != nil {
		return err
	}
	say("memberships")

	// Posts: communities drawn by a Zipf law; published over two years.
	var domiciles []string
	if err := db.SelectContext(ctx, &domiciles, `SELECT domicile_code FROM communities ORDER BY id`); err != nil {
		return err
	}
	communityOf := rand.NewZipf(rng, 1.05, 8, uint64(o.Communities-1))
	words := []string{"desa", "warga", "panen", "padi", "pelatihan", "posyandu", "wisata", "sungai", "jalan", "pasar", "umkm", "budaya",
		"festival", "gotong", "royong", "sekolah", "petani", "nelayan", "hutan", "air", "bersih", "listrik", "internet", "literasi"}
	sentence := func(n int) string {
		b := make([]byte, 0, n*8)
		for i := 0; i < n; i++ {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[rng.IntN(len(words))]...)
		}
		return string(b)
	}
	now := time.Now()
	if err := copyRows(ctx, db, "posts", []string{"community_id", "author_id", "title", "slug", "body", "body_html", "excerpt",
		"region_code", "status", "publish_at"}, o.Posts, func(i int) []any {
		c := communityOf.Uint64()
		body := sentence(30)
		return []any{firstCommunity + int64(c), 1 + rng.IntN(o.Accounts), sentence(6), fmt.Sprintf("berita-%d", i+1), body, "<p>" + body + "</p>",
			body[:min(len(body), 120)], domiciles[c], "PUBLISHED", now.Add(-time.Duration(rng.Int64N(int64(730 * 24 * time.Hour))))}
	}); err != nil {
		return err
	}
	say("%d posts", o.Posts)
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	say("analyzed; done")
	return nil
}

// copyRows loads n rows into table with COPY, in batches of 50,000 rows a
// transaction.
func copyRows(ctx context.Context, db *sqlx.DB, table string, cols []string, n int, row func(i int) []any) error {
	const batch = 50_000
	for lo := 0; lo < n; lo += batch {
		hi := min(n, lo+batch)
		err := postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error {
			stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := lo; i < hi; i++ {
				if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
					return err
				}
			}
			_, err = stmt.ExecContext(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	return nil
}
