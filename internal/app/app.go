// Package app wires kimhub together and runs its subcommands. main() only
// handles signals and the exit code; Run does everything else, so that
// end-to-end tests start the real program.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/graph"
	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/demo"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/server"
	"github.com/kimhub/kimhub/internal/storage"
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
			return demo.Load(ctx, demo.Deps{Regions: region.NewStore(db)}, o.Stderr)
		})
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
	db, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxOpenConns)
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
	in := o.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	_, err := region.NewStore(db).Import(ctx, in, o.Stderr)
	if e, ok := apperr.As(err); ok && e.Code == apperr.BadUserInput {
		return fmt.Errorf("%s: nothing was imported: %s", path, e.Message)
	}
	return err
}

// serve runs the HTTP server until ctx ends, then drains in-flight requests
// for up to KIMHUB_SHUTDOWN_TIMEOUT.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) error {
	start := time.Now()
	db, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxOpenConns)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.MigrateOnStart {
		if err := postgres.Migrate(ctx, db, log); err != nil {
			return err
		}
	}
	media, err := storage.Open(cfg.S3)
	if err != nil {
		return err
	}
	if err := media.EnsureBucket(ctx); err != nil {
		return fmt.Errorf("media storage at %s: %w", cfg.S3.Endpoint, err)
	}

	regions := region.NewStore(db)
	gql := graph.NewHandler(&graph.Resolver{Svc: graph.Services{Regions: regions}}, cfg.Limits)
	handler := server.Handler(server.Options{
		GraphQL:  graph.LimitBody(cfg.Limits.MaxBodyBytes, loader.Middleware(loader.Stores{Regions: regions}, gql)),
		GraphiQL: cfg.GraphiQL,
		Ready: []server.Check{
			{Name: "postgres", Ping: db.PingContext},
			{Name: "storage", Ping: media.Ping},
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
