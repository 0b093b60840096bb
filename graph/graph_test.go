package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/graph"
	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/app"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/testenv"
)

// counted is the GraphQL endpoint over a connection that counts the SQL
// statements it sends, with the demo's regions of Kalimantan Timur loaded.
type counted struct {
	t   *testing.T
	db  *sqlx.DB
	n   *testenv.Statements
	url string
	svc *app.Services
	// token, when set, signs the requests in.
	token string
}

// newCounted starts the endpoint with no loader wait: statements are
// counted in the worst case for batching, so that the counts do not depend
// on how busy this machine is, and a relation read by key (a batch) rather
// than for its sibling group shows at once, as it would under load.
func newCounted(t *testing.T) *counted {
	t.Helper()
	wait := loader.Wait
	loader.Wait = 0
	t.Cleanup(func() { loader.Wait = wait })
	testenv.DB(t)
	db, n := testenv.CountingDB(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.MaxComplexity = 1_000_000
	svc := app.NewServices(db, nil, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	regions, err := os.ReadFile(testenv.RepoFile(t, "internal/demo/data/regions-64.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Regions.Import(context.Background(), bytes.NewReader(regions), nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.GraphQLHandler(svc, cfg))
	t.Cleanup(srv.Close)
	return &counted{t: t, db: db, n: n, url: srv.URL, svc: svc}
}

// signInSuperadmin creates a superadmin (account 1 in a fresh database)
// and signs the requests in as it.
func (c *counted) signInSuperadmin(ctx context.Context) {
	c.t.Helper()
	if _, _, err := c.svc.Accounts.EnsureSuperadmin(ctx, "Super", "super@t.id", "kata-sandi-panjang-sekali"); err != nil {
		c.t.Fatal(err)
	}
	tokens, _, err := c.svc.Sessions.LogIn(ctx, "super@t.id", "kata-sandi-panjang-sekali")
	if err != nil {
		c.t.Fatal(err)
	}
	c.token = tokens.AccessToken
}

// run sends a document, decodes its data into into, and returns the number
// of statements it cost.
func (c *counted) run(doc string, vars map[string]any, into any) int64 {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	before := c.n.Load()
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		c.t.Fatalf("%v %v", err, out.Errors)
	}
	if err := json.Unmarshal(out.Data, into); err != nil {
		c.t.Fatal(err)
	}
	return c.n.Load() - before
}

// bounded fails unless the larger query cost no more statements than the
// smaller did (unbatched, it would cost one statement per row), and no
// more than limit.
func bounded(t *testing.T, small, large, limit int64) {
	t.Helper()
	if large > small || large > limit {
		t.Fatalf("statements: %d for the small query, %d for the large one", small, large)
	}
}

// TestStatementsGrowWithDepthNotRows: the same nested region query over 2
// or 10 regencies, each with 2 or 10 districts and their parents.
func TestStatementsGrowWithDepthNotRows(t *testing.T) {
	c := newCounted(t)
	query := func(n int) (int64, int) {
		var d struct {
			Regions struct {
				Nodes []struct {
					Children struct{ Nodes []struct{ Code string } }
				}
			}
		}
		stmts := c.run(`query($n: Int) { regions(parentCode: "64", first: $n) { nodes {
			code parent { name } ancestors { code }
			children(first: $n) { nodes { code parent { code } children(first: 2) { nodes { name } } } }
		} } }`, map[string]any{"n": n}, &d)
		rows := 0
		for _, r := range d.Regions.Nodes {
			rows += 1 + len(r.Children.Nodes)
		}
		return stmts, rows
	}
	small, smallRows := query(2)
	large, largeRows := query(10)
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if largeRows < 4*smallRows {
		t.Fatalf("the larger query returned too few rows to tell (%d vs %d)", largeRows, smallRows)
	}
	bounded(t, small, large, 12)
}

// TestCommunityTreeStatementsDoNotGrowWithRows: region → communities →
// members → account, fields and domicile, for 2×2 and 10×5 rows.
func TestCommunityTreeStatementsDoNotGrowWithRows(t *testing.T) {
	c := newCounted(t)
	// 10 ACTIVE communities in Kukar villages, each with 5 members.
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Warga ' || i, 'w' || i || '@t.id', 'x' FROM generate_series(1, 50) i`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, member_count, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.100' || (i % 3 + 1), 'ACTIVE', '64.02-' || lpad(i::text, 4, '0'), 5, 1
		FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT c.id, (c.id - 1) * 5 + k, CASE WHEN k = 1 THEN 'CHAIR' ELSE 'MEMBER' END, 'ACTIVE', now()
		FROM communities c, generate_series(1, 5) k`)
	c.db.MustExec(`INSERT INTO community_fields (community_id, field_code) SELECT id, 'TOURISM' FROM communities`)
	query := func(nc, nm int) (int64, int) {
		var d struct {
			Region struct {
				Communities struct {
					Nodes []struct {
						Members struct{ Nodes []any }
					}
				}
			}
		}
		stmts := c.run(`query($c: Int, $m: Int) { region(code: "64.02") { communities(first: $c) { nodes {
			name domicile { name parent { name } } fields { name } viewerRole
			members(first: $m) { nodes { role account { name memberships { role } } } } } } } }`,
			map[string]any{"c": nc, "m": nm}, &d)
		rows := 0
		for _, x := range d.Region.Communities.Nodes {
			rows += 1 + len(x.Members.Nodes)
		}
		return stmts, rows
	}
	small, smallRows := query(2, 2)
	large, largeRows := query(10, 5)
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if largeRows != 60 || smallRows != 6 {
		t.Fatalf("rows: %d and %d", smallRows, largeRows)
	}
	bounded(t, small, large, 20)

	// A members page that shows accounts reads them along: the same rows
	// the account loader reads, and no statement after the page.
	l := loader.New(c.svc.LoaderStores())
	ctx := access.WithActor(context.Background(), access.Actor{})
	five := 5
	conn, err := l.CommunityMembers.Load(ctx, loader.PageKey[int64]{Parent: 3, Args: relay.Args{First: &five}.Key(), Extra: loader.WithAccounts})
	if err != nil || len(conn.Edges) != 5 {
		t.Fatalf("members: %d, %v", len(conn.Edges), err)
	}
	ids := make([]int64, len(conn.Edges))
	for i, e := range conn.Edges {
		ids[i] = e.Node.AccountID
	}
	want, err := c.svc.Accounts.ByIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	before := c.n.Load()
	for _, id := range ids {
		if a, err := l.Account.Load(ctx, id); err != nil || !reflect.DeepEqual(a, want[id]) {
			t.Fatalf("account %d read along: %+v %v, want %+v", id, a, err, want[id])
		}
	}
	if n := c.n.Load() - before; n != 0 {
		t.Errorf("accounts read along with their members cost %d statements more", n)
	}
}

// TestFeedStatementsDoNotGrowWithPageSize: a feed of posts with author,
// community, cover (its small variant's URL) and tags costs the same number
// of statements for 5 posts as for 50.
func TestFeedStatementsDoNotGrowWithPageSize(t *testing.T) {
	c := newCounted(t)
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Penulis ' || i, 'p' || i || '@t.id', 'x' FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-000' || i, 1 FROM generate_series(1, 5) i`)
	c.db.MustExec(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, width, height, ready_at)
		SELECT 1, 'public/x/' || i || '.jpg', 'PUBLIC', 'READY', 'GRAPHQL', 'image/jpeg', 100, 800, 600, now() FROM generate_series(1, 60) i`)
	c.db.MustExec(`INSERT INTO media_variants (asset_id, variant, object_key, width, height, size_bytes)
		SELECT id, 'SMALL', object_key || '-small.jpg', 320, 240, 10 FROM media_assets`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, body, region_code, status, publish_at, cover_id)
		SELECT (i % 5) + 1, (i % 10) + 1, 'Berita ' || i, 'berita-' || i, 'isi', '64.02.06.1001', 'PUBLISHED', now() - i * interval '1 minute', i
		FROM generate_series(1, 60) i`)
	c.db.MustExec(`INSERT INTO post_tags (post_id, tag) SELECT id, 'desa' FROM posts`)
	query := func(n int) (int64, int) {
		var d struct {
			Posts struct {
				Nodes []struct {
					Cover struct{ URL string }
					Tags  []string
				}
			}
		}
		stmts := c.run(`query($n: Int) { posts(filter: {regionCode: "64.02"}, first: $n) { nodes {
			title author { name } community { name } cover { url(variant: SMALL) } tags } } }`, map[string]any{"n": n}, &d)
		if len(d.Posts.Nodes) > 0 && (!strings.HasSuffix(d.Posts.Nodes[0].Cover.URL, "-small.jpg") || len(d.Posts.Nodes[0].Tags) != 1) {
			t.Fatalf("node: %+v", d.Posts.Nodes[0])
		}
		return stmts, len(d.Posts.Nodes)
	}
	small, smallRows := query(5)
	large, largeRows := query(50)
	t.Logf("%d posts: %d statements; %d posts: %d statements", smallRows, small, largeRows, large)
	if smallRows != 5 || largeRows != 50 {
		t.Fatalf("rows %d %d", smallRows, largeRows)
	}
	bounded(t, small, large, 12)

	// Deterministically: the posts of a page are recorded as siblings, and
	// the first of them to ask for its author, community or cover fetches
	// that relation for all of them, one statement each, even when the
	// posts ask one after another (a batch would fetch one key at a time).
	sv := c.svc
	l := loader.New(sv.LoaderStores())
	ctx := access.WithActor(context.Background(), access.Actor{})
	twenty := 20
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{First: &twenty})
	conns, err := sv.Posts.Feed(ctx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{OmitBodies: true}, page)
	posts := conns["64.02"].Nodes()
	if err != nil || len(posts) != 20 {
		t.Fatalf("feed: %d posts, %v", len(posts), err)
	}
	l.PostSiblings(posts)
	before := c.n.Load()
	for _, p := range posts {
		a, aerr := l.Account.Load(ctx, p.AuthorID)
		cm, cerr := l.Community.Load(ctx, p.CommunityID)
		m, merr := l.MediaAsset.Load(ctx, *p.CoverID)
		if aerr != nil || cerr != nil || merr != nil || a.ID != p.AuthorID || cm.ID != p.CommunityID || m.ID != *p.CoverID {
			t.Fatalf("post %d: %v %v %v", p.ID, aerr, cerr, merr)
		}
	}
	if n := c.n.Load() - before; n != 3 {
		t.Errorf("the posts' relations cost %d statements, want 3 (authors, communities, covers)", n)
	}
}

// TestDisseminationStatementsDoNotGrowWithRows: programmes → disseminations
// → reporter, evidence and community → domicile → parent, for 2×2 and
// 10×10 rows.
func TestDisseminationStatementsDoNotGrowWithRows(t *testing.T) {
	c := newCounted(t)
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Warga ' || i, 'w' || i || '@t.id', 'x' FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.100' || (i % 3 + 1), 'ACTIVE', '64.02-' || lpad(i::text, 4, '0'), i
		FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO programs (publisher_id, title, status, published_at)
		SELECT 1, 'Program ' || i, 'PUBLISHED', now() - i * interval '1 hour' FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO program_targets (program_id, region_code) SELECT id, '64.02' FROM programs`)
	c.db.MustExec(`INSERT INTO disseminations (program_id, community_id, reporter_id, channel, disseminated_on, reach)
		SELECT p.id, k.id, k.created_by, 'RADIO', current_date, 10 FROM programs p, communities k`)
	c.db.MustExec(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, ready_at)
		SELECT reporter_id, 'public/e/' || id || '.jpg', 'PUBLIC', 'READY', 'GRAPHQL', 'image/jpeg', 100, now() FROM disseminations`)
	c.db.MustExec(`INSERT INTO dissemination_evidence (dissemination_id, asset_id, position)
		SELECT d.id, a.id, 1 FROM disseminations d JOIN media_assets a ON a.object_key = 'public/e/' || d.id || '.jpg'`)
	query := func(n int) (int64, int) {
		var d struct {
			Programs struct {
				Nodes []struct {
					Disseminations struct {
						Nodes []struct {
							Evidence  []struct{ ID string }
							Community struct{ Name string }
						}
					}
				}
			}
		}
		stmts := c.run(`query($n: Int) { programs(regionCode: "64.02", first: $n) { nodes {
			title targets { code } disseminations(first: $n) { nodes {
				channel reach reporter { name } evidence { id contentType } program { title }
				community { name domicile { name parent { name } } } } } } } }`, map[string]any{"n": n}, &d)
		rows := 0
		for _, p := range d.Programs.Nodes {
			rows++
			for _, x := range p.Disseminations.Nodes {
				rows++
				if len(x.Evidence) != 1 || x.Community.Name == "" {
					t.Fatalf("report: %+v", x)
				}
			}
		}
		return stmts, rows
	}
	small, smallRows := query(2)
	large, largeRows := query(10)
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if smallRows != 6 || largeRows != 110 {
		t.Fatalf("rows: %d and %d", smallRows, largeRows)
	}
	bounded(t, small, large, 16)
}

// TestAspirationStatementsDoNotGrowWithRows: aspirations → author,
// community, regency and responses → author and attachments, for 2 and 10
// aspirations of 10 responses each.
func TestAspirationStatementsDoNotGrowWithRows(t *testing.T) {
	c := newCounted(t)
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Warga ' || i, 'w' || i || '@t.id', 'x' FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.100' || (i % 3 + 1), 'ACTIVE', '64.02-' || lpad(i::text, 4, '0'), i
		FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO aspirations (tracking_code, community_id, author_id, regency_code, title, body, visibility, due_at)
		SELECT 'ASP-' || i, i, i, '64.02', 'Aspirasi ' || i, 'isi', 'PUBLIC', now() + interval '3 days' FROM generate_series(1, 10) i`)
	c.db.MustExec(`INSERT INTO aspiration_responses (aspiration_id, author_id, side, body)
		SELECT a.id, (a.id + k) % 10 + 1, 'COMMUNITY', 'balasan ' || k FROM aspirations a, generate_series(1, 10) k`)
	query := func(n int) (int64, int) {
		var d struct {
			Aspirations struct {
				Nodes []struct {
					Responses []struct{ Author struct{ Name string } }
				}
			}
		}
		stmts := c.run(`query($n: Int) { aspirations(regionCode: "64.02", first: $n) { nodes {
			title trackingCode overdue author { name } community { name } regency { name }
			responses { body side author { name } attachments { id } } } } }`, map[string]any{"n": n}, &d)
		rows := 0
		for _, a := range d.Aspirations.Nodes {
			rows++
			for _, r := range a.Responses {
				rows++
				if r.Author.Name == "" {
					t.Fatal("a response without its author")
				}
			}
		}
		return stmts, rows
	}
	small, smallRows := query(2)
	large, largeRows := query(10)
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if smallRows != 22 || largeRows != 110 {
		t.Fatalf("rows: %d and %d", smallRows, largeRows)
	}
	bounded(t, small, large, 16)
}

// TestDashboardStatementsDoNotGrowWithRows: childrenStats costs the same
// statements for a regency's districts as for the province's regencies, and
// a ranking's communities → domicile → parent load in batches.
func TestDashboardStatementsDoNotGrowWithRows(t *testing.T) {
	c := newCounted(t)
	ctx := context.Background()
	c.signInSuperadmin(ctx)
	// A KIM in each of 60 villages of the province, each with a post.
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || code, 'kim-' || replace(code, '.', '-'), 'KIM', code, 'ACTIVE', left(code, 5) || '-' || row_number() OVER (), 1
		FROM (SELECT code FROM regions WHERE level = 'VILLAGE' ORDER BY code LIMIT 60) v`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
		SELECT id, 1, 'Berita', 'berita', domicile_code, 'PUBLISHED', now() - interval '1 day' FROM communities`)
	children := func(code string) (int64, int) {
		var d struct {
			Region struct {
				ChildrenStats []struct {
					Region struct{ Name string }
					Posts  int
				}
			}
		}
		n := c.run(`query($code: String!, $from: Date!, $to: Date!) { region(code: $code) { childrenStats(from: $from, to: $to) {
			region { name } posts showcases views members { active joined } communities { total byStatus { status count } }
			programs { published coveragePercent } aspirations { submitted overdue medianResponseHours }
			series { from posts } activity { averageScore } } } }`,
			map[string]any{"code": code, "from": time.Now().AddDate(0, 0, -30).Format(time.DateOnly), "to": time.Now().AddDate(0, 0, 1).Format(time.DateOnly)}, &d)
		posts := 0
		for _, r := range d.Region.ChildrenStats {
			if r.Region.Name == "" {
				t.Fatal("a row without its region")
			}
			posts += r.Posts
		}
		return n, len(d.Region.ChildrenStats)
	}
	small, smallRows := children("64.02.06")
	large, largeRows := children("64")
	t.Logf("%d rows: %d statements; %d rows: %d statements", smallRows, small, largeRows, large)
	if smallRows < 5 || largeRows < 10 {
		t.Fatalf("rows: %d and %d", smallRows, largeRows)
	}
	bounded(t, small, large, 14)

	ranking := func(n int) int64 {
		var d struct {
			ActivityRanking []struct {
				Score     float64
				Community struct {
					Domicile struct{ Parent struct{ Name string } }
				}
			} `json:"activityRanking"`
		}
		stmts := c.run(`query($n: Int) { activityRanking(regionCode: "64", first: $n) { score rank
			community { name domicile { name parent { name } } } components { factor points } } }`, map[string]any{"n": n}, &d)
		if len(d.ActivityRanking) != n || d.ActivityRanking[n-1].Community.Domicile.Parent.Name == "" {
			t.Fatalf("ranking of %d: %+v", n, d.ActivityRanking)
		}
		return stmts
	}
	bounded(t, ranking(3), ranking(50), 10)

	// The activity index of a list of communities: one statement for the
	// list, however many.
	activity := func(n int) int64 {
		var d struct {
			Region struct {
				Communities struct {
					Nodes []struct {
						Activity *struct{ Score float64 }
					}
				}
			}
		}
		stmts := c.run(`query($n: Int) { region(code: "64") { communities(first: $n) { nodes { name activity { score } } } } }`,
			map[string]any{"n": n}, &d)
		if got := d.Region.Communities.Nodes; len(got) != n || got[n-1].Activity == nil {
			t.Fatalf("activity of %d communities: %+v", n, got)
		}
		return stmts
	}
	bounded(t, activity(3), activity(50), 10)

	// Only the figures a document shows are computed: posts alone skip
	// the statements of communities, programmes, coverage, aspirations and
	// the index, and count the same posts.
	var full, lean struct {
		Region struct{ ChildrenStats []struct{ Posts int } }
	}
	doc := `query($all: Boolean!, $from: Date!, $to: Date!) { region(code: "64") { childrenStats(from: $from, to: $to) { posts
		communities @include(if: $all) { total } programs @include(if: $all) { published coveragePercent }
		aspirations @include(if: $all) { overdue } activity @include(if: $all) { averageScore } } } }`
	from, to := time.Now().AddDate(0, 0, -30).Format(time.DateOnly), time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	all := c.run(doc, map[string]any{"all": true, "from": from, "to": to}, &full)
	few := c.run(doc, map[string]any{"all": false, "from": from, "to": to}, &lean)
	t.Logf("every part: %d statements; posts alone: %d", all, few)
	if few > all-5 {
		t.Errorf("posts alone cost %d statements, every part %d", few, all)
	}
	sum := func(rows []struct{ Posts int }) (n int) {
		for _, r := range rows {
			n += r.Posts
		}
		return n
	}
	if sum(full.Region.ChildrenStats) != sum(lean.Region.ChildrenStats) || sum(lean.Region.ChildrenStats) != 60 {
		t.Errorf("posts: %d with every part, %d alone", sum(full.Region.ChildrenStats), sum(lean.Region.ChildrenStats))
	}
}

// listedCommunities makes n ACTIVE communities (ids 1 to n) and a fresh
// set of loaders in which they are one list, for an anonymous caller.
func (c *counted) listedCommunities(n int) (context.Context, *loader.Loaders, []*community.Community) {
	c.t.Helper()
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) VALUES ('Ketua', 'k@t.id', 'x')`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || i, 'kim-' || i, 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-000' || i, 1 FROM generate_series(1, $1) i`, n)
	ctx := access.WithActor(context.Background(), access.Actor{})
	l := loader.New(c.svc.LoaderStores())
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	found, err := c.svc.Communities.ByIDs(ctx, ids) // not through l: nothing found by key yet
	if err != nil || len(found) != n {
		c.t.Fatalf("communities: %v %v", found, err)
	}
	list := make([]*community.Community, n)
	for i, id := range ids {
		list[i] = found[id]
	}
	l.CommunitySiblings(list)
	return ctx, l, list
}

// TestActivityIsReadOnlyForSiblingsTheViewerMayRead: a community's
// activity index (and its open requests) is read in one statement with
// its siblings', but only those the caller's check allows; another
// sibling's is read when asked.
func TestActivityIsReadOnlyForSiblingsTheViewerMayRead(t *testing.T) {
	c := newCounted(t)
	ctx, l, list := c.listedCommunities(4)
	day := time.Now().Truncate(24 * time.Hour)
	mayRead := func(k *community.Community) bool { return k.ID != 4 }
	before := c.n.Load()
	for _, k := range list[:3] {
		if a, err := l.Activity(ctx, k, day, mayRead); err != nil || a == nil || a.CommunityID != k.ID {
			t.Fatalf("activity of %d: %+v %v", k.ID, a, err)
		}
	}
	if n := c.n.Load() - before; n != 1 {
		t.Fatalf("the activity of three siblings cost %d statements, want 1", n)
	}
	// Community 4's was not read with them: asking for it is a statement.
	if _, err := l.CommunityActivity.Load(ctx, loader.ActivityKey{ID: 4, AsOf: day}); err != nil {
		t.Fatal(err)
	}
	if n := c.n.Load() - before; n != 2 {
		t.Fatalf("community 4's activity: %d statements in all, want 2", n)
	}

	// Likewise the open invitations and requests, for the communities the
	// caller may admit to.
	before = c.n.Load()
	five := 5
	for _, k := range list[:3] {
		if _, err := l.Requests(ctx, k, relay.Args{First: &five}.Key(), mayRead); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.n.Load() - before; n != 1 {
		t.Fatalf("the requests of three siblings cost %d statements, want 1", n)
	}
	if _, err := l.MembershipRequests.Load(ctx, loader.PageKey[int64]{Parent: 4, Args: relay.Args{First: &five}.Key()}); err != nil {
		t.Fatal(err)
	}
	if n := c.n.Load() - before; n != 2 {
		t.Fatalf("community 4's requests: %d statements in all, want 2", n)
	}
}

// TestAListedCommunityFoundAgainKeepsItsList: a community of a list, found
// again by key (a post's community), keeps its list's group: the members
// of the whole list are one statement, whichever community asks first.
func TestAListedCommunityFoundAgainKeepsItsList(t *testing.T) {
	c := newCounted(t)
	ctx, l, _ := c.listedCommunities(3)
	if _, err := l.Community.Load(ctx, 2); err != nil { // found again, alone
		t.Fatal(err)
	}
	before := c.n.Load()
	five := 5
	for _, id := range []int64{2, 1, 3} {
		if _, err := l.CommunityMembers.Load(ctx, loader.PageKey[int64]{Parent: id, Args: relay.Args{First: &five}.Key()}); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.n.Load() - before; n != 1 {
		t.Fatalf("the members of three listed communities cost %d statements, want 1", n)
	}
}

// TestNestedFeedsLoadAuthorsWithThePosts: a province → regencies → 10
// communities each → 5 posts each → author costs the same few statements
// however many posts: the authors come in the posts' statement.
func TestNestedFeedsLoadAuthorsWithThePosts(t *testing.T) {
	c := newCounted(t)
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Penulis ' || i, 'p' || i || '@t.id', 'x' FROM generate_series(1, 300) i`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		SELECT 'KIM ' || code, 'kim-' || replace(code, '.', '-'), 'KIM', code, 'ACTIVE', left(code, 5) || '-' || row_number() OVER (), 1
		FROM (SELECT code, row_number() OVER (PARTITION BY left(code, 5) ORDER BY code) AS k FROM regions WHERE level = 'VILLAGE') v WHERE k <= 12`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
		SELECT c.id, 1 + (c.id * 7 + i) % 300, 'Berita ' || i, 'berita-' || i, c.domicile_code, 'PUBLISHED', now() - i * interval '1 hour'
		FROM communities c, generate_series(1, 6) i`)
	query := func(communities, posts int) (int64, int) {
		var d struct {
			Region struct {
				Children struct {
					Nodes []struct {
						Communities struct {
							Nodes []struct {
								Posts struct {
									Nodes []struct{ Author struct{ Name string } }
								}
							}
						}
					}
				}
			}
		}
		n := c.run(`query($c: Int, $p: Int) { region(code: "64") { name children(first: 50) { nodes { code name
			communities(first: $c) { nodes { slug name posts(first: $p) { nodes { slug title author { name } } } } } } } } }`,
			map[string]any{"c": communities, "p": posts}, &d)
		rows := 0
		for _, r := range d.Region.Children.Nodes {
			for _, k := range r.Communities.Nodes {
				for _, p := range k.Posts.Nodes {
					if p.Author.Name == "" {
						t.Fatal("a post without its author")
					}
					rows++
				}
			}
		}
		return n, rows
	}
	small, smallRows := query(1, 1)
	large, largeRows := query(10, 5)
	t.Logf("%d posts: %d statements; %d posts: %d statements", smallRows, small, largeRows, large)
	if largeRows < 400 {
		t.Fatalf("only %d posts", largeRows)
	}
	bounded(t, small, large, 10)

	// Exactly, on every run: the region, its children, their communities,
	// the posts with their authors (FeedFilter.Authors). What a list's
	// nodes ask for is read for all of them at once (their sibling group),
	// not gathered over a loader's wait; with no wait at all (newCounted),
	// a batch would take only the keys already there when it starts.
	for run := range 3 {
		if n, rows := query(10, 5); n != 4 || rows != largeRows {
			t.Fatalf("run %d: %d statements for %d posts, want 4 for %d", run, n, rows, largeRows)
		}
	}

	// Deterministically: once a feed is fetched, its posts' authors are
	// one statement, even asked one after another (a batch, without a
	// wait, would read them one at a time).
	l := loader.New(c.svc.LoaderStores())
	ctx := access.WithActor(context.Background(), access.Actor{})
	first := 5
	conn, err := l.CommunityPosts.Load(ctx, loader.PageKey[string]{Parent: "1", Args: relay.Args{First: &first}.Key(),
		Extra: loader.EncodeFeed(publishing.FeedFilter{})})
	if err != nil || len(conn.Edges) != 5 {
		t.Fatalf("feed: %d posts, %v", len(conn.Edges), err)
	}
	before := c.n.Load()
	authors := map[int64]bool{}
	for _, e := range conn.Edges {
		if a, err := l.Account.Load(ctx, e.Node.AuthorID); err != nil || a.Name == "" {
			t.Fatalf("author %d: %v", e.Node.AuthorID, err)
		}
		authors[e.Node.AuthorID] = true
	}
	if n := c.n.Load() - before; n != 1 || len(authors) < 2 {
		t.Errorf("%d authors cost %d statements after the feed, want 1", len(authors), n)
	}

	// A feed that reads its authors and communities along primes their
	// loaders with the same rows they would read: no statement after it.
	l = loader.New(c.svc.LoaderStores())
	conn, err = l.CommunityPosts.Load(ctx, loader.PageKey[string]{Parent: "1", Args: relay.Args{First: &first}.Key(),
		Extra: loader.EncodeFeed(publishing.FeedFilter{Authors: true, Communities: true})})
	if err != nil || len(conn.Edges) != 5 {
		t.Fatalf("feed with authors: %d posts, %v", len(conn.Edges), err)
	}
	accounts, err := c.svc.Accounts.ByIDs(ctx, slices.Collect(maps.Keys(authors)))
	if err != nil {
		t.Fatal(err)
	}
	communities, err := c.svc.Communities.ByIDs(ctx, []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	before = c.n.Load()
	for _, e := range conn.Edges {
		a, err := l.Account.Load(ctx, e.Node.AuthorID)
		if err != nil || !reflect.DeepEqual(a, accounts[e.Node.AuthorID]) {
			t.Fatalf("author %d from the feed: %+v %v, want %+v", e.Node.AuthorID, a, err, accounts[e.Node.AuthorID])
		}
		k, err := l.Community.Load(ctx, e.Node.CommunityID)
		if err != nil || !reflect.DeepEqual(k, communities[1]) {
			t.Fatalf("community from the feed: %+v %v, want %+v", k, err, communities[1])
		}
	}
	if n := c.n.Load() - before; n != 0 {
		t.Errorf("authors and communities read with the feed cost %d statements more", n)
	}
}

// TestFeedsReadBodiesOnlyWhenAsked: a feed that does not show the bodies
// (Post.body and bodyHtml, Showcase.description and descriptionHtml) does
// not read them; one that asks for them, however it asks (nodes, edges,
// fragments), gets them.
func TestFeedsReadBodiesOnlyWhenAsked(t *testing.T) {
	c := newCounted(t)
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) VALUES ('Penulis', 'p@t.id', 'x')`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM Jahab', 'kim-jahab', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0001', 1)`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, body, body_html, region_code, status, publish_at)
		VALUES (1, 1, 'Berita', 'berita', 'isi **berita**', '<p>isi <strong>berita</strong></p>', '64.02.06.1001', 'PUBLISHED', now() - interval '1 hour')`)
	c.db.MustExec(`INSERT INTO showcases (community_id, author_id, kind, title, slug, description, description_html, region_code, status, publish_at)
		VALUES (1, 1, 'PRODUCT', 'Amplang', 'amplang', 'kerupuk *ikan*', '<p>kerupuk <em>ikan</em></p>', '64.02.06.1001', 'PUBLISHED', now() - interval '1 hour')`)
	readsBodies := func(doc string, vars map[string]any) (bool, string) {
		before := c.n.Load()
		var d any
		c.run(doc, vars, &d)
		out, _ := json.Marshal(d)
		for _, q := range c.n.Since(before) {
			if strings.Contains(q, "body_html") || strings.Contains(q, "description_html") {
				return true, string(out)
			}
		}
		return false, string(out)
	}
	skip := map[string]any{"with": false}
	for _, doc := range []string{
		`{ posts(filter: {regionCode: "64"}) { nodes { title author { name } } } }`,
		`{ community(slug: "kim-jahab") { posts(first: 5) { edges { node { title excerpt } } } showcases(first: 5) { nodes { title kind } } } }`,
		`{ region(code: "64.02") { posts(first: 5) { nodes { slug } } } }`,
		`{ showcases(filter: {regionCode: "64"}) { nodes { title } } }`,
		`query($with: Boolean!) { posts(filter: {regionCode: "64"}) { nodes { title body @include(if: $with) } } }`,
	} {
		if read, out := readsBodies(doc, skip); read {
			t.Errorf("%s read the bodies: %s", doc, out)
		}
	}
	// Each document asks for the fields named after it, and gets them.
	for doc, fields := range map[string][]string{
		`{ posts(filter: {regionCode: "64"}) { nodes { body bodyHtml } } }`:                                                                           {"body", "bodyHtml"},
		`{ posts(filter: {regionCode: "64"}) { edges { node { ... on Post { bodyHtml } } } } }`:                                                       {"bodyHtml"},
		`query($with: Boolean!) { posts(filter: {regionCode: "64"}) { nodes { body @skip(if: $with) } } }`:                                            {"body"},
		`{ region(code: "64.02") { posts(first: 5) { ...P } } } fragment P on PostConnection { nodes { ...B } } fragment B on Post { body bodyHtml }`: {"body", "bodyHtml"},
		`{ community(slug: "kim-jahab") { showcases(first: 5) { nodes { description descriptionHtml } } } }`:                                          {"description", "descriptionHtml"},
		`{ showcases(filter: {regionCode: "64"}) { edges { node { ... on Showcase { description } } } } }`:                                            {"description"},
	} {
		read, out := readsBodies(doc, skip)
		if !read {
			t.Errorf("%s did not read the bodies", doc)
		}
		for _, f := range fields {
			if want := map[string]string{"body": `"isi **berita**"`, "bodyHtml": `"\u003cp\u003eisi \u003cstrong\u003eberita`,
				"description": `"kerupuk *ikan*"`, "descriptionHtml": `"\u003cp\u003ekerupuk \u003cem\u003eikan`}[f]; !strings.Contains(out, want) {
				t.Errorf("%s: %s lacks %s", doc, out, want)
			}
		}
	}
	// Two aliases of one feed, one lean and one with bodies: each gets its
	// own page.
	var d struct {
		Community struct {
			Lean, Full struct{ Nodes []map[string]string }
		}
	}
	c.run(`{ community(slug: "kim-jahab") { lean: posts(first: 5) { nodes { title } } full: posts(first: 5) { nodes { title body } } } }`, nil, &d)
	if len(d.Community.Lean.Nodes) != 1 || len(d.Community.Full.Nodes) != 1 || d.Community.Full.Nodes[0]["body"] != "isi **berita**" {
		t.Errorf("aliases: %+v", d.Community)
	}
}

// TestFeedsReadHeadlinesOnlyWhenThatIsAllAsked: a list whose nodes select
// only headline fields reads publishing.HeadlineColumns; any other field
// (even through a fragment, or beside the headlines in an alias) reads
// every column, and its value arrives.
func TestFeedsReadHeadlinesOnlyWhenThatIsAllAsked(t *testing.T) {
	c := newCounted(t)
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) VALUES ('Penulis', 'p@t.id', 'x')`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM Jahab', 'kim-jahab', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0001', 1)`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, body, body_html, excerpt, region_code, status, publish_at, view_count, featured)
		VALUES (1, 1, 'Berita', 'berita', 'isi', '<p>isi</p>', 'ringkasan', '64.02.06.1001', 'PUBLISHED', now() - interval '1 hour', 7, true)`)
	c.db.MustExec(`INSERT INTO showcases (community_id, author_id, kind, title, slug, description, description_html, region_code, status, publish_at)
		VALUES (1, 1, 'PRODUCT', 'Amplang', 'amplang', 'kerupuk', '<p>kerupuk</p>', '64.02.06.1001', 'PUBLISHED', now() - interval '1 hour')`)
	readsAll := func(doc string) (bool, string) {
		before := c.n.Load()
		var d any
		c.run(doc, nil, &d)
		out, _ := json.Marshal(d)
		for _, q := range c.n.Since(before) {
			if strings.Contains(q, "view_count") {
				return true, string(out)
			}
		}
		return false, string(out)
	}
	for _, doc := range []string{
		`{ posts(filter: {regionCode: "64"}) { nodes { id slug title publishAt status author { name } community { name } cover { id } region { name } } } }`,
		`{ region(code: "64") { communities(first: 5) { nodes { posts(first: 5) { edges { cursor node { slug title author { name } } } } } } } }`,
		`{ community(slug: "kim-jahab") { showcases(first: 5) { nodes { __typename title slug } } } }`,
	} {
		if read, out := readsAll(doc); read {
			t.Errorf("%s read every column: %s", doc, out)
		}
	}
	for doc, want := range map[string]string{
		`{ posts(filter: {regionCode: "64"}) { nodes { title viewCount } } }`:                                                    `"viewCount":7`,
		`{ posts(filter: {regionCode: "64"}) { nodes { title ...X } } } fragment X on Post { excerpt featured }`:                 `"excerpt":"ringkasan","featured":true`,
		`{ community(slug: "kim-jahab") { a: posts(first: 5) { nodes { title } } b: posts(first: 5) { nodes { createdAt } } } }`: `"createdAt":"20`,
		`{ community(slug: "kim-jahab") { showcases(first: 5) { nodes { title kind } } } }`:                                      `"kind":"PRODUCT"`,
	} {
		read, out := readsAll(doc)
		if !read || !strings.Contains(out, want) {
			t.Errorf("%s: read every column %v, got %s, want %s in it", doc, read, out, want)
		}
	}
}

// fmtJSON is v as JSON, for messages.
func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestCommunityHeadlinesAnswerOnlyWhatTheyHold: a list of communities,
// or a feed's communities, asked only communityHeadlineFields reads
// community.HeadlineColumns; each of those fields answers as it does from
// a whole row (the document asks every one of them); asked one more
// field, the same list reads whole rows; and a feed's headline never
// stands in for the community in the request's loader.
func TestCommunityHeadlinesAnswerOnlyWhatTheyHold(t *testing.T) {
	c := newCounted(t)
	ctx := context.Background()
	c.signInSuperadmin(ctx) // every field of a community, its activity too
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, description, contact_email, status,
		registration_number, member_count, created_by)
		VALUES ('KIM Satu', 'kim-satu', 'KIM', '64.02.06.1001', 'Kelompok informasi', 'kim@t.id', 'ACTIVE', '64.02-0001', 1, 1),
		       ('KIM Dua', 'kim-dua', 'TRADITIONAL_MEDIA', '64.02.06.1002', 'Media tradisional', 'dua@t.id', 'ACTIVE', '64.02-0002', 0, 1)`)
	c.db.MustExec(`INSERT INTO community_fields (community_id, field_code) SELECT c.id, f.code FROM communities c, (SELECT min(code) AS code FROM fields) f`)
	c.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status, joined_at) VALUES (1, 1, 'CHAIR', 'ACTIVE', now())`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, body, region_code, status, publish_at)
		SELECT c.id, 1, 'Berita ' || c.slug, 'berita', 'isi', c.domicile_code, 'PUBLISHED', now() - c.id * interval '1 minute' FROM communities c`)

	// What each headline field is asked, beyond its name: a selection for
	// an object. A field added to communityHeadlineFields is asked here
	// too (an object without a selection fails validation).
	sub := map[string]string{
		"domicile": "{ code name }", "fields": "{ code }", "viewerRole": "", "activity": "{ score rank }",
		"posts": "(first: 2) { nodes { title } }", "showcases": "(first: 2) { nodes { title } }",
		"programFeed": "(first: 2) { nodes { title } }", "members": "(first: 2) { nodes { role } }",
	}
	if graph.CommunityHeadlineFields()["description"] {
		t.Fatal("description is a headline field: ask the whole rows for another one")
	}
	var fields []string
	for _, f := range slices.Sorted(maps.Keys(graph.CommunityHeadlineFields())) {
		fields = append(fields, f+" "+sub[f])
	}
	headlines := strings.Join(fields, " ")
	run := func(doc string) (stmts string, data map[string]any) {
		t.Helper()
		before := c.n.Load()
		c.run(doc, nil, &data)
		return strings.Join(c.n.Since(before), "\n"), data
	}
	// nodes finds the list of objects at path in data, each without the
	// description asked beside the headlines.
	nodes := func(data any, path ...string) []any {
		t.Helper()
		for _, p := range path {
			m, ok := data.(map[string]any)
			if !ok {
				t.Fatalf("no %s in %v", p, data)
			}
			data = m[p]
		}
		list, _ := data.([]any)
		for _, n := range list {
			if m, ok := n.(map[string]any); ok {
				if d, ok := m["community"].(map[string]any); ok {
					m = d
				}
				delete(m, "description")
			}
		}
		return list
	}

	for _, tc := range []struct {
		name, lean, whole string
		path              []string
		leanRead, read    string // what the lean and the whole statements name
	}{
		{
			"a region's communities",
			`{ region(code: "64.02") { communities(first: 5) { nodes { ` + headlines + ` } } } }`,
			`{ region(code: "64.02") { communities(first: 5) { nodes { ` + headlines + ` ...d } } } } fragment d on Community { description }`,
			[]string{"region", "communities", "nodes"}, "c.member_count", "c.contact_email",
		},
		{
			"the communities",
			`{ communities(filter: {regionCode: "64.02"}, first: 5) { nodes { ` + headlines + ` } } }`,
			`{ communities(filter: {regionCode: "64.02"}, first: 5) { nodes { ` + headlines + ` description } } }`,
			[]string{"communities", "nodes"}, "c.member_count", "c.contact_email",
		},
		{
			"a feed's communities",
			`{ posts(filter: {regionCode: "64.02"}, first: 5) { nodes { community { ` + headlines + ` } } } }`,
			`{ posts(filter: {regionCode: "64.02"}, first: 5) { nodes { community { ` + headlines + ` description } } } }`,
			[]string{"posts", "nodes"}, `AS "community_headline.name"`, `AS "community.contact_email"`,
		},
	} {
		leanStmts, lean := run(tc.lean)
		wholeStmts, whole := run(tc.whole)
		if !strings.Contains(leanStmts, tc.leanRead) || strings.Contains(leanStmts, "contact_email") {
			t.Errorf("%s, asked headlines only, read:\n%s", tc.name, leanStmts)
		}
		if !strings.Contains(wholeStmts, tc.read) {
			t.Errorf("%s, asked its description too, read no whole rows:\n%s", tc.name, wholeStmts)
		}
		if !strings.Contains(fmtJSON(whole), `"description":"`) {
			t.Errorf("%s: no description: %s", tc.name, fmtJSON(whole))
		}
		l, w := nodes(lean, tc.path...), nodes(whole, tc.path...)
		if len(l) != 2 || !reflect.DeepEqual(l, w) {
			t.Errorf("%s: from headlines\n%s\nfrom whole rows\n%s", tc.name, fmtJSON(l), fmtJSON(w))
		}
	}

	// In the loader: items with community headlines leave their
	// communities to be read whole by whoever asks the loader.
	l := loader.New(c.svc.LoaderStores())
	actx := access.WithActor(ctx, access.Actor{})
	ten := 10
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{First: &ten})
	conns, err := c.svc.Posts.Feed(actx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{OmitBodies: true, Headlines: true, CommunityHeadlines: true}, page)
	items := conns["64.02"].Nodes()
	if err != nil || len(items) != 2 || items[0].CommunityHeadline == nil || items[0].CommunityHeadline.Name != "KIM Satu" || items[0].Community != nil {
		t.Fatalf("a feed of community headlines: %d items, %v", len(items), err)
	}
	l.PostSiblings(items)
	before := c.n.Load()
	got, err := l.Community.Load(actx, items[0].CommunityID)
	if err != nil || got.Description != "Kelompok informasi" || got.ContactEmail == nil || got.UpdatedAt.IsZero() {
		t.Errorf("the loader's community after a headline: %+v, %v", got, err)
	}
	if n := c.n.Load() - before; n != 1 {
		t.Errorf("the loader read the community in %d statements, want 1", n)
	}
}

// Aliased root regions are each their own sibling group: each gets its own
// children, and the statements grow with the aliases, not with the rows.
func TestAliasedRootRegionsGetTheirOwnPages(t *testing.T) {
	c := newCounted(t)
	var d map[string]struct {
		Code     string
		Children struct{ Nodes []struct{ Code string } }
	}
	n := c.run(`{ a: region(code: "64.01") { code children(first: 3) { nodes { code } } }
		b: region(code: "64.02") { code children(first: 3) { nodes { code } } } }`, nil, &d)
	for alias, want := range map[string]string{"a": "64.01", "b": "64.02"} {
		r := d[alias]
		if r.Code != want || len(r.Children.Nodes) != 3 {
			t.Fatalf("%s: %+v", alias, r)
		}
		for _, ch := range r.Children.Nodes {
			if !strings.HasPrefix(ch.Code, want+".") {
				t.Errorf("%s: a child %s of another region", alias, ch.Code)
			}
		}
	}
	// Two roots and two pages of children, each one statement.
	if n != 4 {
		t.Errorf("%d statements, want 4", n)
	}
}

// TestAPublicCommunityNeedsNoViewerRole: a post's community that is
// ACTIVE is shown to anyone, so a signed-in caller's role in it is not
// read (the caller's session is the only statement more than for the
// public); a community that is not public is shown to its members only,
// which takes their role.
func TestAPublicCommunityNeedsNoViewerRole(t *testing.T) {
	c := newCounted(t)
	ctx := context.Background()
	member, err := c.svc.Accounts.SignUp(ctx, account.SignUpInput{Name: "Anggota", Email: "anggota@t.id", Password: "kata-sandi-panjang-sekali"})
	if err != nil {
		t.Fatal(err)
	}
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM Aktif', 'kim-aktif', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0001', $1),
		       ('KIM Dibekukan', 'kim-dibekukan', 'KIM', '64.02.06.1001', 'SUSPENDED', '64.02-0002', $1)`, member.ID)
	c.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT id, $1, 'MEMBER', 'ACTIVE', now() FROM communities`, member.ID)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
		SELECT id, $1, 'Berita', 'berita', domicile_code, 'PUBLISHED', now() - interval '1 day' FROM communities`, member.ID)

	feed := func() (int64, []string) {
		var d struct {
			Posts struct {
				Nodes []struct{ Community struct{ Name string } }
			}
		}
		n := c.run(`{ posts(filter: {regionCode: "64.02"}, first: 5) { nodes { title community { name } } } }`, nil, &d)
		var names []string
		for _, p := range d.Posts.Nodes {
			names = append(names, p.Community.Name)
		}
		return n, names
	}
	public, names := feed()
	if len(names) != 1 || names[0] != "KIM Aktif" {
		t.Fatalf("the public feed's communities: %v", names)
	}
	tokens, _, err := c.svc.Sessions.LogIn(ctx, "anggota@t.id", "kata-sandi-panjang-sekali")
	if err != nil {
		t.Fatal(err)
	}
	c.token = tokens.AccessToken
	signedIn, names := feed()
	if len(names) != 1 || names[0] != "KIM Aktif" {
		t.Fatalf("the member's feed's communities: %v", names)
	}
	if signedIn != public+1 {
		t.Errorf("signed in, the feed cost %d statements, anonymous %d: want one more (the session), no role", signedIn, public)
	}

	// Through the member's memberships, the suspended community is shown
	// to the member, for its role.
	var d struct {
		Me struct {
			Memberships []struct{ Community *struct{ Name string } }
		}
	}
	c.run(`{ me { memberships { community { name } } } }`, nil, &d)
	var shown []string
	for _, m := range d.Me.Memberships {
		if m.Community != nil {
			shown = append(shown, m.Community.Name)
		}
	}
	slices.Sort(shown)
	if !slices.Equal(shown, []string{"KIM Aktif", "KIM Dibekukan"}) {
		t.Errorf("the member's communities: %v", shown)
	}
}

// TestBylinesAnswerOnlyWhatTheyHold: a list whose authors (or members'
// accounts) are asked for their names alone reads those in its own
// statement (bylines: two of an account's columns); asked for more, even
// through a fragment, it reads whole accounts; and a byline never stands
// in for the account in the request's loader.
func TestBylinesAnswerOnlyWhatTheyHold(t *testing.T) {
	c := newCounted(t)
	ctx := context.Background()
	c.signInSuperadmin(ctx) // a superadmin sees every email
	c.db.MustExec(`INSERT INTO accounts (name, email, password_hash) SELECT 'Penulis ' || i, 'p' || i || '@t.id', 'x' FROM generate_series(1, 4) i`)
	c.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM Satu', 'kim-satu', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0001', 1)`)
	c.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT 1, a.id, 'MEMBER', 'ACTIVE', now() FROM accounts a WHERE a.name LIKE 'Penulis %'`)
	c.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, body, region_code, status, publish_at)
		SELECT 1, a.id, 'Berita ' || a.id, 'berita-' || a.id, 'isi', '64.02.06.1001', 'PUBLISHED', now() - a.id * interval '1 minute'
		FROM accounts a WHERE a.name LIKE 'Penulis %'`)
	type person struct{ ID, Name, Email string }
	var rows []struct {
		ID          int64
		Name, Email string
	}
	// Newest post first: the posts of the lower ids (publish_at = now() - id minutes).
	if err := c.db.Select(&rows, `SELECT id, name, email FROM accounts WHERE name LIKE 'Penulis %' ORDER BY id`); err != nil || len(rows) != 4 {
		t.Fatalf("authors: %v %v", rows, err)
	}
	var want []person
	for _, r := range rows {
		want = append(want, person{relay.ID("Account", strconv.FormatInt(r.ID, 10)), r.Name, r.Email})
	}
	type posts struct {
		Nodes []struct{ Author person }
	}
	check := func(what string, got posts, withEmail bool) {
		t.Helper()
		if len(got.Nodes) != len(want) {
			t.Fatalf("%s: %d posts", what, len(got.Nodes))
		}
		for i, n := range got.Nodes {
			w := want[i]
			if !withEmail {
				w.Email = ""
			}
			if n.Author.Name != w.Name || n.Author.Email != w.Email || (n.Author.ID != "" && n.Author.ID != w.ID) {
				t.Errorf("%s: post %d's author %+v, want %+v", what, i, n.Author, w)
			}
		}
	}
	statements := func(doc string, into any) string {
		t.Helper()
		before := c.n.Load()
		c.run(doc, nil, into)
		return strings.Join(c.n.Since(before), "\n")
	}

	var bylines struct{ Posts posts }
	stmts := statements(`{ posts(filter: {regionCode: "64.02"}, first: 10) { nodes { author { __typename id name } } } }`, &bylines)
	check("bylines", bylines.Posts, false)
	if !strings.Contains(stmts, `AS "byline.name"`) || strings.Contains(stmts, "a.email") {
		t.Errorf("a feed of bylines read:\n%s", stmts)
	}

	for _, doc := range []string{
		`{ posts(filter: {regionCode: "64.02"}, first: 10) { nodes { author { name email } } } }`,
		`{ posts(filter: {regionCode: "64.02"}, first: 10) { nodes { author { name ...on Account { email } } } } }`,
		`{ posts(filter: {regionCode: "64.02"}, first: 10) { nodes { author { name } } } posts2: posts(filter: {regionCode: "64.02"}, first: 10) { nodes { author { ...e } } } } fragment e on Account { name email }`,
	} {
		var d struct{ Posts, Posts2 posts }
		stmts := statements(doc, &d)
		check("whole", d.Posts, !strings.Contains(doc, "posts2"))
		if strings.Contains(doc, "posts2") {
			check("whole, beside bylines", d.Posts2, true)
		}
		if !strings.Contains(stmts, `AS "author.email"`) {
			t.Errorf("%s read no whole authors:\n%s", doc, stmts)
		}
	}

	var members struct {
		Community struct {
			Members struct {
				Nodes []struct{ Account person }
			}
		}
	}
	stmts = statements(`{ community(slug: "kim-satu") { members(first: 10) { nodes { account { name } } } } }`, &members)
	memberEmails := func(whole bool) {
		t.Helper()
		if len(members.Community.Members.Nodes) != 4 {
			t.Fatalf("members: %+v", members)
		}
		for _, m := range members.Community.Members.Nodes {
			email := ""
			if whole {
				email = "p" + strings.TrimPrefix(m.Account.Name, "Penulis ") + "@t.id"
			}
			if !strings.HasPrefix(m.Account.Name, "Penulis ") || m.Account.Email != email {
				t.Errorf("a member's account: %+v", m.Account)
			}
		}
	}
	memberEmails(false)
	if !strings.Contains(stmts, `AS "byline.name"`) || strings.Contains(stmts, "a.email") {
		t.Errorf("a members page of bylines read:\n%s", stmts)
	}
	stmts = statements(`{ community(slug: "kim-satu") { members(first: 10) { nodes { account { name email } } } } }`, &members)
	memberEmails(true)
	if !strings.Contains(stmts, `AS "account.email"`) {
		t.Errorf("a members page of whole accounts read:\n%s", stmts)
	}

	// In the loader: items with bylines leave their authors to be read
	// whole by whoever asks the loader.
	l := loader.New(c.svc.LoaderStores())
	actx := access.WithActor(ctx, access.Actor{})
	ten := 10
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{First: &ten})
	conns, err := c.svc.Posts.Feed(actx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{OmitBodies: true, Headlines: true, Bylines: true}, page)
	items := conns["64.02"].Nodes()
	if err != nil || len(items) != 4 || items[0].Byline == nil || items[0].Byline.Name != want[0].Name || items[0].Author != nil {
		t.Fatalf("a feed of bylines: %d items, %v", len(items), err)
	}
	l.PostSiblings(items)
	before := c.n.Load()
	a, err := l.Account.Load(actx, items[0].AuthorID)
	if err != nil || a.Email == nil || *a.Email != want[0].Email || a.CreatedAt.IsZero() {
		t.Errorf("the loader's account after a byline: %+v, %v", a, err)
	}
	if n := c.n.Load() - before; n != 1 {
		t.Errorf("the loader read the account in %d statements, want 1", n)
	}
}
