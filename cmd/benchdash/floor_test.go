package main

import (
	"database/sql"
	"database/sql/driver"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kimhub/kimhub/internal/testenv"
)

// TestFloorServer: the floor replays a read's recorded statements with
// their arguments, answers kimhub's recorded body, and fails (HTTP 500)
// when a statement does; writes are not replayed.
func TestFloorServer(t *testing.T) {
	db := testenv.DB(t)
	read := []statement{
		{SQL: `SELECT code, name FROM regions WHERE code = ANY($1)`, Args: []driver.NamedValue{{Ordinal: 1, Value: `{"11","12"}`}}},
		{SQL: `WITH n AS (SELECT $1::int AS n) SELECT generate_series(1, n) FROM n`, Args: []driver.NamedValue{{Ordinal: 1, Value: int64(3)}}},
	}
	bad := []statement{{SQL: `SELECT * FROM no_such_table WHERE id = $1`, Args: []driver.NamedValue{{Ordinal: 1, Value: int64(1)}}}}
	if !floorable(query{Name: "Q1"}, read) {
		t.Error("a read is not floorable")
	}
	if floorable(query{Name: "Q5", KimhubChain: kimhubWrite}, read) {
		t.Error("the write mix is floorable")
	}
	if floorable(query{Name: "Q9"}, []statement{{SQL: "  insert INTO posts VALUES (1)"}}) || floorable(query{Name: "Q9"}, nil) {
		t.Error("an INSERT or nothing recorded is floorable")
	}
	f := &floorServer{db: db, plans: map[string]floorPlan{
		"Q1": {read, []byte(`{"data":{"ok":true}}`)},
		"Q2": {bad, []byte(`{"data":{}}`)},
	}}
	base, err := startFloor(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(path string) (int, string) {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(`{"query":"{x}"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := ask(floorPath("Q1")); code != http.StatusOK || body != `{"data":{"ok":true}}` {
		t.Errorf("Q1: %d %s", code, body)
	}
	if code, body := ask(floorPath("Q2")); code != http.StatusInternalServerError || !strings.Contains(body, "no_such_table") {
		t.Errorf("a failing statement: %d %s", code, body)
	}
	// HTTP only: the answer, and no statement run (Q2's would fail).
	if code, body := ask(httpOnlyPath("Q2")); code != http.StatusOK || body != `{"data":{}}` {
		t.Errorf("Q2 HTTP only: %d %s", code, body)
	}
	for _, p := range []string{floorPath("Q7"), httpOnlyPath("Q7")} {
		if code, _ := ask(p); code != http.StatusNotFound {
			t.Errorf("an unknown query at %s: %d", p, code)
		}
	}
}

// TestPgCPU: PostgreSQL's processes are found on this machine (the tests'
// database is local) and their CPU time grows with the work given to
// them, also when the backend that did it has ended before the second
// reading (as pgbench's have).
func TestPgCPU(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	before, ok := pgCPU()
	if !ok {
		t.Skip("no process named postgres visible here (a database on another machine)")
	}
	// A few tenths of a second of one backend's CPU, on a connection of
	// its own, closed (its backend ends) before the second reading.
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `SELECT count(*) FROM generate_series(1, 5000000)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	time.Sleep(200 * time.Millisecond) // the postmaster reaps it
	after, _ := pgCPU()
	if d := after - before; d < 100*time.Millisecond {
		t.Errorf("PostgreSQL's CPU grew by %v over a statement that counts to 5 million", d)
	}
}

// TestPostgresTicks: utime, stime, cutime and cstime of a postgres
// process are summed; other commands are not counted.
func TestPostgresTicks(t *testing.T) {
	line := "4242 (postgres) S 1 4242 4242 0 -1 4194560 300 0 0 0 7 3 20 10 20 0 1 0 100 0 0"
	if n, ok := postgresTicks([]byte(line)); !ok || n != 7+3+20+10 {
		t.Errorf("postgres: %d %v, want 40 true", n, ok)
	}
	for _, other := range []string{
		"4243 (pgbench) S 1 4242 4242 0 -1 4194560 300 0 0 0 7 3 0 0 20 0 1 0 100 0 0",
		"4244 (post gres) S 1 4242 4242 0 -1 4194560 300 0 0 0 7 3 0 0 20 0 1 0 100 0 0",
		"4245 (postgres",
	} {
		if n, ok := postgresTicks([]byte(other)); ok {
			t.Errorf("%q counted: %d", other, n)
		}
	}
}
