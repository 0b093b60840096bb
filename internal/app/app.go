// Package app wires kimhub together and runs its subcommands. main() only
// handles signals and the exit code; Run does everything else, so that
// end-to-end tests start the real program.
package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/demo"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/ratelimit"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/server"
)

// Options are the program's inputs.
type Options struct {
	Args   []string // without the program name
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// OnListen, if set, is told the address `serve` listens on once it
	// accepts connections (tests listen on port 0).
	OnListen func(addr string)
}

const usage = `kimhub — the GraphQL backend of the KIM platform

Usage:
  kimhub serve                  migrate (unless KIMHUB_MIGRATE_ON_START=false) and serve HTTP
  kimhub migrate [status]       apply pending migrations, or list them
  kimhub regions import FILE    import the official region CSV (code,name); "-" reads stdin
  kimhub demo                   migrate and load the demo data (idempotent)
  kimhub media janitor          remove expired direct uploads and objects without a row
  kimhub superadmin create EMAIL NAME
                                create a superadmin (or make the account with EMAIL one);
                                the password is read from KIMHUB_SUPERADMIN_PASSWORD or stdin
  kimhub help                   show this text

Configuration comes from environment variables; see README.md.
`

// ErrUsage marks a command line that does not parse; main exits 2 for it.
var ErrUsage = errors.New("usage")

// Run runs the subcommand named by o.Args until it is done or ctx ends.
func Run(ctx context.Context, o Options) error {
	if len(o.Args) == 0 || o.Args[0] == "help" || o.Args[0] == "-h" || o.Args[0] == "--help" {
		fmt.Fprint(o.Stdout, usage)
		if len(o.Args) == 0 {
			return fmt.Errorf("%w: no command given", ErrUsage)
		}
		return nil
	}
	cfg, err := config.Load(o.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, o.Stderr)
	switch cmd, args := o.Args[0], o.Args[1:]; {
	case cmd == "serve" && len(args) == 0:
		return serve(ctx, cfg, log, o)
	case cmd == "migrate" && len(args) == 0:
		return withDB(ctx, cfg, func(db *sqlx.DB) error { return postgres.Migrate(ctx, db, log) })
	case cmd == "migrate" && len(args) == 1 && args[0] == "status":
		return withDB(ctx, cfg, func(db *sqlx.DB) error { return migrationStatus(ctx, db, o.Stdout) })
	case cmd == "regions" && len(args) == 2 && args[0] == "import":
		return withDB(ctx, cfg, func(db *sqlx.DB) error { return importRegions(ctx, db, args[1], o) })
	case cmd == "demo" && len(args) == 0:
		return withDB(ctx, cfg, func(db *sqlx.DB) error {
			if err := postgres.Migrate(ctx, db, log); err != nil {
				return err
			}
			store, err := OpenStorage(ctx, cfg)
			if err != nil {
				return err
			}
			s := NewServices(db, store, cfg, log)
			return demo.Load(ctx, demo.Deps{Regions: s.Regions, Accounts: s.Accounts, Grants: s.Grants,
				Media: s.Media, Communities: s.Communities, Posts: s.Posts,
				Programs: s.Programs, Disseminations: s.Disseminations, Aspirations: s.Aspirations}, o.Stderr)
		})
	case cmd == "media" && len(args) == 1 && args[0] == "janitor":
		return withDB(ctx, cfg, func(db *sqlx.DB) error {
			store, err := OpenStorage(ctx, cfg)
			if err != nil {
				return err
			}
			rep, err := runJanitor(ctx, NewServices(db, store, cfg, log).Media, time.Now(), log)
			fmt.Fprintf(o.Stdout, "removed %d expired uploads and %d orphaned objects\n", rep.ExpiredUploads, rep.OrphanObjects)
			return err
		})
	case cmd == "superadmin" && len(args) == 3 && args[0] == "create":
		return withDB(ctx, cfg, func(db *sqlx.DB) error { return createSuperadmin(ctx, db, args[1], args[2], o) })
	case cmd == "regions":
		return fmt.Errorf("%w: kimhub regions import FILE (a CSV of code,name; \"-\" reads stdin)", ErrUsage)
	case cmd == "superadmin":
		return fmt.Errorf("%w: kimhub superadmin create EMAIL NAME (password from KIMHUB_SUPERADMIN_PASSWORD or stdin)", ErrUsage)
	}
	fmt.Fprint(o.Stderr, usage)
	return fmt.Errorf("%w: unknown command %q", ErrUsage, o.Args)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func withDB(ctx context.Context, cfg config.Config, fn func(*sqlx.DB) error) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

func migrationStatus(ctx context.Context, db *sqlx.DB, w io.Writer) error {
	list, err := postgres.MigrationStatus(ctx, db)
	if err != nil {
		return err
	}
	for _, m := range list {
		applied := "pending"
		if !m.AppliedAt.IsZero() {
			applied = "applied " + m.AppliedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%05d  %-40s %s\n", m.Source.Version, m.Source.Path, applied)
	}
	return nil
}

func importRegions(ctx context.Context, db *sqlx.DB, path string, o Options) error {
	in, name := o.Stdin, "stdin"
	if path != "-" {
		name = path
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	_, err := region.NewStore(db).Import(ctx, in, o.Stderr)
	if e, ok := apperr.As(err); ok && e.Code == apperr.BadUserInput {
		return fmt.Errorf("%s: nothing was imported: %s", name, e.Message)
	}
	return err
}

// createSuperadmin is the only way a superadmin comes to be.
func createSuperadmin(ctx context.Context, db *sqlx.DB, email, name string, o Options) error {
	password := o.Getenv("KIMHUB_SUPERADMIN_PASSWORD")
	if password == "" && o.Stdin != nil {
		line, err := bufio.NewReader(o.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
	}
	a, created, err := (&account.Service{DB: db}).EnsureSuperadmin(ctx, name, email, password)
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		return fmt.Errorf("superadmin create: %s", e.Message)
	}
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(o.Stdout, "created superadmin %s (account %d)\n", email, a.ID)
	} else {
		fmt.Fprintf(o.Stdout, "account %d (%s) is now a superadmin; its password is unchanged\n", a.ID, email)
	}
	return nil
}

// pruneRateLimits deletes rate-limit counters older than a day, hourly,
// until ctx ends. Every instance may run it; the deletes do not conflict.
func pruneRateLimits(ctx context.Context, l *ratelimit.Limiter, log *slog.Logger) {
	every(ctx, time.Hour, func(now time.Time) {
		if err := l.Prune(ctx, now.Add(-24*time.Hour)); err != nil {
			log.Warn("prune rate limits", "err", err)
		}
	})
}

// runJanitor removes expired uploads and orphaned objects, and logs what it
// did. Several instances may run it at once: each removal is idempotent.
func runJanitor(ctx context.Context, m *media.Service, now time.Time, log *slog.Logger) (media.JanitorReport, error) {
	rep, err := m.Janitor(ctx, now)
	if err != nil {
		log.Warn("media janitor", "err", err, "expired_uploads", rep.ExpiredUploads, "orphan_objects", rep.OrphanObjects)
		return rep, err
	}
	log.Info("media janitor", "expired_uploads", rep.ExpiredUploads, "orphan_objects", rep.OrphanObjects)
	return rep, nil
}

// every calls fn at each tick of interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func(now time.Time)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			fn(now)
		}
	}
}

// openDB connects to PostgreSQL, naming the setting to check when it fails.
func openDB(ctx context.Context, cfg config.Config) (*sqlx.DB, error) {
	db, err := postgres.OpenWith(ctx, cfg.DatabaseURL, cfg.DBMaxOpenConns, cfg.DBStatementCache, cfg.DBPlanCacheMode)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at DATABASE_URL does not answer (is it running? `make services` starts one): %w", err)
	}
	return db, nil
}

// DefaultGOGC is the garbage collector's target (GOGC) that serve sets
// when the operator has not set GOGC. Go's own default, 100, collects
// each time the heap doubles its live size: a server whose live heap is
// a few megabytes, answering requests that allocate megabytes each (a
// province's nested dashboard allocates about 8 MiB), then collects
// several times a request, and the collector took a fifth of such a
// request's CPU. 400 trades memory (the heap may grow to five times its
// live size) for fewer collections. Where memory is capped, set
// GOMEMLIMIT too, which Go reads itself.
const DefaultGOGC = 400

// TuneGC sets DefaultGOGC unless GOGC is set in the environment (the Go
// runtime has then read it at start). It returns the target in force.
func TuneGC(getenv func(string) string) int {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGOGC)
	}
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(sample)
	return int(sample[0].Value.Uint64())
}

// serve runs the HTTP server until ctx ends, then drains in-flight requests
// for up to KIMHUB_SHUTDOWN_TIMEOUT.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) error {
	start := time.Now()
	TuneGC(o.Getenv)
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.MigrateOnStart {
		if err := postgres.Migrate(ctx, db, log); err != nil {
			return err
		}
	}
	store, err := OpenStorage(ctx, cfg)
	if err != nil {
		return err
	}
	svc := NewServices(db, store, cfg, log)
	svc.Views = publishing.NewViewRecorder(ctx, svc.Posts, log)
	handler := server.Handler(server.Options{
		GraphQL:  GraphQLHandler(svc, cfg),
		GraphiQL: cfg.GraphiQL,
		Ready: []server.Check{
			{Name: "postgres", Ping: db.PingContext},
			{Name: "storage", Ping: store.Ping},
		},
		Log: log,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on KIMHUB_ADDR=%s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	go pruneRateLimits(ctx, &ratelimit.Limiter{DB: db}, log)
	go every(ctx, time.Hour, func(time.Time) {
		if _, err := svc.Sessions.Prune(ctx); err != nil {
			log.Warn("prune sessions", "err", err)
		}
	})
	go func() {
		fold := func(time.Time) {
			if _, err := svc.Stats.Fold(ctx); err != nil && ctx.Err() == nil {
				log.Warn("fold regency days", "err", err)
			}
		}
		fold(time.Now())
		every(ctx, time.Hour, fold)
	}()
	go every(ctx, time.Minute, func(time.Time) {
		if _, err := svc.Posts.AggregateViews(ctx); err != nil {
			log.Warn("aggregate views", "err", err)
		}
	})
	if cfg.Media.JanitorInterval > 0 {
		go every(ctx, cfg.Media.JanitorInterval, func(now time.Time) { runJanitor(ctx, svc.Media, now, log) })
	}
	log.Info("kimhub serving", "addr", ln.Addr().String(), "graphql", "http://"+ln.Addr().String()+"/graphql",
		"startup", time.Since(start).Round(time.Millisecond))
	if o.OnListen != nil {
		o.OnListen(ln.Addr().String())
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout)
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
