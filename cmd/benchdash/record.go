package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/postgres"
)

// recorder counts every statement kimhub sends and, while switched on,
// keeps each with its arguments (and the transactions around them), for the
// pgbench script of the raw-SQL ceiling. It wraps lib/pq's connector the
// way internal/testenv's CountingDB does, and adds transactions.
type recorder struct {
	n   atomic.Int64
	on  atomic.Bool
	mu  sync.Mutex
	log []statement
}

type statement struct {
	SQL  string
	Args []driver.NamedValue
}

// open returns a database like postgres.OpenWith's (with its statement
// cache of cache statements per connection and its plan cache mode),
// through the recorder.
func (r *recorder) open(url string, maxOpen, cache int, plans string) (*sqlx.DB, error) {
	c, err := pq.NewConnector(url)
	if err != nil {
		return nil, err
	}
	db := sqlx.NewDb(sql.OpenDB(recConnector{postgres.StatementCache(c, cache, plans), r}), "postgres")
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxOpen)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, db.Ping()
}

func (r *recorder) add(q string, args []driver.NamedValue) {
	r.n.Add(1)
	if r.on.Load() {
		r.mu.Lock()
		r.log = append(r.log, statement{q, append([]driver.NamedValue(nil), args...)})
		r.mu.Unlock()
	}
}

// start switches recording on with an empty log; stop switches it off and
// returns what was recorded.
func (r *recorder) start() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
	r.on.Store(true)
}

func (r *recorder) stop() []statement {
	r.on.Store(false)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log
}

type recConnector struct {
	driver.Connector
	r *recorder
}

func (c recConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return recConn{conn.(pqConn), c.r}, nil
}

// pqConn is what lib/pq's connection offers beyond driver.Conn.
type pqConn interface {
	driver.Conn
	driver.QueryerContext
	driver.ExecerContext
	driver.ConnBeginTx
	driver.Pinger
}

type recConn struct {
	pqConn
	r *recorder
}

func (c recConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.r.add(q, args)
	return c.pqConn.QueryContext(ctx, q, args)
}

func (c recConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.r.add(q, args)
	return c.pqConn.ExecContext(ctx, q, args)
}

// BeginTx counts BEGIN and COMMIT/ROLLBACK as statements too: they are
// round trips, and pgbench must replay them.
func (c recConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	begin := "BEGIN"
	if opts.Isolation != 0 {
		begin += " ISOLATION LEVEL " + strings.ToUpper(sql.IsolationLevel(opts.Isolation).String())
	}
	if opts.ReadOnly {
		begin += " READ ONLY"
	}
	c.r.add(begin, nil)
	tx, err := c.pqConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return recTx{tx, c.r}, nil
}

type recTx struct {
	driver.Tx
	r *recorder
}

func (t recTx) Commit() error   { t.r.add("COMMIT", nil); return t.Tx.Commit() }
func (t recTx) Rollback() error { t.r.add("ROLLBACK", nil); return t.Tx.Rollback() }

var placeholder = regexp.MustCompile(`\$(\d+)`)

// pgbenchScript writes statements as a pgbench script, each argument
// inlined as a literal. subst replaces, in the finished text, a value that
// must differ from one transaction to the next (a new post's slug) with a
// pgbench expression.
func pgbenchScript(stmts []statement, subst map[string]string) (string, error) {
	var b strings.Builder
	for _, s := range stmts {
		var bad error
		q := placeholder.ReplaceAllStringFunc(s.SQL, func(m string) string {
			i, _ := strconv.Atoi(m[1:])
			if i < 1 || i > len(s.Args) {
				bad = fmt.Errorf("statement has %s but %d arguments: %s", m, len(s.Args), s.SQL)
				return m
			}
			return literal(s.Args[i-1].Value)
		})
		if bad != nil {
			return "", bad
		}
		q = strings.TrimSpace(q)
		q = strings.TrimSuffix(q, ";")
		for from, to := range subst {
			q = strings.ReplaceAll(q, from, to)
		}
		b.WriteString(q)
		b.WriteString(";\n")
	}
	return b.String(), nil
}

func literal(v driver.Value) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return "'" + v.Format(time.RFC3339Nano) + "'"
	case []byte:
		// lib/pq sends []byte as text unless the parameter is bytea.
		if utf8.Valid(v) {
			return pq.QuoteLiteral(string(v))
		}
		return `'\x` + hex.EncodeToString(v) + "'"
	case string:
		return pq.QuoteLiteral(v)
	}
	return pq.QuoteLiteral(fmt.Sprint(v))
}
