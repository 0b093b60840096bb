// Command benchdash measures kimhub's dashboard queries under load, beside
// the same queries answered by PostGraphile 4 over the same database and
// beside the raw-SQL ceiling of kimhub's own statements (pgbench). It prints
// a Markdown table (docs/benchmarks.md).
//
//	make bench-dash                       # everything, about 40 minutes
//	make bench-dash DASHFLAGS='-step 1s -rounds 1'  # a few minutes
//
// # The query set
//
//   - Q1: a regency's feed, 20 posts with author, community and cover (the
//     regency with the most published posts).
//   - Q2: a province → its regencies → 10 communities each (anywhere in the
//     regency, by name) → 5 posts each → author (that regency's province).
//   - Q3: regionStats of a regency over 30 days (signed in as an ADMIN of
//     the region), asked for the figures PostGraphile can compute too, so
//     that both do the same work (kimhub computes only what a document
//     selects).
//   - Q3full: the whole of regionStats for the same regency and period
//     (medians, overdue, coverage, the weekly series): kimhub and the
//     ceiling only, since PostGraphile cannot say it.
//   - Q4: a community page: name, member count, 20 members with their
//     accounts, 10 showcases, 10 posts with author and cover (the community
//     of Q1's regency with the most posts).
//   - Q5: the write mix: createPost, submitPost, publishPost, three requests
//     timed as one, by the bench's own account (signed up through the API),
//     CHAIR of the bench's own eight communities, taken in turn (in another
//     province, so that the reads do not see the posts; earlier runs' posts
//     are deleted first).
//
// The GraphQL documents are in queries.go; PostGraphile's are the
// equivalent ones in its schema (bench/postgraphile, which lists its
// plugins and why).
//
// # The method
//
// kimhub runs in this process: the real handler (app.NewServices,
// app.GraphQLHandler, server.Handler) on a loopback port, over a database
// driver that counts every statement (and BEGIN/COMMIT) and can record them
// with their arguments. PostGraphile runs from bench/postgraphile (`npm
// ci` first if node_modules is missing) with WORKERS processes (default 2,
// one per core, as node:cluster would be used in production).
//
//  1. Content first: each query is asked of both servers and both answers
//     are normalised to the same plain values (same posts in the same
//     order, same names and counts); a query whose answers differ is
//     reported as not comparable and gets no ratio.
//  2. Statements per request: kimhub's from the counting driver over
//     -count-reps sequential requests; PostGraphile's from a separate
//     one-process instance run with DEBUG=postgraphile:postgres, which logs
//     each statement it sends (its lines are counted over the same requests).
//  3. Load: an open model (vegeta as a library: requests are sent on
//     schedule whether or not earlier ones were answered) at a ladder of
//     rates (-rates), -step (10 s) each, after a 2 s warm-up: long enough
//     that a server slightly past its capacity shows it (with 3 s steps,
//     PostGraphile held Q1 at 600–700 req/s; for 10 s it held 400 and
//     failed 500 and 600 at p95 85–141 ms). A rate holds if p95
//     < -target (50 ms) and no request failed (transport error, status ≠
//     200, or a GraphQL "errors" key in the body: every body is checked);
//     -refine bisections follow between the last rate that held and the
//     first that did not.
//     The sustainable rate is the highest that held. Each server climbs
//     the ladder of a query -rounds times (2), in turns (kimhub,
//     PostGraphile, kimhub, PostGraphile), and its best round is its
//     result: a disturbance on the shared machine can fail a ladder's
//     steps early, never make a server faster, and a single ladder per
//     server reflected the machine's moment as much as the server (in 25
//     runs with one round, a server's rate for one query moved by up to
//     2× from run to run). Every round is reported. The climb goes on
//     while p95 stays under -relaxed (500 ms) with no errors, which gives
//     the queries that cannot hold -target at any rate (Q2 on this
//     machine) a rate to compare too. The -fixed rates are measured for
//     p50/p95/p99 at the same load on both (unless more than twice a rate
//     that failed). Before each ladder, after each step and before each
//     pgbench run the bench waits for the machine to be quiet (under 20 %
//     CPU for two 250 ms windows, from /proc/stat; at most 30 s): a step
//     past capacity leaves work behind (PostGraphile answers requests whose
//     client gave up) that would otherwise share the cores with whatever is
//     measured next.
//  4. Raw-SQL ceiling: the statements kimhub sent for one request,
//     recorded with their arguments and inlined as literals, become a
//     pgbench script, run with `pgbench -n -f script -c C -j 2 -T N` (and
//     `-M prepared` for the reads when kimhub's statement cache is on, as
//     kimhub then prepares its statements too); its tps is the most
//     requests a second the database could answer if the server cost
//     nothing. For the write mix the new post's title and slug take a
//     pgbench random number and its id comes back by \gset. The write
//     mix's posts are deleted, and the tables it writes vacuumed, before
//     the load, before each server's write ladder and before the
//     ceilings, so that the reads meet the same data in both, each write
//     ladder starts from the same tables, and no autovacuum of one
//     ladder's dead rows runs during another's.
//  5. The floor server (not with -no-floor): for each read, a plain HTTP
//     handler in this process that runs the statements kimhub sent for
//     one request (those of the ceiling, with their arguments as
//     parameters) through the same driver, statement cache and plan cache
//     mode, one after the other on one connection, reads every row, and
//     writes kimhub's recorded answer: no GraphQL. It climbs the ladder in
//     each round after PostGraphile. Its rate is what any server on this
//     stack and machine reaches when its only work is HTTP and the
//     driver's, under the same load generator: floor ÷ ceiling is the
//     share of the ceiling a server can reach at all; kimhub ÷ floor,
//     what GraphQL and kimhub's own work cost.
//  6. Cost: kimhub's CPU time and heap allocations per request, over
//     -cost-reps requests sent back to back by -pgbench-clients clients
//     on a quiet machine (before the load), with PostgreSQL's CPU time
//     over the same requests (its processes' on this machine, from
//     /proc). The same for the floor server and for its HTTP exchange
//     alone (kimhub's answer written back, no statement run); -cost-only
//     stops after these. With the CPU PostgreSQL took per transaction of
//     the ceiling's pgbench run, the report sets each read's CPU per
//     request in all (this process's plus PostgreSQL's) against what half
//     the ceiling allows: at the ceiling pgbench and PostgreSQL keep the
//     machine's cores busy, so at half its rate a request may take
//     2 × cores ÷ tps of CPU. A server over that budget cannot hold half
//     the ceiling at any latency.
//
// The machine has 2 cores shared by the load generator, both servers and
// PostgreSQL: absolute figures move from run to run; the ratios within one
// run are what to read.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/internal/app"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/generate"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/server"
)

type options struct {
	gen            generate.Options
	rates, fixed   []int
	step           time.Duration
	refine         int
	rounds         int
	target         time.Duration
	relaxed        time.Duration
	only           map[string]bool
	countReps      int
	pgbenchClients int
	pgbenchTime    time.Duration
	pgWorkers      int
	kimhubParams   string
	stmtCache      int    // KIMHUB_DB_STATEMENT_CACHE, as kimhub read it
	planMode       string // KIMHUB_DB_PLAN_CACHE_MODE, as kimhub read it
	gogc           int    // the GC target in force, as app.TuneGC set it
	noPostGraphile bool
	noFloor        bool
	pgDir          string
	out            string
	scripts        string
	loaderWait     time.Duration
	cpuProfile     string
	memProfile     string
	costReps       int
	costOnly       bool
}

func main() {
	var o options
	o.gen.Seed = 1
	flag.StringVar(&o.gen.RegionsFile, "regions", "../shared/data/wilayah.csv", "the official region CSV (for generation)")
	flag.IntVar(&o.gen.Accounts, "accounts", 200_000, "accounts to generate (into an empty database)")
	flag.IntVar(&o.gen.Communities, "communities", 20_000, "communities to generate")
	flag.IntVar(&o.gen.Posts, "posts", 1_000_000, "posts to generate")
	flag.IntVar(&o.gen.Showcases, "showcases", 100_000, "showcases to generate")
	flag.IntVar(&o.gen.Programs, "programs", 5_000, "programmes to generate")
	flag.IntVar(&o.gen.Disseminations, "disseminations", 200_000, "dissemination reports to generate")
	flag.IntVar(&o.gen.Aspirations, "aspirations", 50_000, "aspirations to generate")
	rates := flag.String("rates", "5,10,25,50,100,200,400,800,1600,3200,6400", "the ladder of request rates (req/s)")
	fixed := flag.String("fixed", "50,200", "rates always measured, for latencies at the same load")
	flag.DurationVar(&o.step, "step", 10*time.Second, "how long each rate runs")
	flag.IntVar(&o.refine, "refine", 3, "bisections between the last rate that held and the first that failed")
	flag.IntVar(&o.rounds, "rounds", 2, "ladders per query and server, taken in turns (kimhub, PostGraphile, kimhub, …); each server's best round is its result")
	flag.DurationVar(&o.target, "target", 50*time.Millisecond, "the p95 a sustainable rate must stay under")
	flag.DurationVar(&o.relaxed, "relaxed", 500*time.Millisecond, "a second, relaxed p95 target: the ladder climbs until it fails (for queries that cannot hold -target at all)")
	only := flag.String("queries", "Q1,Q2,Q3,Q3full,Q4,Q5", "the queries to run")
	flag.IntVar(&o.countReps, "count-reps", 20, "sequential requests over which statements are counted")
	flag.IntVar(&o.pgbenchClients, "pgbench-clients", 8, "pgbench clients (-c)")
	flag.DurationVar(&o.pgbenchTime, "pgbench-time", 10*time.Second, "pgbench duration (-T)")
	flag.IntVar(&o.pgWorkers, "pg-workers", 2, "PostGraphile processes")
	flag.StringVar(&o.kimhubParams, "kimhub-db-params", "", "extra DATABASE_URL parameters for kimhub only, e.g. binary_parameters=yes")
	flag.BoolVar(&o.noPostGraphile, "no-postgraphile", false, "skip PostGraphile (kimhub and pgbench only)")
	flag.BoolVar(&o.noFloor, "no-floor", false, "skip the floor server (kimhub's statements replayed behind HTTP, without GraphQL)")
	flag.StringVar(&o.pgDir, "postgraphile-dir", "bench/postgraphile", "PostGraphile's directory")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.DurationVar(&o.loaderWait, "loader-wait", loader.Wait, "kimhub's loaders' batching wait (graph/loader.Wait)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load phase, or with -cost-only of the cost phase (this process: kimhub and the load generator)")
	flag.StringVar(&o.memProfile, "memprofile", "", "with -cost-only, write an allocation profile of the cost phase")
	flag.StringVar(&o.scripts, "scripts", "", "keep the pgbench scripts in this directory")
	flag.IntVar(&o.costReps, "cost-reps", 1000, "requests over which the CPU time and allocations per request of kimhub, the floor server and HTTP only are measured (sent by -pgbench-clients clients, back to back)")
	flag.BoolVar(&o.costOnly, "cost-only", false, "stop after kimhub's statements and cost per request (no load, no PostGraphile, no pgbench)")
	flag.Parse()
	var err error
	if o.rates, err = ints(*rates); err == nil {
		o.fixed, err = ints(*fixed)
	}
	o.only = map[string]bool{}
	for _, q := range strings.Split(*only, ",") {
		o.only[strings.TrimSpace(q)] = true
	}
	if err == nil && (o.costReps < 1 || o.pgbenchClients < 1 || o.countReps < 1 || o.rounds < 1) {
		err = errors.New("-cost-reps, -count-reps, -pgbench-clients and -rounds must be at least 1")
	}
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdash:", err)
		os.Exit(1)
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a list of positive rates", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

type counter struct{ n atomic.Int64 }

func newCounter() *counter     { return &counter{} }
func (c *counter) next() int64 { return c.n.Add(1) }

// result is what one query gave on all three.
type result struct {
	q                    query
	kimhub, pg, floor    ladder   // the best round of each
	kimhubRounds         []ladder // every round, in order
	pgRounds             []ladder
	floorRounds          []ladder
	kimhubStmts, pgStmts float64
	kimhubCost           cost
	floorCost, httpCost  cost // the floor server's, and its HTTP exchange alone (no statements)
	ceiling              float64
	ceilingPG            time.Duration // PostgreSQL's CPU per transaction of the ceiling's run
	ceilingNote          string
	same                 bool
	diff                 string
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		return errors.New("DATABASE_URL is not set (make bench-dash sets it to the database kimhub_dash)")
	}
	db, err := postgres.Open(ctx, dbURL, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return err
	}
	// have is the posts the queries run over (the report gives it): none
	// means a database to generate first.
	var have int
	countPosts := func() error { return db.GetContext(ctx, &have, `SELECT count(*) FROM posts`) }
	if err := countPosts(); err != nil {
		return err
	}
	if have == 0 {
		say("generating (once; later runs reuse the data)…")
		if err := generate.Run(ctx, db, o.gen, os.Stderr); err != nil {
			return err
		}
		if err := countPosts(); err != nil {
			return err
		}
	}

	// kimhub, in this process, over the recording driver.
	getenv := func(k string) string {
		switch k {
		case "KIMHUB_LOG_LEVEL":
			return "warn"
		case "KIMHUB_GRAPHIQL":
			return "false"
		case "KIMHUB_ACCESS_TOKEN_TTL":
			return "3h"
		case "KIMHUB_LOGIN_MAX_PER_IP", "KIMHUB_SIGNUP_MAX_PER_IP":
			return "100000"
		case "KIMHUB_LOGIN_MAX_FAILURES":
			return "1000"
		}
		return os.Getenv(k)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	cfg.DatabaseURL = postgres.WithParams(cfg.DatabaseURL, o.kimhubParams)
	loader.Wait = o.loaderWait
	// kimhub serve's GC target (app.DefaultGOGC unless GOGC is set): this
	// process is kimhub's.
	o.gogc = app.TuneGC(os.Getenv)
	rec := &recorder{}
	o.stmtCache, o.planMode = cfg.DBStatementCache, cfg.DBPlanCacheMode
	kdb, err := rec.open(cfg.DatabaseURL, cfg.DBMaxOpenConns, cfg.DBStatementCache, cfg.DBPlanCacheMode)
	if err != nil {
		return err
	}
	defer kdb.Close()
	store, err := app.OpenStorage(ctx, cfg)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := app.NewServices(kdb, store, cfg, log)
	// The regency summary's past days folded, as serve does at start (a
	// generated dataset comes with every day striped).
	folded, err := svc.Stats.Fold(ctx)
	if err != nil {
		return fmt.Errorf("fold: %w", err)
	}
	say("folded %d striped rows of the regency summary's past days", folded)
	if folded > 0 {
		// Its index-only reads need the visibility map the fold cleared;
		// autovacuum would get there during the first measurements.
		if _, err := db.ExecContext(ctx, `VACUUM (ANALYZE) activity_regency_daily`); err != nil {
			return fmt.Errorf("vacuum after the fold: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.Handler(server.Options{GraphQL: app.GraphQLHandler(svc, cfg), Log: log}),
		ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	kimhubURL := "http://" + ln.Addr().String() + "/graphql"
	say("kimhub serving on %s (DATABASE_URL parameters: %q, loader wait %v, statement cache %d, plan cache mode %s, GOGC %d)", kimhubURL, o.kimhubParams, loader.Wait, o.stmtCache, o.planMode, o.gogc)

	t, err := setup(ctx, db, kimhubURL)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	say("targets: regency %s, province %s, community %s; writes in communities %v (%s) by account %d",
		t.Regency, t.Province, t.Community, t.WriteCommunities, t.WriteRegion, t.AccountID)

	var qs []query
	for _, q := range queries() {
		if o.only[q.Name] {
			qs = append(qs, q)
		}
	}
	client := &http.Client{Transport: &chainTransport{base: &http.Transport{MaxIdleConnsPerHost: 1000, MaxIdleConns: 1000}}}
	chains := client.Transport.(*chainTransport)
	chains.chains = map[string]func(do func(any) ([]byte, error)) ([]byte, error){}
	results := make([]*result, len(qs))
	kimhubTarget := make([]vegeta.Target, len(qs))
	for i, q := range qs {
		results[i] = &result{q: q}
		token := ""
		if q.Auth {
			token = t.Token
		}
		kimhubTarget[i] = target(kimhubURL, token, q.Name+"-kimhub", q.Kimhub, q.KimhubChain, t, chains)
	}

	// 1 and 2: kimhub's answers and statements.
	kimhubAnswers := make([][]byte, len(qs))
	for i, q := range qs {
		body, err := send(client, kimhubTarget[i])
		if err != nil {
			return fmt.Errorf("%s on kimhub: %w", q.Name, err)
		}
		kimhubAnswers[i] = body
		before := rec.n.Load()
		for j := 0; j < o.countReps; j++ {
			if _, err := send(client, kimhubTarget[i]); err != nil {
				return fmt.Errorf("%s on kimhub: %w", q.Name, err)
			}
		}
		results[i].kimhubStmts = float64(rec.n.Load()-before) / float64(o.countReps)
	}
	// kimhub's cost per request, on a quiet machine (the profiles, with
	// -cost-only, are of this phase alone).
	quiet(say)
	stopProfile := func() {}
	if o.costOnly {
		if stopProfile, err = startProfile(o.cpuProfile); err != nil {
			return err
		}
	}
	for i, q := range qs {
		c, err := measureCost(client, kimhubTarget[i], o.costReps, o.pgbenchClients)
		if err != nil {
			stopProfile()
			return fmt.Errorf("%s on kimhub: %w", q.Name, err)
		}
		results[i].kimhubCost = c
		say("%s on kimhub: %v of this process's CPU per request", q.Name, c)
	}
	if o.costOnly {
		stopProfile()
		if err := writeAllocs(o.memProfile); err != nil {
			return err
		}
	}

	// 4 (recording): one request each, recorded.
	scripts := make([]string, len(qs))
	dir := o.scripts
	if dir == "" {
		if dir, err = os.MkdirTemp("", "benchdash"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	floor := &floorServer{plans: map[string]floorPlan{}}
	for i, q := range qs {
		rec.start()
		body, err := send(client, kimhubTarget[i])
		stmts := rec.stop()
		if err != nil {
			return fmt.Errorf("%s on kimhub: %w", q.Name, err)
		}
		if !o.noFloor && floorable(q, stmts) {
			floor.plans[q.Name] = floorPlan{stmts, body}
		}
		script, err := ceilingScript(q, t, stmts, body)
		if err != nil {
			results[i].ceilingNote = err.Error()
			continue
		}
		scripts[i] = filepath.Join(dir, q.Name+".sql")
		if err := os.WriteFile(scripts[i], []byte(script), 0o644); err != nil {
			return err
		}
	}

	// The floor: kimhub's statements behind HTTP, without GraphQL, over
	// a pool like kimhub's.
	floorTarget := make([]vegeta.Target, len(qs))
	if len(floor.plans) > 0 {
		if floor.db, err = postgres.OpenWith(ctx, cfg.DatabaseURL, cfg.DBMaxOpenConns, cfg.DBStatementCache, cfg.DBPlanCacheMode); err != nil {
			return err
		}
		defer floor.db.Close()
		base, err := startFloor(ctx, floor)
		if err != nil {
			return err
		}
		for i, q := range qs {
			if _, ok := floor.plans[q.Name]; ok {
				floorTarget[i] = target(base+floorPath(q.Name), "", q.Name+"-floor", q.Kimhub, nil, t, chains)
				if _, err := send(client, floorTarget[i]); err != nil {
					return fmt.Errorf("%s on the floor server: %w", q.Name, err)
				}
			}
		}
		say("floor server on %s", base)
		// What the floor and the HTTP exchange alone cost, measured as
		// kimhub's was.
		quiet(say)
		for i, q := range qs {
			if floorTarget[i].URL == "" {
				continue
			}
			httpOnly := target(base+httpOnlyPath(q.Name), "", q.Name+"-http", q.Kimhub, nil, t, chains)
			if results[i].floorCost, err = measureCost(client, floorTarget[i], o.costReps, o.pgbenchClients); err == nil {
				results[i].httpCost, err = measureCost(client, httpOnly, o.costReps, o.pgbenchClients)
			}
			if err != nil {
				return fmt.Errorf("%s on the floor server: %w", q.Name, err)
			}
			say("%s on the floor server: %v; HTTP only: %v", q.Name, results[i].floorCost, results[i].httpCost)
		}
	}
	if o.costOnly {
		fmt.Print(renderCost(results, o.pgbenchClients))
		return nil
	}

	// PostGraphile: answers compared, statements counted, then load.
	var pgTarget []vegeta.Target
	if !o.noPostGraphile {
		pgURLCount, stopCount, logFile, err := startPostGraphile(ctx, o, dbURL, 1, true)
		if err != nil {
			return err
		}
		pgTarget = make([]vegeta.Target, len(qs))
		for i, q := range qs {
			if q.kimhubOnly() {
				continue
			}
			tc := target(pgURLCount, "", q.Name+"-pg", q.PG, q.PGChain, t, chains)
			body, err := send(client, tc)
			if err != nil {
				results[i].diff = "PostGraphile failed: " + err.Error()
				say("%s on PostGraphile: %v", q.Name, err)
				continue
			}
			results[i].same, results[i].diff = compare(q, kimhubAnswers[i], body)
			before := countLines(logFile)
			for j := 0; j < o.countReps; j++ {
				_, _ = send(client, tc)
			}
			time.Sleep(300 * time.Millisecond)
			results[i].pgStmts = float64(countLines(logFile)-before) / float64(o.countReps)
		}
		stopCount()
		pgURL, stop, _, err := startPostGraphile(ctx, o, dbURL, o.pgWorkers, false)
		if err != nil {
			return err
		}
		defer stop()
		for i, q := range qs {
			if !q.kimhubOnly() {
				pgTarget[i] = target(pgURL, "", q.Name+"-pg", q.PG, q.PGChain, t, chains)
			}
		}
	}

	// 3: load. The statement counts, the cost and the answers compared
	// published write-mix posts: the reads' ladders do not meet them.
	removeWrites(ctx, db, t)
	if !o.costOnly {
		stop, err := startProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	dirty := false // a write ladder ran since the last removeWrites
	climbOn := func(q query, server string, tgt vegeta.Target) ladder {
		if writes := q.KimhubChain != nil; writes {
			if dirty {
				removeWrites(ctx, db, t)
			}
			dirty = true
		}
		say("%s on %s", q.Name, server)
		return climb(client, tgt, o.rates, o.fixed, o.step, o.refine, o.target, o.relaxed, say)
	}
	for i, q := range qs {
		r := results[i]
		pgToo := pgTarget != nil && !q.kimhubOnly() && !strings.HasPrefix(r.diff, "PostGraphile failed")
		for round := 0; round < o.rounds; round++ {
			r.kimhubRounds = append(r.kimhubRounds, climbOn(q, "kimhub", kimhubTarget[i]))
			if pgToo {
				r.pgRounds = append(r.pgRounds, climbOn(q, "PostGraphile", pgTarget[i]))
			}
			if floorTarget[i].URL != "" {
				r.floorRounds = append(r.floorRounds, climbOn(q, "the floor server", floorTarget[i]))
			}
		}
		r.kimhub, r.pg, r.floor = best(r.kimhubRounds), best(r.pgRounds), best(r.floorRounds)
	}
	// 4: pgbench, over the data the reads' ladders met: without the
	// write mix's posts (a regency's feed once slowed down ten times after
	// them, since it walked the country's newest posts; see migration
	// 00013).
	removeWrites(ctx, db, t)
	for i, q := range qs {
		if scripts[i] == "" {
			continue
		}
		say("%s: pgbench", q.Name)
		quiet(say)
		pg0, pgSeen := pgCPU()
		var txs int
		results[i].ceiling, txs, results[i].ceilingNote = pgbench(ctx, dbURL, scripts[i], o)
		if pg1, _ := pgCPU(); pgSeen && txs > 0 {
			results[i].ceilingPG = (pg1 - pg0) / time.Duration(txs)
		}
	}
	report := render(o, t, results, have)
	fmt.Print(report)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(report), 0o644)
	}
	return nil
}

// startProfile writes a CPU profile to file until stop is called (nothing
// if file is "").
func startProfile(file string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeAllocs writes the allocation profile so far to file (nothing if
// file is "").
func writeAllocs(file string) error {
	if file == "" {
		return nil
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

// target makes a vegeta target of a query on one server.
func target(url, token, name string, body func(*targets) any, chain func(*targets) func(func(any) ([]byte, error)) ([]byte, error),
	t *targets, chains *chainTransport) vegeta.Target {
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	tg := vegeta.Target{Method: http.MethodPost, URL: url, Header: h}
	if chain != nil {
		h.Set("X-Bench-Chain", name)
		chains.chains[name] = chain(t)
		tg.Body = []byte("{}")
		return tg
	}
	tg.Body = mustJSON(body(t))
	return tg
}

// send makes one request of a target, as the load would.
func send(c *http.Client, t vegeta.Target) ([]byte, error) {
	req, err := t.Request()
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if msg := failure(uint16(resp.StatusCode), "", body); msg != "" {
		return body, errors.New(msg)
	}
	return body, nil
}

func compare(q query, kimhub, pg []byte) (bool, string) {
	a := mustJSON(q.NormKimhub(dig(decode(kimhub), "data")))
	b := mustJSON(q.NormPG(dig(decode(pg), "data")))
	if string(a) == "null" || string(a) == "[]" {
		return false, "kimhub's answer is empty: nothing to compare"
	}
	if string(a) != string(b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		lo := max(0, i-80)
		return false, fmt.Sprintf("answers differ at byte %d: kimhub …%.160s… PostGraphile …%.160s…", i, a[lo:], b[min(lo, len(b)):])
	}
	return true, ""
}

// startPostGraphile starts bench/postgraphile's server.js (npm ci first if
// node_modules is missing) on a free port and waits until it answers.
// With debug, it logs each SQL statement to a file, whose name it returns.
func startPostGraphile(ctx context.Context, o options, dbURL string, workers int, debug bool) (string, func(), string, error) {
	dir, err := filepath.Abs(o.pgDir)
	if err != nil {
		return "", nil, "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		say("npm ci in %s", dir)
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", nil, "", fmt.Errorf("npm ci: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	logf, err := os.CreateTemp("", "postgraphile-*.log")
	if err != nil {
		return "", nil, "", err
	}
	cmd := exec.Command("node", "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "PORT="+fmt.Sprint(port), "WORKERS="+fmt.Sprint(workers))
	if debug {
		cmd.Env = append(cmd.Env, "DEBUG=postgraphile:postgres", "DEBUG_COLORS=no")
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", nil, "", err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.Remove(logf.Name())
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/graphql", port)
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"query":"{__typename}"}`))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			stop()
			return "", nil, "", fmt.Errorf("PostGraphile did not answer within a minute: %s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	say("PostGraphile (%d workers%s) on %s", workers, map[bool]string{true: ", DEBUG=postgraphile:postgres"}[debug], url)
	return url, stop, logf.Name(), nil
}

var debugLine = regexp.MustCompile(`(?m)^\S+ postgraphile:postgres `)

// countLines counts the statements PostGraphile has logged so far.
func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return len(debugLine.FindAll(b, -1))
}

// What pgbench prints at the end of a run.
var (
	pgbenchTPS    = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchAnyTPS = regexp.MustCompile(`tps = ([0-9.]+)`)
	pgbenchFailed = regexp.MustCompile(`number of failed transactions: ([1-9][0-9]*)`)
	pgbenchTxs    = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)
)

// pgbench runs a script and returns its tps (excluding connection time)
// and the transactions it ran.
func pgbench(ctx context.Context, dbURL, script string, o options) (float64, int, string) {
	args := []string{"-n", "-f", script, "-c", fmt.Sprint(o.pgbenchClients), "-j", "2", "-T", fmt.Sprint(int(o.pgbenchTime.Seconds()))}
	body, _ := os.ReadFile(script)
	if o.stmtCache > 0 && !strings.Contains(string(body), "\\set") && !strings.Contains(string(body), "\\gset") {
		// kimhub reuses prepared statements: so does its ceiling. Not the
		// write mix's script, whose pgbench variables sit inside string
		// literals (prepared mode would make them parameters there).
		args = append(args, "-M", "prepared")
	}
	cmd := exec.CommandContext(ctx, "pgbench", append(args, dbURL)...)
	out, err := cmd.CombinedOutput()
	m := pgbenchTPS.FindSubmatch(out)
	if m == nil {
		m = pgbenchAnyTPS.FindSubmatch(out)
	}
	failed := pgbenchFailed.FindSubmatch(out)
	if err != nil || m == nil || failed != nil {
		return 0, 0, fmt.Sprintf("pgbench failed: %v %.300s", err, out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	var txs int
	if n := pgbenchTxs.FindSubmatch(out); n != nil {
		txs, _ = strconv.Atoi(string(n[1]))
	}
	return tps, txs, ""
}
