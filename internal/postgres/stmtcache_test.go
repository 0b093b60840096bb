package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/testenv"
)

func TestStatementCache(t *testing.T) {
	url := testenv.DatabaseURL(t)
	c, err := pq.NewConnector(url)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(postgres.StatementCache(c, 2, ""))
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: its cache is the one we look at
	ctx := context.Background()
	if _, err := db.Exec(`CREATE TEMP TABLE cache_t (id int, name text)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO cache_t VALUES ($1, $2), ($3, $4)`, 1, "satu", 2, "dua"); err != nil {
		t.Fatal(err)
	}
	prepared := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	name := func(q string, id int) string {
		var s string
		if err := db.QueryRowContext(ctx, q, id).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	queries := []string{`SELECT name FROM cache_t WHERE id = $1`, `SELECT upper(name) FROM cache_t WHERE id = $1`,
		`SELECT name || '!' FROM cache_t WHERE id = $1`}
	for round := 0; round < 3; round++ {
		for _, q := range queries {
			name(q, 1)
		}
		if n := prepared(); n != 2 {
			t.Fatalf("round %d: %d statements prepared, want the cache's 2", round, n)
		}
	}
	if got := name(queries[1], 2); got != "DUA" {
		t.Fatalf("a cached statement answered %q", got)
	}
	// The table changes under a cached statement: the first use fails as
	// PostgreSQL says, the cache forgets it, the next use prepares anew.
	q := `SELECT * FROM cache_t WHERE id = $1`
	var id int
	var s string
	if err := db.QueryRow(q, 1).Scan(&id, &s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE cache_t ADD COLUMN extra int`); err != nil {
		t.Fatal(err)
	}
	_ = db.QueryRow(q, 1).Scan(&id, &s, new(sql.NullInt64))
	var extra sql.NullInt64
	if err := db.QueryRow(q, 1).Scan(&id, &s, &extra); err != nil {
		t.Fatalf("after the change: %v", err)
	}
}

// Each connection of the cache runs in the plan_cache_mode it was given;
// with none it keeps the server's, and a value that is not a mode is
// refused when connecting.
func TestStatementCachePlanMode(t *testing.T) {
	url := testenv.DatabaseURL(t)
	c, err := pq.NewConnector(url)
	if err != nil {
		t.Fatal(err)
	}
	mode := func(plans string) (string, error) {
		db := sql.OpenDB(postgres.StatementCache(c, 2, plans))
		defer db.Close()
		var m string
		err := db.QueryRow(`SHOW plan_cache_mode`).Scan(&m)
		return m, err
	}
	for plans, want := range map[string]string{"force_generic_plan": "force_generic_plan", "force_custom_plan": "force_custom_plan", "": "auto"} {
		if got, err := mode(plans); err != nil || got != want {
			t.Errorf("%q: plan_cache_mode %q (%v), want %q", plans, got, err, want)
		}
	}
	if got, err := mode("generic; DROP TABLE accounts"); err == nil || !strings.Contains(err.Error(), "not one of") {
		t.Errorf("a bad mode connected (%q, %v)", got, err)
	}
}

// A statement planned for its values runs under force_custom_plan, and
// its connection goes back to the plan made once afterwards.
func TestSelectByValues(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.OpenWith(ctx, testenv.DatabaseURL(t), 1, 4, "force_generic_plan")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inside []string
	if err := postgres.Select(ctx, db, true, &inside, `SELECT current_setting($1)`, "plan_cache_mode"); err != nil {
		t.Fatal(err)
	}
	var after []string
	if err := postgres.Select(ctx, db, false, &after, `SELECT current_setting($1)`, "plan_cache_mode"); err != nil {
		t.Fatal(err)
	}
	if len(inside) != 1 || inside[0] != "force_custom_plan" || len(after) != 1 || after[0] != "force_generic_plan" {
		t.Fatalf("inside %v, after %q", inside, after)
	}
}
