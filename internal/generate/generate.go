// Package generate fills a database with synthetic data at national scale
// for benchmarks: the official regions, accounts, communities with their
// memberships, published posts and showcases, government programmes with
// their target regions, dissemination reports and aspirations, loaded with
// COPY.
//
// Activity is skewed as in life: a few villages hold many communities, a
// few communities have many members, and a few communities write most
// posts and showcases and file most reports and aspirations (Zipf
// distributions). Most communities are ACTIVE KIM; programmes mostly target
// one regency or a few districts where communities are; an aspiration's
// status follows from a timeline of working-day deadlines, as the
// aspiration service keeps them.
//
// While it loads, the user triggers of the tables it fills are disabled
// (foreign keys stay checked); afterwards they are enabled again and, when
// the database has the summary function activity_rebuild(), that is run
// once to rebuild what the triggers would have maintained.
package generate

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// Options say how much to generate. A zero count generates none of that
// kind (memberships follow from the communities).
type Options struct {
	RegionsFile    string // the official CSV (code,name)
	Accounts       int
	Communities    int
	Posts          int
	Showcases      int
	Programs       int
	Disseminations int
	Aspirations    int
	Seed           uint64
}

// loaded are the tables the generator fills, in loading order; their user
// triggers are off while it runs.
var loaded = []string{"regions", "accounts", "communities", "registration_counters", "memberships", "membership_events", "posts", "showcases",
	"programs", "program_targets", "disseminations", "aspirations"}

// day is 24 hours; the generator's dates need no calendar.
const day = 24 * time.Hour

// gen is one run's state: what was generated so far, for what follows.
type gen struct {
	ctx   context.Context
	db    *sqlx.DB
	o     Options
	rng   *rand.Rand
	now   time.Time
	start time.Time
	w     io.Writer

	villages  []string            // every village code, shuffled
	names     map[string]string   // a village's name
	districts map[string][]string // a regency's district codes

	comms          []community
	firstCommunity int64
	active         []int        // indices of ACTIVE communities: the activity ranking
	activeKIM      []int        // those of category KIM, in the same order
	plan           []membership // until loaded

	progs        []program
	targets      [][]string // each programme's target regions, until loaded
	firstProgram int64
	byTarget     map[string][]int // a target region's programmes that may be reported on
}

// Run generates into an empty database (beyond the migrations), reporting
// progress and each table's time to w.
func Run(ctx context.Context, db *sqlx.DB, o Options, w io.Writer) (err error) {
	if o.Accounts < 1 && (o.Communities > 0 || o.Programs > 0) {
		return fmt.Errorf("communities and programmes need accounts")
	}
	g := &gen{ctx: ctx, db: db, o: o, rng: rand.New(rand.NewPCG(o.Seed, 42)), now: time.Now(), start: time.Now(), w: w}
	if err := g.triggers("DISABLE"); err != nil {
		return err
	}
	enabled := false
	defer func() {
		// Enabled again whatever happened, even on a cancelled context: a
		// database left with its triggers off would drift silently.
		if enabled {
			return
		}
		if eerr := g.triggers("ENABLE"); eerr != nil && err == nil {
			err = eerr
		}
	}()
	steps := []struct {
		name string
		fn   func() (int, error)
	}{
		{"regions", g.regions},
		{"accounts", g.accounts},
		{"communities", g.communities},
		{"memberships", g.membershipRows},
		{"membership_events", g.membershipEvents},
		{"posts", g.posts},
		{"showcases", g.showcases},
		{"programs", g.programs},
		{"program_targets", g.programTargets},
		{"disseminations", g.disseminations},
		{"aspirations", g.aspirations},
	}
	for _, s := range steps {
		t0 := time.Now()
		n, err := s.fn()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		g.say("%-15s %8d rows in %6.1fs", s.name, n, time.Since(t0).Seconds())
	}
	if err := g.triggers("ENABLE"); err != nil {
		return err
	}
	enabled = true
	var rebuild bool
	if err := db.GetContext(ctx, &rebuild, `SELECT to_regproc('activity_rebuild') IS NOT NULL`); err != nil {
		return err
	}
	if rebuild {
		t0 := time.Now()
		if _, err := db.ExecContext(ctx, `SELECT activity_rebuild()`); err != nil {
			return fmt.Errorf("activity_rebuild: %w", err)
		}
		g.say("activity_rebuild() in %.1fs", time.Since(t0).Seconds())
	} else {
		g.say("no activity_rebuild() in this database: nothing to rebuild")
	}
	t0 := time.Now()
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	g.say("analyzed in %.1fs; done", time.Since(t0).Seconds())
	return nil
}

func (g *gen) say(format string, args ...any) {
	fmt.Fprintf(g.w, "[%6.1fs] %s\n", time.Since(g.start).Seconds(), fmt.Sprintf(format, args...))
}

// triggers runs ALTER TABLE … DISABLE or ENABLE TRIGGER USER on every
// table the generator loads: only user triggers, so foreign keys are still
// checked.
func (g *gen) triggers(verb string) error {
	ctx := context.WithoutCancel(g.ctx)
	for _, t := range loaded {
		if _, err := g.db.ExecContext(ctx, `ALTER TABLE `+pq.QuoteIdentifier(t)+` `+verb+` TRIGGER USER`); err != nil {
			return fmt.Errorf("%s triggers of %s: %w", strings.ToLower(verb), t, err)
		}
	}
	return nil
}

func (g *gen) regions() (int, error) {
	f, err := os.Open(g.o.RegionsFile)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	res, err := region.NewStore(g.db).Import(g.ctx, f, nil)
	if err != nil {
		return 0, err
	}
	var rows []struct {
		Code  string `db:"code"`
		Name  string `db:"name"`
		Level string `db:"level"`
	}
	if err := g.db.SelectContext(g.ctx, &rows, `SELECT code, name, level FROM regions WHERE level IN ('DISTRICT', 'VILLAGE')
		ORDER BY code`); err != nil {
		return 0, err
	}
	g.districts = map[string][]string{}
	g.names = map[string]string{}
	for _, r := range rows {
		if r.Level == "VILLAGE" {
			g.villages = append(g.villages, r.Code)
			g.names[r.Code] = r.Name
		} else {
			g.districts[r.Code[:5]] = append(g.districts[r.Code[:5]], r.Code)
		}
	}
	if len(g.villages) == 0 {
		return 0, fmt.Errorf("%s holds no villages", g.o.RegionsFile)
	}
	return res.Rows, nil
}

func (g *gen) accounts() (int, error) {
	return g.o.Accounts, copyRows(g.ctx, g.db, "accounts", []string{"name", "email", "password_hash"}, g.o.Accounts, func(i int) []any {
		return []any{fmt.Sprintf("Warga %d", i+1), fmt.Sprintf("warga%d@gen.kimhub.id", i+1), "generated: no login"}
	})
}

// firstID returns the least id of table after a load of n rows, checking
// that the ids are consecutive (as they are when a fresh table is filled by
// one session), so that row i has id first+i.
func (g *gen) firstID(table string, n int) (int64, error) {
	var r struct {
		Min, Max *int64
		Count    int
	}
	if err := g.db.QueryRowxContext(g.ctx, `SELECT min(id), max(id), count(*) FROM `+pq.QuoteIdentifier(table)).
		Scan(&r.Min, &r.Max, &r.Count); err != nil {
		return 0, err
	}
	if r.Count != n || (n > 0 && *r.Max-*r.Min+1 != int64(n)) {
		return 0, fmt.Errorf("%s holds %d rows, not %d fresh ones with consecutive ids: give the generator an empty database",
			table, r.Count, n)
	}
	if n == 0 {
		return 0, nil
	}
	return *r.Min, nil
}

// ago returns a moment at most span before now, more recent ones more
// likely as skew grows (1: uniform).
func (g *gen) ago(span time.Duration, skew float64) time.Time {
	return g.now.Add(-time.Duration(float64(span) * math.Pow(g.rng.Float64(), skew)))
}

// lognormal returns a skewed positive number: median e^mu, a long tail.
func (g *gen) lognormal(mu, sigma float64) float64 {
	return math.Exp(mu + sigma*g.rng.NormFloat64())
}

// pick returns one of choices, drawn by the weights.
func pick[T any](rng *rand.Rand, choices []T, weights []float64) T {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	r := rng.Float64() * total
	for i, w := range weights {
		if r < w {
			return choices[i]
		}
		r -= w
	}
	return choices[len(choices)-1]
}

var words = []string{"desa", "warga", "panen", "padi", "pelatihan", "posyandu", "wisata", "sungai", "jalan", "pasar", "umkm", "budaya",
	"festival", "gotong", "royong", "sekolah", "petani", "nelayan", "hutan", "air", "bersih", "listrik", "internet", "literasi"}

func (g *gen) sentence(n int) string {
	b := make([]byte, 0, n*8)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, words[g.rng.IntN(len(words))]...)
	}
	return string(b)
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
