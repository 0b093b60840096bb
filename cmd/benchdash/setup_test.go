package main

import (
	"database/sql/driver"
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/relay"
)

// TestWriteCeilingScript: the write mix's pgbench script takes a random
// title and slug per transaction, the new post's id from its INSERT, and a
// community of the bench's in turn where the recorded one was.
func TestWriteCeilingScript(t *testing.T) {
	arg := func(vs ...any) []driver.NamedValue {
		out := make([]driver.NamedValue, len(vs))
		for i, v := range vs {
			out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
		}
		return out
	}
	stmts := []statement{
		{SQL: `SELECT c.status FROM communities c WHERE c.id = $1 AND $2 > 0`, Args: arg(int64(20003), int64(200001))},
		{SQL: `WITH p AS (INSERT INTO posts (community_id, author_id, title, slug)
					VALUES ($1, $2, $3, $4) ON CONFLICT (community_id, slug) DO NOTHING RETURNING id, community_id)
				SELECT * FROM p`, Args: arg(int64(20003), int64(200001), "Kabar bench abc-123456", "kabar-bench-abc-123456")},
		{SQL: `WITH u AS (UPDATE posts SET status = $2 WHERE id = $1 AND status = $3 RETURNING id) SELECT * FROM u`,
			Args: arg(int64(1000777), "PUBLISHED", "IN_REVIEW")},
	}
	answer := `{"data":{"publishPost":{"post":{"id":"` + relay.ID("Post", "1000777") + `","title":"Kabar bench abc-123456"}}}}`
	q := query{Name: "Q5", KimhubChain: kimhubWrite}
	script, err := ceilingScript(q, &targets{WriteCommunities: []int64{20001, 20002, 20003, 20004}}, stmts, []byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\\set c random(20001, 20004)\n",
		"WHERE c.id = :c AND 200001 > 0",
		"VALUES (:c, 200001, 'Kabar bench abc-:r', 'kabar-bench-abc-:r')",
		"SELECT id AS post_id FROM p \\gset",
		"WHERE id = :post_id AND status",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "20003") || strings.Contains(script, "1000777") {
		t.Errorf("the recorded community or post is left in:\n%s", script)
	}
}
