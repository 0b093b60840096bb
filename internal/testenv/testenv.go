// Package testenv gives tests the real services: a PostgreSQL database of
// their own (one per test binary, created fresh and migrated once, emptied
// before each test that asks for it) and a MinIO bucket of their own.
//
// `make test` starts PostgreSQL and MinIO and exports
// KIMHUB_TEST_DATABASE_URL and S3_*. Without them a test skips, saying so;
// under CI (CI set) it fails instead, since there the services must be up.
package testenv

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/minio/minio-go/v7"

	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/storage"
)

var (
	setupOnce sync.Once
	setupErr  error
	dbURL     string
	sharedDB  *sqlx.DB
)

// need stops the test when a service's settings are absent.
func need(t testing.TB, vars ...string) {
	t.Helper()
	for _, v := range vars {
		if os.Getenv(v) == "" {
			msg := v + " is not set: run the tests with `make test`, which starts PostgreSQL and MinIO"
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// name is this test binary's own suffix for databases and buckets: the
// package directory's base name and a hash of its path, so that packages
// testing in parallel never share one.
func name() string {
	wd, _ := os.Getwd()
	sum := sha1.Sum([]byte(wd))
	base := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(filepath.Base(wd), ""))
	if len(base) > 20 {
		base = base[:20]
	}
	return base + "_" + hex.EncodeToString(sum[:4])
}

// DatabaseURL returns the URL of this test binary's database, creating and
// migrating it on first use. The database is not emptied: call DB for that.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	need(t, "KIMHUB_TEST_DATABASE_URL")
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	return dbURL
}

func setup() error {
	ctx := context.Background()
	admin, err := postgres.Open(ctx, os.Getenv("KIMHUB_TEST_DATABASE_URL"), 2)
	if err != nil {
		return err
	}
	defer admin.Close()
	dbName := "kimhub_test_" + name()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(dbName)+` WITH (FORCE)`); err != nil {
		return err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(dbName)); err != nil {
		return err
	}
	u, err := url.Parse(os.Getenv("KIMHUB_TEST_DATABASE_URL"))
	if err != nil {
		return err
	}
	u.Path = "/" + dbName
	dbURL = u.String()
	sharedDB, err = postgres.Open(ctx, dbURL, 10)
	if err != nil {
		return err
	}
	return postgres.Migrate(ctx, sharedDB, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// DB returns this test binary's database, emptied of all rows: each test
// that calls it starts from a freshly migrated, empty schema. Tests that use
// it must not run in parallel with each other.
func DB(t testing.TB) *sqlx.DB {
	t.Helper()
	DatabaseURL(t)
	Reset(t, sharedDB)
	return sharedDB
}

// Shared returns this test binary's database as it is, without emptying it:
// for looking at what a running server wrote.
func Shared(t testing.TB) *sqlx.DB {
	t.Helper()
	DatabaseURL(t)
	return sharedDB
}

// referenceTables hold data the migrations seed (the list of fields); a
// reset keeps them.
var referenceTables = []string{"goose_db_version", "fields"}

// Reset empties every table of db except the migration bookkeeping and the
// reference data migrations seed.
func Reset(t testing.TB, db *sqlx.DB) {
	t.Helper()
	var tables []string
	err := db.Select(&tables, `SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = 'public' AND tablename <> ALL($1)`, pq.Array(referenceTables))
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(tables) == 0 {
		return
	}
	if _, err := db.Exec(`TRUNCATE ` + strings.Join(tables, ", ") + ` RESTART IDENTITY CASCADE`); err != nil {
		t.Fatalf("empty tables: %v", err)
	}
}

// S3 returns settings for this test binary's own bucket on the test MinIO;
// the bucket exists and is empty.
func S3(t testing.TB) config.S3 {
	t.Helper()
	cfg := S3Settings(t)
	st, err := storage.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.EnsureBucket(ctx); err != nil {
		t.Fatalf("test bucket: %v", err)
	}
	for obj := range st.Client.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("list test bucket: %v", obj.Err)
		}
		if err := st.Client.RemoveObject(ctx, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Fatalf("empty test bucket: %v", err)
		}
	}
	return cfg
}

// S3Settings returns the settings of this test binary's bucket, leaving
// the bucket as it is.
func S3Settings(t testing.TB) config.S3 {
	t.Helper()
	need(t, "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")
	return config.S3{
		Endpoint:  os.Getenv("S3_ENDPOINT"),
		AccessKey: os.Getenv("S3_ACCESS_KEY"),
		SecretKey: os.Getenv("S3_SECRET_KEY"),
		Bucket:    "kimhub-test-" + strings.ReplaceAll(name(), "_", "-"),
		Region:    "us-east-1",
		UseSSL:    os.Getenv("S3_USE_SSL") == "true",
	}
}

// Getenv returns a getenv for app.Run that points at the test services,
// with overrides on top.
func Getenv(t testing.TB, overrides map[string]string) func(string) string {
	t.Helper()
	s3 := S3(t)
	env := map[string]string{
		"DATABASE_URL":      DatabaseURL(t),
		"KIMHUB_ADDR":       "127.0.0.1:0",
		"S3_ENDPOINT":       s3.Endpoint,
		"S3_ACCESS_KEY":     s3.AccessKey,
		"S3_SECRET_KEY":     s3.SecretKey,
		"S3_BUCKET":         s3.Bucket,
		"S3_USE_SSL":        fmt.Sprint(s3.UseSSL),
		"KIMHUB_LOG_FORMAT": "json",
	}
	for k, v := range overrides {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// RepoFile returns the path of a file relative to the repository root (the
// directory holding go.mod), found by walking up from the test's directory.
func RepoFile(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// CountingDB opens this test binary's database through a driver that
// counts the statements sent, and keeps their text, for tests that prove
// batching or check what is read.
func CountingDB(t testing.TB) (*sqlx.DB, *Statements) {
	t.Helper()
	u := DatabaseURL(t)
	connector, err := pq.NewConnector(u)
	if err != nil {
		t.Fatal(err)
	}
	st := &Statements{}
	db := sqlx.NewDb(sql.OpenDB(countingConnector{connector, st}), "postgres")
	t.Cleanup(func() { db.Close() })
	return db, st
}

// Statements are the statements a CountingDB sent.
type Statements struct {
	mu    sync.Mutex
	texts []string
}

func (s *Statements) add(q string) {
	s.mu.Lock()
	s.texts = append(s.texts, q)
	s.mu.Unlock()
}

// Load is how many statements were sent so far.
func (s *Statements) Load() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.texts))
}

// Since returns the texts of the statements sent after the first n.
func (s *Statements) Since(n int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.texts[n:])
}

// PlannedForValues reports whether, among the statements sent after the
// first n, the first holding fragment ran right after `SET LOCAL
// plan_cache_mode = force_custom_plan` (postgres.Read with byValues, whose
// transaction holds just the two): planned for its values, not once for
// all.
func (s *Statements) PlannedForValues(n int64, fragment string) bool {
	sent := s.Since(n)
	for i, q := range sent {
		if strings.Contains(q, fragment) {
			return i > 0 && strings.Contains(sent[i-1], "plan_cache_mode = force_custom_plan")
		}
	}
	return false
}

// Plan returns PostgreSQL's plan (EXPLAIN) of stmt, prepared with the
// parameter types params and executed with args (SQL literals), under
// plan_cache_mode mode ("force_generic_plan": planned once, as kimhub's
// connections plan) and any further settings ("enable_seqscan = off"), in
// a transaction rolled back after.
func Plan(t testing.TB, db *sqlx.DB, mode, stmt string, params, args []string, settings ...string) string {
	t.Helper()
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	call := func(xs []string) string {
		if len(xs) == 0 {
			return ""
		}
		return "(" + strings.Join(xs, ", ") + ")"
	}
	for _, q := range append([]string{"SET LOCAL plan_cache_mode = " + mode}, settings...) {
		if !strings.HasPrefix(q, "SET LOCAL") {
			q = "SET LOCAL " + q
		}
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`PREPARE plan_of` + call(params) + ` AS ` + stmt); err != nil {
		t.Fatal(err)
	}
	var plan []string
	if err := tx.Select(&plan, `EXPLAIN EXECUTE plan_of`+call(args)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`DEALLOCATE plan_of`); err != nil { // a prepared statement outlives its transaction
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

type countingConnector struct {
	driver.Connector
	st *Statements
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{conn.(pqConn), c.st}, nil
}

// pqConn is what lib/pq's connection offers beyond driver.Conn.
type pqConn interface {
	driver.Conn
	driver.QueryerContext
	driver.ExecerContext
	driver.ConnBeginTx // options such as read-only pass through (BEGIN is not counted)
}

type countingConn struct {
	pqConn
	st *Statements
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.st.add(q)
	return c.pqConn.QueryContext(ctx, q, args)
}

func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.st.add(q)
	return c.pqConn.ExecContext(ctx, q, args)
}

// KaltimRegions is a small region tree of Kalimantan Timur in the import
// format (code,name): two regencies, three districts, six villages, for
// tests that need a few places above and beside each other.
const KaltimRegions = `code,name
64,Kalimantan Timur
64.01,Kabupaten Paser
64.01.01,Batu Sopang
64.01.01.2001,Batu Kajang
64.02,Kabupaten Kutai Kartanegara
64.02.01,Muara Muntai
64.02.01.2001,Perian
64.02.01.2002,Jantur
64.02.01.2003,Muara Leka
64.02.06,Tenggarong
64.02.06.1001,Jahab
64.02.06.1002,Loa Ipuh
`
