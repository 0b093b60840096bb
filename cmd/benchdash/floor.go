package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// floorServer is the least a server on kimhub's stack could do for a read:
// for each request it runs the statements kimhub sent for one request of
// the query (recorded with their arguments), through the same driver
// (lib/pq, database/sql) with the same statement cache and plan cache mode,
// one after the other on one connection as pgbench does, reads every row
// and column, and writes kimhub's answer. No GraphQL: no parsing,
// validation, resolvers or JSON encoding. Its sustainable rate, under the
// same load generator in the same process, is what an HTTP server on this
// machine reaches when its only work is the driver's: between it and the
// pgbench ceiling lie HTTP, the driver's decoding and the load generator;
// between kimhub and it, GraphQL and kimhub's own work.
type floorServer struct {
	db    *sqlx.DB
	plans map[string]floorPlan // by query name, the URL's last element
}

type floorPlan struct {
	stmts  []statement
	answer []byte
}

// floorPath is where a query is asked of the floor server.
func floorPath(name string) string { return "/floor/" + name }

// httpOnlyPath is where the floor server answers a query as the floor does
// but without its statements: kimhub's answer written back and nothing
// else. What a request costs there is the HTTP exchange's share, the load
// generator's included: the least any server could spend on it.
func httpOnlyPath(name string) string { return "/http/" + name }

// startFloor serves the floor on a free port until ctx ends; it returns the
// base URL.
func startFloor(ctx context.Context, f *floorServer) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() { <-ctx.Done(); srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}

func (f *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	name, httpOnly := strings.CutPrefix(r.URL.Path, httpOnlyPath(""))
	if !httpOnly {
		name = strings.TrimPrefix(r.URL.Path, floorPath(""))
	}
	p, ok := f.plans[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !httpOnly {
		if err := f.run(r.Context(), p.stmts); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(p.answer)
}

// run sends the statements on one connection and reads every row.
func (f *floorServer) run(ctx context.Context, stmts []statement) error {
	conn, err := f.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, s := range stmts {
		args := make([]any, len(s.Args))
		for i, a := range s.Args {
			args[i] = a.Value
		}
		rows, err := conn.QueryContext(ctx, s.SQL, args...)
		if err != nil {
			return fmt.Errorf("%.60s: %w", s.SQL, err)
		}
		names, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		cols, dest := make([]sql.RawBytes, len(names)), make([]any, len(names))
		for i := range cols {
			dest[i] = &cols[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// floorable says whether a query's recorded statements can be replayed by
// the floor: reads only (the write mix's would insert the same slug twice).
func floorable(q query, stmts []statement) bool {
	if q.KimhubChain != nil || len(stmts) == 0 {
		return false
	}
	for _, s := range stmts {
		w := strings.ToUpper(strings.Fields(s.SQL + " x")[0])
		if w != "SELECT" && w != "WITH" {
			return false
		}
	}
	return true
}
