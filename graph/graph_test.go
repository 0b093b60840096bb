package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/app"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/testenv"
)

// kaltim is the demo's region file.
func kaltim(t *testing.T) string {
	b, err := os.ReadFile(testenv.RepoFile(t, "internal/demo/data/regions-64.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStatementsGrowWithDepthNotRows proves the loaders batch: the same
// nested query over 2 or 10 regencies, each with 2 or 10 districts and their
// parents, sends about the same number of SQL statements.
func TestStatementsGrowWithDepthNotRows(t *testing.T) {
	testenv.DB(t)
	db, count := testenv.CountingDB(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.MaxComplexity = 1_000_000
	svc := app.NewServices(db, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := svc.Regions.Import(context.Background(), strings.NewReader(kaltim(t)), nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.GraphQLHandler(svc, cfg))
	defer srv.Close()

	statements := func(n int) (int64, int) {
		doc := `query($n: Int) { regions(parentCode: "64", first: $n) { nodes {
			code parent { name } ancestors { code }
			children(first: $n) { nodes { code parent { code } children(first: 2) { nodes { name } } } }
		} } }`
		body, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"n": n}})
		before := count.Load()
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				Regions struct {
					Nodes []struct {
						Children struct {
							Nodes []struct{ Code string }
						}
					}
				}
			}
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%v %v", err, out.Errors)
		}
		rows := 0
		for _, r := range out.Data.Regions.Nodes {
			rows += 1 + len(r.Children.Nodes)
		}
		return count.Load() - before, rows
	}
	small, smallRows := statements(2)
	large, largeRows := statements(10)
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if largeRows < 4*smallRows {
		t.Fatalf("the larger query returned too few rows to tell (%d vs %d)", largeRows, smallRows)
	}
	// Unbatched, the large query would send one statement per row (88+).
	// Batching collects keys for a couple of milliseconds, so on a loaded
	// machine a level may split into two batches: allow that, no more.
	if large > 2*small || large > 12 {
		t.Fatalf("statements: %d for %d rows, %d for %d rows; want about the same small number", small, smallRows, large, largeRows)
	}
}

// TestCommunityTreeStatementsDoNotGrowWithRows: region → communities →
// members → account, fields and domicile, for 2×2 and 10×5 rows.
func TestCommunityTreeStatementsDoNotGrowWithRows(t *testing.T) {
	testenv.DB(t)
	db, count := testenv.CountingDB(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.MaxComplexity = 1_000_000
	svc := app.NewServices(db, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := svc.Regions.Import(context.Background(), strings.NewReader(kaltim(t)), nil); err != nil {
		t.Fatal(err)
	}
	// 10 ACTIVE communities in Kukar villages, each with 5 members.
	db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Warga ' || i, 'w' || i || '@t.id', 'x' FROM generate_series(1, 50) i`)
	db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, member_count, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.100' || (i % 3 + 1), 'ACTIVE', '64.02-' || lpad(i::text, 4, '0'), 5, 1
		FROM generate_series(1, 10) i`)
	db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT c.id, (c.id - 1) * 5 + k, CASE WHEN k = 1 THEN 'CHAIR' ELSE 'MEMBER' END, 'ACTIVE', now()
		FROM communities c, generate_series(1, 5) k`)
	db.MustExec(`INSERT INTO community_fields (community_id, field_code) SELECT id, 'TOURISM' FROM communities`)
	srv := httptest.NewServer(app.GraphQLHandler(svc, cfg))
	defer srv.Close()
	statements := func(nc, nm int) (int64, int) {
		doc := `query($c: Int, $m: Int) { region(code: "64.02") { communities(first: $c) { nodes {
			name domicile { name parent { name } } fields { name } viewerRole
			members(first: $m) { nodes { role account { name memberships { role } } } } } } } }`
		body, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"c": nc, "m": nm}})
		before := count.Load()
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				Region struct {
					Communities struct {
						Nodes []struct {
							Members struct{ Nodes []any }
						}
					}
				}
			}
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%v %v", err, out.Errors)
		}
		rows := 0
		for _, c := range out.Data.Region.Communities.Nodes {
			rows += 1 + len(c.Members.Nodes)
		}
		return count.Load() - before, rows
	}
	small, smallRows := statements(2, 2)
	large, largeRows := statements(10, 5)
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if largeRows != 60 || smallRows != 6 {
		t.Fatalf("rows: %d and %d", smallRows, largeRows)
	}
	if large > 2*small || large > 20 {
		t.Fatalf("statements: %d for %d rows, %d for %d rows", small, smallRows, large, largeRows)
	}
}

// TestFeedStatementsDoNotGrowWithPageSize: a feed of posts with author,
// community, cover (its small variant's URL) and tags costs the same number
// of statements for 5 posts as for 50.
func TestFeedStatementsDoNotGrowWithPageSize(t *testing.T) {
	testenv.DB(t)
	db, count := testenv.CountingDB(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.MaxComplexity = 1_000_000
	svc := app.NewServices(db, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := svc.Regions.Import(context.Background(), strings.NewReader(kaltim(t)), nil); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Penulis ' || i, 'p' || i || '@t.id', 'x' FROM generate_series(1, 10) i`)
	db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-000' || i, 1 FROM generate_series(1, 5) i`)
	db.MustExec(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, width, height, ready_at)
		SELECT 1, 'public/x/' || i || '.jpg', 'PUBLIC', 'READY', 'GRAPHQL', 'image/jpeg', 100, 800, 600, now() FROM generate_series(1, 60) i`)
	db.MustExec(`INSERT INTO media_variants (asset_id, variant, object_key, width, height, size_bytes)
		SELECT id, 'SMALL', object_key || '-small.jpg', 320, 240, 10 FROM media_assets`)
	db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, body, region_code, status, publish_at, cover_id)
		SELECT (i % 5) + 1, (i % 10) + 1, 'Berita ' || i, 'berita-' || i, 'isi', '64.02.06.1001', 'PUBLISHED', now() - i * interval '1 minute', i
		FROM generate_series(1, 60) i`)
	db.MustExec(`INSERT INTO post_tags (post_id, tag) SELECT id, 'desa' FROM posts`)
	srv := httptest.NewServer(app.GraphQLHandler(svc, cfg))
	defer srv.Close()
	statements := func(n int) (int64, int) {
		doc := `query($n: Int) { posts(filter: {regionCode: "64.02"}, first: $n) { nodes {
			title author { name } community { name } cover { url(variant: SMALL) } tags } } }`
		body, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"n": n}})
		before := count.Load()
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				Posts struct {
					Nodes []struct {
						Cover struct{ URL string }
						Tags  []string
					}
				}
			}
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%v %v", err, out.Errors)
		}
		if len(out.Data.Posts.Nodes) > 0 && (!strings.HasSuffix(out.Data.Posts.Nodes[0].Cover.URL, "-small.jpg") || len(out.Data.Posts.Nodes[0].Tags) != 1) {
			t.Fatalf("node: %+v", out.Data.Posts.Nodes[0])
		}
		return count.Load() - before, len(out.Data.Posts.Nodes)
	}
	small, smallRows := statements(5)
	large, largeRows := statements(50)
	t.Logf("%d posts: %d statements; %d posts: %d statements", smallRows, small, largeRows, large)
	if smallRows != 5 || largeRows != 50 {
		t.Fatalf("rows %d %d", smallRows, largeRows)
	}
	if large > 2*small || large > 12 {
		t.Fatalf("statements: %d for 5 posts, %d for 50", small, large)
	}
}
