package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/relay"
)

const (
	benchEmail    = "bench-dash@bench.kimhub.id"
	benchPassword = "Tebu-Manis-Kukar-2026"
	benchSlug     = "kim-bench-dash"
	// writeCommunities is how many communities the write mix spreads over.
	writeCommunities = 8
)

// removeWrites deletes the write mix's posts and vacuums the tables the
// write mix writes: before a run, before each server's write ladder, and
// before the ceilings. So the reads' statements meet the data their
// ladders met, each write ladder starts from the same tables, and no
// autovacuum of the dead rows a write ladder left starts in the middle of
// another server's ladder (VACUUM takes about 8 s here).
func removeWrites(ctx context.Context, db *sqlx.DB, t *targets) {
	if _, err := db.ExecContext(ctx, `DELETE FROM posts WHERE community_id = ANY($1)`, pq.Array(t.WriteCommunities)); err != nil {
		say("could not remove the write mix's posts (the runs still go on): %v", err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM (ANALYZE) posts, post_tags, audit_entries, activity_daily, activity_regency_daily`); err != nil {
		say("could not vacuum after the write mix (the runs still go on): %v", err)
	}
}

// setup chooses the queries' places, applies PostGraphile's computed
// columns, and makes the bench's account (signed up through kimhub, then
// made CHAIR of the bench's own community and ADMIN of Q3's region by SQL)
// and its token.
func setup(ctx context.Context, db *sqlx.DB, kimhubURL string) (*targets, error) {
	t := &targets{Now: time.Now().UTC().Format(time.RFC3339Nano)}
	// Q3's period: the 30 days (in WIB) up to today.
	wib := time.FixedZone("WIB", 7*3600)
	today := time.Now().In(wib)
	t.From, t.To = today.AddDate(0, 0, -29).Format(time.DateOnly), today.Format(time.DateOnly)
	if err := db.QueryRowContext(ctx, `SELECT left(region_code, 5) FROM posts WHERE status = 'PUBLISHED'
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&t.Regency); err != nil {
		return nil, err
	}
	t.Province = t.Regency[:2]
	if err := db.QueryRowContext(ctx, `SELECT c.slug FROM communities c JOIN posts p ON p.community_id = c.id
		WHERE c.domicile_code >= $1 AND c.domicile_code < $1 || '/' AND c.status = 'ACTIVE' AND p.status = 'PUBLISHED'
		GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1`, t.Regency).Scan(&t.Community); err != nil {
		return nil, err
	}
	sql, err := os.ReadFile(filepath.Join("bench", "postgraphile", "schema.sql"))
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, string(sql)); err != nil {
		return nil, fmt.Errorf("bench/postgraphile/schema.sql: %w", err)
	}

	// The account: signed up through the API (once), then signed in.
	signUp := `mutation($in: SignUpInput!) { signUp(input: $in) { account { id } } }`
	if err := db.GetContext(ctx, &t.AccountID, `SELECT id FROM accounts WHERE email = $1`, benchEmail); err != nil {
		if _, err := post(kimhubURL, "", gqlBody(signUp, map[string]any{"in": map[string]any{
			"name": "Bench Dasbor", "email": benchEmail, "password": benchPassword}})); err != nil {
			return nil, fmt.Errorf("signUp: %w", err)
		}
		if err := db.GetContext(ctx, &t.AccountID, `SELECT id FROM accounts WHERE email = $1`, benchEmail); err != nil {
			return nil, err
		}
	}
	// The communities of the write mix, in a village of another province:
	// writeCommunities of them, taken in turn, since kimhub serialises
	// the creation of posts in one community (slugs) and the summary table
	// has one row per community and day. Their earlier posts are removed,
	// so that runs do not pile up.
	if _, err := db.ExecContext(ctx, `INSERT INTO communities (name, slug, category, domicile_code, status, registration_number,
			registered_at, member_count, created_by)
		SELECT 'KIM Bench Dasbor ' || n, $1 || '-' || n, 'KIM', v.code, 'ACTIVE', 'BENCH-DASH-' || n, now(), 1, $2
		FROM (SELECT code FROM regions WHERE level = 'VILLAGE' AND code NOT LIKE $3 || '.%' ORDER BY code LIMIT 1) v
		CROSS JOIN generate_series(1, $4) n
		ON CONFLICT DO NOTHING`, benchSlug, t.AccountID, t.Province, writeCommunities); err != nil {
		return nil, fmt.Errorf("bench communities: %w", err)
	}
	if err := db.SelectContext(ctx, &t.WriteCommunities, `SELECT id FROM communities WHERE slug LIKE $1 || '-%' ORDER BY id`, benchSlug); err != nil {
		return nil, err
	}
	if len(t.WriteCommunities) == 0 || t.WriteCommunities[len(t.WriteCommunities)-1]-t.WriteCommunities[0] != int64(len(t.WriteCommunities)-1) {
		return nil, fmt.Errorf("the bench communities' IDs are not consecutive: %v", t.WriteCommunities)
	}
	if err := db.GetContext(ctx, &t.WriteRegion, `SELECT domicile_code FROM communities WHERE id = $1`, t.WriteCommunities[0]); err != nil {
		return nil, err
	}
	removeWrites(ctx, db, t)
	if _, err := db.ExecContext(ctx, `INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT unnest($1::bigint[]), $2, 'CHAIR', 'ACTIVE', now() ON CONFLICT DO NOTHING`, pq.Array(t.WriteCommunities), t.AccountID); err != nil {
		return nil, err
	}
	// Regional statistics need an ADMIN (or HUMAS) grant over the region.
	if _, err := db.ExecContext(ctx, `INSERT INTO grants (account_id, role, region_code)
		VALUES ($1, 'ADMIN', $2) ON CONFLICT DO NOTHING`, t.AccountID, t.Regency); err != nil {
		return nil, err
	}
	logIn := `mutation($in: LogInInput!) { logIn(input: $in) { tokens { accessToken } } }`
	out, err := post(kimhubURL, "", gqlBody(logIn, map[string]any{"in": map[string]any{"login": benchEmail, "password": benchPassword}}))
	if err != nil {
		return nil, fmt.Errorf("logIn: %w", err)
	}
	t.Token, _ = dig(decode(out), "data", "logIn", "tokens", "accessToken").(string)
	if t.Token == "" {
		return nil, fmt.Errorf("logIn gave no token: %s", out)
	}
	return t, nil
}

func post(url, token string, body any) ([]byte, error) {
	tg := target(url, token, "", func(*targets) any { return body }, nil, nil, nil)
	return send(httpClient, tg)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// postInsert is the statement that writes the new post: an INSERT, or a
// WITH whose first query is one; postInsertCTE is the latter's end, and
// postInsertReturning the former's.
var (
	postInsert          = regexp.MustCompile(`(?is)^\s*(WITH \w+ AS \(\s*)?INSERT INTO posts\b`)
	postInsertCTE       = regexp.MustCompile(`(?is)SELECT \* FROM (\w+);\n$`)
	postInsertReturning = regexp.MustCompile(`(?is)RETURNING .*;\n$`)
	postCommunity       = regexp.MustCompile(`(?is)INSERT INTO posts \(community_id\b[^)]*\)\s*VALUES \((\d+),`)
)

// ceilingScript makes the pgbench script of a query from the statements
// kimhub sent for one request of it. For the write mix, the new post's
// title and slug get a random number per transaction, and its id, inlined
// in the later statements, comes from the INSERT by \gset.
func ceilingScript(q query, t *targets, stmts []statement, answer []byte) (string, error) {
	if len(stmts) == 0 {
		return "", fmt.Errorf("no statements recorded")
	}
	if q.KimhubChain == nil {
		return pgbenchScript(stmts, nil)
	}
	p := dig(decode(answer), "data", "publishPost", "post")
	id, _ := dig(p, "id").(string)
	title, _ := dig(p, "title").(string)
	_, key, err := relay.ParseID(id)
	if err != nil || title == "" {
		return "", fmt.Errorf("the write mix gave no post: %s", answer)
	}
	token := title[strings.LastIndex(title, "-")+1:]
	s, err := pgbenchScript(stmts, nil)
	if err != nil {
		return "", err
	}
	prefix := strings.TrimSuffix(title, token)
	s = strings.ReplaceAll(s, prefix+token, prefix+":r")
	slugPrefix := strings.ToLower(strings.ReplaceAll(prefix, " ", "-"))
	s = strings.ReplaceAll(s, slugPrefix+token, slugPrefix+":r")
	postID := regexp.MustCompile(`\b` + key + `\b`)
	var lines []string
	inserted := false
	for _, st := range strings.SplitAfter(s, ";\n") {
		if st == "" {
			continue
		}
		if !inserted && postInsert.MatchString(st) {
			// A plain INSERT returns the id; one in a WITH (the post and
			// its tags) selects it from the CTE.
			if postInsertCTE.MatchString(st) {
				st = postInsertCTE.ReplaceAllString(st, "SELECT id AS post_id FROM $1 \\gset\n")
			} else {
				st = postInsertReturning.ReplaceAllString(st, "RETURNING id AS post_id \\gset\n")
			}
			inserted = true
		} else {
			st = postID.ReplaceAllString(st, ":post_id")
		}
		lines = append(lines, st)
	}
	if !inserted {
		return "", fmt.Errorf("no INSERT INTO posts recorded")
	}
	// The community: any of the bench's, as the load takes them in turn.
	// Its id is the first value of the post's INSERT.
	m := postCommunity.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("the write mix's INSERT INTO posts gave no community")
	}
	script := regexp.MustCompile(`\b`+m[1]+`\b`).ReplaceAllString(strings.Join(lines, ""), ":c")
	return fmt.Sprintf("\\set r random(1, 2000000000)\n\\set c random(%d, %d)\n", t.WriteCommunities[0], t.WriteCommunities[len(t.WriteCommunities)-1]) + script, nil
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

// hostInfo names the machine: CPU model and memory.
func hostInfo() (string, error) {
	cpu, mem := "", ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); m != nil {
			cpu = string(m[1])
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if m := regexp.MustCompile(`MemTotal:\s*(\d+)`).FindSubmatch(b); m != nil {
			fmt.Sscan(string(m[1]), &kb)
			mem = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %s", cpu, mem), nil
}
