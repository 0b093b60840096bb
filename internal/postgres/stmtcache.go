package postgres

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"
)

// StatementCache wraps a lib/pq connector so that each connection keeps its
// last size parameterised statements prepared on the server and reuses
// them: PostgreSQL parses a statement once per connection instead of on
// every execution. Statements without arguments (transaction control,
// migrations with several commands) go through as they are. size 0
// returns c unchanged.
//
// plans, unless empty, is the connections' plan_cache_mode (one of
// PlanCacheModes). Under PostgreSQL's default (auto), a statement whose
// plan depends on its values, as nearly every batch of kimhub's does (an
// array of keys of unknown length: `= ANY($1)`, `unnest($1)`), is planned
// again at every execution, which cost the database three times the CPU
// of the statements themselves under the dashboard benchmark's load;
// force_generic_plan plans each cached statement once per connection.
func StatementCache(c driver.Connector, size int, plans string) driver.Connector {
	if size <= 0 {
		return c
	}
	return cacheConnector{c, size, plans}
}

// PlanCacheModes are the values of PostgreSQL's plan_cache_mode.
var PlanCacheModes = []string{"auto", "force_generic_plan", "force_custom_plan"}

type cacheConnector struct {
	driver.Connector
	size  int
	plans string
}

// Conn is what lib/pq's connection offers beyond driver.Conn; the cache
// forwards all of it.
type Conn interface {
	driver.Conn
	driver.QueryerContext
	driver.ExecerContext
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

func (c cacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(Conn)
	if !ok {
		return conn, nil // not lib/pq's: nothing to cache on
	}
	if c.plans != "" {
		if !slices.Contains(PlanCacheModes, c.plans) {
			conn.Close()
			return nil, fmt.Errorf("postgres: plan_cache_mode %q is not one of %s", c.plans, strings.Join(PlanCacheModes, ", "))
		}
		if _, err := pc.ExecContext(ctx, "SET plan_cache_mode = "+c.plans, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("postgres: set plan_cache_mode: %w", err)
		}
	}
	return &cachedConn{Conn: pc, size: c.size, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// cachedConn is one connection with its prepared statements, most recently
// used first. database/sql uses a connection from one goroutine at a time.
type cachedConn struct {
	Conn
	size    int
	byQuery map[string]*list.Element
	lru     *list.List // of *cachedStmt
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
}

type stmtQueryExec interface {
	driver.StmtQueryContext
	driver.StmtExecContext
}

func (c *cachedConn) prepared(ctx context.Context, query string) (stmtQueryExec, error) {
	if e, ok := c.byQuery[query]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cachedStmt).stmt.(stmtQueryExec), nil
	}
	st, err := c.Conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	sqe, ok := st.(stmtQueryExec)
	if !ok {
		st.Close()
		return nil, errors.New("postgres: a prepared statement without context methods")
	}
	c.byQuery[query] = c.lru.PushFront(&cachedStmt{query, st})
	if c.lru.Len() > c.size {
		c.evict(c.lru.Back())
	}
	return sqe, nil
}

func (c *cachedConn) evict(e *list.Element) {
	cs := c.lru.Remove(e).(*cachedStmt)
	delete(c.byQuery, cs.query)
	_ = cs.stmt.Close()
}

// forget drops a statement the server no longer accepts as prepared (the
// tables under it changed, or the session lost it); the next use prepares
// it again.
func (c *cachedConn) forget(query string, err error) {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return
	}
	switch pe.Code {
	case "0A000", // cached plan must not change result type
		"26000": // prepared statement does not exist
		if e, ok := c.byQuery[query]; ok {
			c.evict(e)
		}
	}
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.Conn.QueryContext(ctx, query, args)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args)
	if err != nil {
		c.forget(query, err)
	}
	return rows, err
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.Conn.ExecContext(ctx, query, args)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args)
	if err != nil {
		c.forget(query, err)
	}
	return res, err
}

func (c *cachedConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
	}
	return c.Conn.Close()
}
