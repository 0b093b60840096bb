package postgres

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"github.com/lib/pq"
)

// StatementCache wraps a lib/pq connector so that each connection keeps its
// last size parameterised statements prepared on the server and reuses
// them: PostgreSQL parses a statement once per connection instead of on
// every execution, and may keep its plan. Statements without arguments
// (transaction control, migrations with several commands) go through as
// they are. size 0 returns c unchanged.
func StatementCache(c driver.Connector, size int) driver.Connector {
	if size <= 0 {
		return c
	}
	return cacheConnector{c, size}
}

type cacheConnector struct {
	driver.Connector
	size int
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
