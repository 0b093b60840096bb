// Package postgres opens kimhub's PostgreSQL database, migrates it, runs
// transactions and maps driver errors to apperr codes at the storage boundary.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/migrations"
)

// DefaultStatementCache is how many prepared statements each connection
// keeps when the caller does not say (KIMHUB_DB_STATEMENT_CACHE).
const DefaultStatementCache = 256

// DefaultPlanCacheMode is the cached statements' plan_cache_mode when the
// caller does not say (KIMHUB_DB_PLAN_CACHE_MODE; see StatementCache).
const DefaultPlanCacheMode = "force_generic_plan"

// Open connects to PostgreSQL and checks that it answers, with the default
// statement cache and plan cache mode.
func Open(ctx context.Context, url string, maxOpen int) (*sqlx.DB, error) {
	return OpenWith(ctx, url, maxOpen, DefaultStatementCache, DefaultPlanCacheMode)
}

// OpenWith is Open with a statement cache of cache statements per
// connection (0: none) and the plan_cache_mode plans (see StatementCache).
func OpenWith(ctx context.Context, url string, maxOpen, cache int, plans string) (*sqlx.DB, error) {
	c, err := pq.NewConnector(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(StatementCache(c, cache, plans)), "postgres")
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxOpen)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return db, nil
}

// WithParams adds connection parameters (as "a=1&b=2") to a database URL,
// after those it has.
func WithParams(url, params string) string {
	if params == "" {
		return url
	}
	if strings.Contains(url, "?") {
		return url + "&" + params
	}
	return url + "?" + params
}

// Migrate applies every pending migration. A PostgreSQL advisory lock held for
// the whole run keeps two instances starting together from migrating at once:
// the second waits, then finds nothing left to do.
func Migrate(ctx context.Context, db *sqlx.DB, log *slog.Logger) error {
	locker, err := lock.NewPostgresSessionLocker(
		// Wait up to 5 minutes (60 × 5 s) for another instance's migration.
		lock.WithLockTimeout(5, 60),
	)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration.Round(time.Millisecond))
	}
	return nil
}

// MigrationStatus lists each migration and whether it has been applied.
func MigrationStatus(ctx context.Context, db *sqlx.DB) ([]*goose.MigrationStatus, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, err
	}
	return p.Status(ctx)
}

// Transact runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise. A serialization failure or deadlock (possible under the
// isolation levels later stores ask for) is retried a few times.
func Transact(ctx context.Context, db *sqlx.DB, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) error {
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		err = transactOnce(ctx, db, opts, fn)
		if !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i+1) * 10 * time.Millisecond):
		}
	}
	return err
}

func transactOnce(ctx context.Context, db *sqlx.DB, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = fmt.Errorf("commit: %w", cerr)
		}
	}()
	return fn(tx)
}

// Select is db.SelectContext, or with byValues the same for a statement
// whose best plan depends on its values (Read).
func Select(ctx context.Context, db *sqlx.DB, byValues bool, dest any, query string, args ...any) error {
	return Read(ctx, db, byValues, func(q sqlx.QueryerContext) error {
		return sqlx.SelectContext(ctx, q, dest, query, args...)
	})
}

// Read runs fn with db; with byValues, for statements whose best plan
// depends on their values, such as a name search (a pattern may match
// three rows or thousands), which a plan made once for all values
// (StatementCache's connections) cannot tell apart, fn runs in a read-only
// transaction planned for its values at each execution (plan_cache_mode
// force_custom_plan, for that transaction only).
func Read(ctx context.Context, db *sqlx.DB, byValues bool, fn func(q sqlx.QueryerContext) error) error {
	if !byValues {
		return fn(db)
	}
	return Transact(ctx, db, &sql.TxOptions{ReadOnly: true}, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// LockBusy reports whether err is PostgreSQL's lock_not_available
// (55P03): a NOWAIT lock found its row held by another transaction.
func LockBusy(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "55P03"
}

func retryable(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// MapError turns a driver error into an apperr one: no rows → NOT_FOUND (with
// notFound as the message), a unique violation → CONFLICT, anything else →
// INTERNAL with the driver text kept only for the logs.
func MapError(err error, op, notFound string) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("%s", notFound)
	}
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &apperr.Error{Code: apperr.Conflict, Message: "already exists", Err: err}
	}
	if Ended(err) {
		return &apperr.Error{Code: apperr.Unavailable, Message: "the request was cancelled or timed out", Err: err}
	}
	return apperr.Wrap(err, op)
}

// Ended reports whether err says that the request ended under a statement
// or a wait: its context cancelled or past its deadline, or PostgreSQL's
// query_canceled (57014), which lib/pq returns when it cancels a
// statement for a context.
func Ended(err error) bool {
	var pe *pq.Error
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &pe) && pe.Code == "57014"
}

// Qualify returns a comma-separated column list with each column prefixed
// by a table alias ("id, name" → "c.id, c.name"), for joins.
func Qualify(columns, alias string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Nested returns a comma-separated column list of a joined table, each
// column qualified by the table's alias and named for a field of the
// struct field `field` of the row type ("id, name", "a", "author" →
// `a.id AS "author.id", a.name AS "author.name"`): sqlx's mapper scans such
// a column into that nested struct.
func Nested(columns, alias, field string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		c = strings.TrimSpace(c)
		parts[i] = alias + "." + c + ` AS "` + field + "." + c + `"`
	}
	return strings.Join(parts, ", ")
}

// SelectGrouped runs a query whose rows are (key, value) pairs and returns
// the values grouped by key, in row order: the batch behind a list loader
// ("the tags of each post"). op names the read in errors.
func SelectGrouped[K comparable, V any](ctx context.Context, db sqlx.QueryerContext, op, query string, args ...any) (map[K][]V, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, MapError(err, op, "")
	}
	defer rows.Close()
	out := map[K][]V{}
	for rows.Next() {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, MapError(err, op, "")
		}
		out[k] = append(out[k], v)
	}
	if err := rows.Err(); err != nil {
		return nil, MapError(err, op, "")
	}
	return out, nil
}
