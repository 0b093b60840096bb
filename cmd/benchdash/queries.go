package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kimhub/kimhub/internal/relay"
)

// targets are the places the queries ask about, chosen from the data.
type targets struct {
	Regency   string // Q1: the regency with the most published posts
	Province  string // Q2: its province
	Community string // Q4: the slug of the community with the most posts in it
	Now       string // PostGraphile's "published by now" bound, fixed for the run
	// Q3's period (dates in WIB).
	From, To string

	// Q5: the bench's own community and account (EDITOR/CHAIR there).
	WriteCommunities []int64 // consecutive IDs; the write mix takes them in turn
	WriteRegion      string
	AccountID        int64
	Token            string // kimhub access token
}

// query is one dashboard query, as kimhub and PostGraphile are asked it.
type query struct {
	Name, What string
	// Kimhub and PG are the request bodies (a chain for the write mix).
	Kimhub, PG func(t *targets) any
	// KimhubChain and PGChain run the write mix (nil for reads).
	KimhubChain, PGChain func(t *targets) func(do func(any) ([]byte, error)) ([]byte, error)
	// NormKimhub and NormPG turn an answer into the same shape for the
	// comparison.
	NormKimhub, NormPG func(data any) any
	// Auth: kimhub is asked as the bench's account (reads are anonymous,
	// as PostGraphile's are).
	Auth bool
	// Partial says what of the query PostGraphile cannot express.
	Partial string
}

// kimhubOnly is a query PostGraphile is not asked (it cannot say it).
func (q query) kimhubOnly() bool { return q.PG == nil && q.PGChain == nil }

const q1Kimhub = `
query Q1($code: String!) {
  posts(filter: {regionCode: $code}, first: 20) {
    nodes { id slug title publishAt author { name } community { name slug } cover { id url } }
  }
}`

const q1PG = `
query Q1($lo: String!, $hi: String!, $now: Datetime!) {
  posts(first: 20, orderBy: [PUBLISH_AT_DESC, ID_DESC], filter: {
    status: {equalTo: "PUBLISHED"}, publishAt: {lessThanOrEqualTo: $now},
    regionCode: {greaterThanOrEqualTo: $lo, lessThan: $hi}, community: {status: {equalTo: "ACTIVE"}}
  }) {
    nodes { id slug title publishAt author { name } community { name slug } cover { id objectKey } }
  }
}`

const q2Kimhub = `
query Q2($code: String!) {
  region(code: $code) {
    name
    children(first: 50) {
      nodes {
        code name
        communities(first: 10) {
          nodes { slug name posts(first: 5) { nodes { slug title author { name } } } }
        }
      }
    }
  }
}`

const q2PG = `
query Q2($code: String!, $now: Datetime!) {
  region(code: $code) {
    name
    regionsByParentCode(first: 50, orderBy: CODE_ASC) {
      nodes {
        code name
        subtreeCommunities(first: 10) {
          nodes {
            slug name
            posts(first: 5, orderBy: [PUBLISH_AT_DESC, ID_DESC],
                  filter: {status: {equalTo: "PUBLISHED"}, publishAt: {lessThanOrEqualTo: $now}}) {
              nodes { slug title author { name } }
            }
          }
        }
      }
    }
  }
}`

const q4Kimhub = `
query Q4($slug: String!) {
  community(slug: $slug) {
    name slug memberCount
    members(first: 20) { nodes { role account { name } } }
    showcases(first: 10) { nodes { slug title } }
    posts(first: 10) { nodes { slug title publishAt author { name } cover { id url } } }
  }
}`

const q4PG = `
query Q4($slug: String!, $now: Datetime!) {
  communityBySlug(slug: $slug) {
    name slug memberCount
    memberships(first: 20, orderBy: ID_ASC, condition: {status: "ACTIVE"}) { nodes { role account { name } } }
    showcases(first: 10, orderBy: [PUBLISH_AT_DESC, ID_DESC],
              filter: {status: {equalTo: "PUBLISHED"}, publishAt: {lessThanOrEqualTo: $now}}) { nodes { slug title } }
    posts(first: 10, orderBy: [PUBLISH_AT_DESC, ID_DESC],
          filter: {status: {equalTo: "PUBLISHED"}, publishAt: {lessThanOrEqualTo: $now}}) {
      nodes { slug title publishAt author { name } cover { id objectKey } }
    }
  }
}`

// q3Kimhub asks kimhub what q3PG asks PostGraphile, and nothing more: the
// comparison is of the same work (kimhub computes only the figures a
// document selects).
const q3Kimhub = `
query Q3($code: String!, $from: Date!, $to: Date!) {
  regionStats(code: $code, from: $from, to: $to, granularity: WEEK) {
    communities { total byStatus { status count } byCategory { category count } }
    members { active joined left }
    posts showcases views
    programs { disseminations reach }
    aspirations { submitted }
  }
}`

// q3Full is the whole of regionStats, as a dashboard shows it: what
// PostGraphile cannot say too (programmes published, coverage, the
// aspirations by status, their medians and the overdue count, the weekly
// series). kimhub only.
const q3Full = `
query Q3full($code: String!, $from: Date!, $to: Date!) {
  regionStats(code: $code, from: $from, to: $to, granularity: WEEK) {
    communities { total byStatus { status count } byCategory { category count } }
    members { active joined left }
    posts showcases views
    programs { published disseminations reach villagesWithKim villagesReached coveragePercent }
    aspirations { submitted byStatus { status count } medianAcknowledgeHours medianResponseHours overdue }
    series { from to posts showcases views joined disseminations reach aspirationsSubmitted aspirationsClosed }
  }
}`

// q3PG asks what PostGraphile with pg-aggregates can say: counts over the
// communities and sums over the regency summary activity_regency_daily
// (migration 00015: the table kimhub reads too, so that both sum the same
// rows), aspirations submitted included; not the medians, the overdue
// count, the weekly series, programme coverage or the aspirations by status.
const q3PG = `
query Q3($lo: String!, $hi: String!, $from: Date!, $to: Date!) {
  all: communities(filter: {domicileCode: {greaterThanOrEqualTo: $lo, lessThan: $hi}}) {
    totalCount
    groupedAggregates(groupBy: STATUS) { keys distinctCount { id } }
  }
  active: communities(filter: {domicileCode: {greaterThanOrEqualTo: $lo, lessThan: $hi}, status: {equalTo: "ACTIVE"}}) {
    aggregates { sum { memberCount } }
    groupedAggregates(groupBy: CATEGORY) { keys distinctCount { id } }
  }
  activityRegencyDailies(filter: {regencyCode: {greaterThanOrEqualTo: $lo, lessThan: $hi},
                                  day: {greaterThanOrEqualTo: $from, lessThanOrEqualTo: $to}}) {
    aggregates { sum { posts showcases views joined leftMembers disseminations reach aspSubmitted } }
  }
}`

var writeSeq = struct{ prefix string }{fmt.Sprintf("r%x", time.Now().UnixNano()%0xffffffff)}

// writeToken makes each write mix's title (and so its slug) its own.
var writeN = newCounter()

func queries() []query {
	return []query{
		{
			Name: "Q1", What: "a regency feed: 20 posts with author, community and cover",
			Kimhub: func(t *targets) any { return gqlBody(q1Kimhub, map[string]any{"code": t.Regency}) },
			PG: func(t *targets) any {
				return gqlBody(q1PG, map[string]any{"lo": t.Regency, "hi": t.Regency + "/", "now": t.Now})
			},
			NormKimhub: func(d any) any { return normPosts(dig(d, "posts", "nodes"), true) },
			NormPG:     func(d any) any { return normPosts(dig(d, "posts", "nodes"), false) },
		},
		{
			Name: "Q2", What: "a province → its regencies → 10 communities each → 5 posts each → author",
			Kimhub: func(t *targets) any { return gqlBody(q2Kimhub, map[string]any{"code": t.Province}) },
			PG:     func(t *targets) any { return gqlBody(q2PG, map[string]any{"code": t.Province, "now": t.Now}) },
			NormKimhub: func(d any) any {
				return normQ2(dig(d, "region", "name"), dig(d, "region", "children", "nodes"), "communities")
			},
			NormPG: func(d any) any {
				return normQ2(dig(d, "region", "name"), dig(d, "region", "regionsByParentCode", "nodes"), "subtreeCommunities")
			},
		},
		{
			Name: "Q3", What: "regionStats of a regency over 30 days, the figures PostGraphile can compute too, as an ADMIN of it", Auth: true,
			Kimhub: func(t *targets) any {
				return gqlBody(q3Kimhub, map[string]any{"code": t.Regency, "from": t.From, "to": t.To})
			},
			PG: func(t *targets) any {
				return gqlBody(q3PG, map[string]any{"lo": t.Regency, "hi": t.Regency + "/", "from": t.From, "to": t.To})
			},
			NormKimhub: normStatsKimhub, NormPG: normStatsPG,
			Partial: "both are asked the same figures, the counts and sums PostGraphile can express (communities by status and " +
				"category, members, and the sums over the regency summary activity_regency_daily of posts, showcases, views, joined, left, " +
				"disseminations, reach and aspirations submitted), from the same tables; kimhub's statement also groups the sums by week (its series). " +
				"The rest of regionStats (the medians, the overdue count, programme coverage, aspirations by status) is Q3full, kimhub only",
		},
		{
			Name: "Q3full", What: "the whole of regionStats of the same regency and period (kimhub only: PostGraphile cannot say the rest)",
			Auth: true,
			Kimhub: func(t *targets) any {
				return gqlBody(q3Full, map[string]any{"code": t.Regency, "from": t.From, "to": t.To})
			},
		},
		{
			Name: "Q4", What: "a community page: members, showcases, posts",
			Kimhub: func(t *targets) any { return gqlBody(q4Kimhub, map[string]any{"slug": t.Community}) },
			PG:     func(t *targets) any { return gqlBody(q4PG, map[string]any{"slug": t.Community, "now": t.Now}) },
			NormKimhub: func(d any) any {
				c := dig(d, "community")
				return normQ4(c, dig(c, "members", "nodes"), true)
			},
			NormPG: func(d any) any {
				c := dig(d, "communityBySlug")
				return normQ4(c, dig(c, "memberships", "nodes"), false)
			},
		},
		{
			Name: "Q5", What: "the write mix: create, submit and publish a post (three requests, timed as one)",
			Auth: true, KimhubChain: kimhubWrite, PGChain: pgWrite,
			NormKimhub: func(d any) any { return normWrite(dig(d, "publishPost", "post")) },
			NormPG:     func(d any) any { return normWrite(dig(d, "updatePost", "post")) },
			Partial: "PostGraphile's create and updates are plain row writes: none of kimhub's permission checks, " +
				"state machine, Markdown rendering, audit entry or notification",
		},
	}
}

func kimhubWrite(t *targets) func(do func(any) ([]byte, error)) ([]byte, error) {
	return func(do func(any) ([]byte, error)) ([]byte, error) {
		n := writeN.next()
		title := fmt.Sprintf("Kabar bench %s-%d", writeSeq.prefix, n)
		c := t.WriteCommunities[int(n)%len(t.WriteCommunities)]
		out, err := do(gqlBody(`mutation($in: CreatePostInput!) { createPost(input: $in) { post { id slug status } } }`,
			map[string]any{"in": map[string]any{"communityId": relay.ID("Community", fmt.Sprint(c)),
				"title": title, "body": "Warga desa **gotong royong** membersihkan sungai.", "tags": []string{"bench"}}}))
		if err != nil {
			return out, err
		}
		id, _ := dig(decode(out), "data", "createPost", "post", "id").(string)
		if out, err = do(gqlBody(`mutation($id: ID!) { submitPost(input: {postId: $id}) { post { id status } } }`,
			map[string]any{"id": id})); err != nil {
			return out, err
		}
		// The fields PostGraphile's document asks of its update (until
		// run 31 kimhub's also asked the post's community { id }: one
		// statement more, 18 a mix instead of 17, for a field the other
		// side did not read).
		return do(gqlBody(`mutation($id: ID!) { publishPost(input: {postId: $id}) { post { id slug title status publishAt } } }`,
			map[string]any{"id": id}))
	}
}

func pgWrite(t *targets) func(do func(any) ([]byte, error)) ([]byte, error) {
	return func(do func(any) ([]byte, error)) ([]byte, error) {
		n := writeN.next()
		title := fmt.Sprintf("Kabar bench %s-%d", writeSeq.prefix, n)
		body := "Warga desa **gotong royong** membersihkan sungai."
		out, err := do(gqlBody(`mutation($in: CreatePostInput!) { createPost(input: $in) { post { id slug status } } }`,
			map[string]any{"in": map[string]any{"post": map[string]any{
				"communityId": t.WriteCommunities[int(n)%len(t.WriteCommunities)], "authorId": t.AccountID, "title": title,
				"slug": fmt.Sprintf("kabar-bench-%s-%d", writeSeq.prefix, n), "body": body,
				"bodyHtml": "<p>Warga desa <strong>gotong royong</strong> membersihkan sungai.</p>", "excerpt": body,
				"regionCode": t.WriteRegion, "status": "DRAFT"}}}))
		if err != nil {
			return out, err
		}
		id := dig(decode(out), "data", "createPost", "post", "id")
		if out, err = do(gqlBody(`mutation($id: BigInt!) { updatePost(input: {id: $id, patch: {status: "IN_REVIEW"}}) { post { id status } } }`,
			map[string]any{"id": id})); err != nil {
			return out, err
		}
		return do(gqlBody(`mutation($id: BigInt!, $now: Datetime!) {
			updatePost(input: {id: $id, patch: {status: "PUBLISHED", publishAt: $now, updatedAt: $now}}) { post { id slug title status publishAt } } }`,
			map[string]any{"id": id, "now": time.Now().UTC().Format(time.RFC3339Nano)}))
	}
}

// Normalisation: both answers become the same plain values (IDs as their
// numeric keys, times in UTC to the microsecond, covers as asset IDs).

func decode(b []byte) any {
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

func dig(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func list(v any) []any { l, _ := v.([]any); return l }

func normTime(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// key is an object's numeric key: kimhub gives a global ID, PostGraphile
// the column (a BigInt, as a string).
func key(v any, global bool) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if global {
		if _, k, err := relay.ParseID(s); err == nil {
			return k
		}
	}
	return s
}

func normPosts(nodes any, kimhub bool) any {
	var out []any
	for _, p := range list(nodes) {
		cover := dig(p, "cover")
		if cover != nil {
			cover = key(dig(cover, "id"), kimhub)
		}
		out = append(out, map[string]any{"slug": dig(p, "slug"), "title": dig(p, "title"), "publishAt": normTime(dig(p, "publishAt")),
			"author": dig(p, "author", "name"), "community": dig(p, "community", "slug"), "cover": cover})
	}
	return out
}

func normQ2(name, regencies any, communitiesField string) any {
	var rs []any
	for _, r := range list(regencies) {
		var cs []any
		for _, c := range list(dig(r, communitiesField, "nodes")) {
			var ps []any
			for _, p := range list(dig(c, "posts", "nodes")) {
				ps = append(ps, []any{dig(p, "slug"), dig(p, "title"), dig(p, "author", "name")})
			}
			cs = append(cs, map[string]any{"slug": dig(c, "slug"), "name": dig(c, "name"), "posts": ps})
		}
		rs = append(rs, map[string]any{"code": dig(r, "code"), "name": dig(r, "name"), "communities": cs})
	}
	return map[string]any{"name": name, "regencies": rs}
}

func normQ4(c, members any, kimhub bool) any {
	if c == nil {
		return nil
	}
	var ms, ss []any
	for _, m := range list(members) {
		ms = append(ms, []any{dig(m, "role"), dig(m, "account", "name")})
	}
	for _, s := range list(dig(c, "showcases", "nodes")) {
		ss = append(ss, []any{dig(s, "slug"), dig(s, "title")})
	}
	return map[string]any{"name": dig(c, "name"), "slug": dig(c, "slug"), "memberCount": dig(c, "memberCount"),
		"members": ms, "showcases": ss, "posts": normPosts(dig(c, "posts", "nodes"), kimhub)}
}

// num makes a number (PostGraphile sums are BigFloat strings) a float.
func num(v any) any {
	switch v := v.(type) {
	case float64:
		return v
	case string:
		var f float64
		if _, err := fmt.Sscan(v, &f); err == nil {
			return f
		}
	case nil:
		return 0.0
	}
	return v
}

func counts(l any, keyField, countPath string, pg bool) map[string]any {
	out := map[string]any{}
	for _, e := range list(l) {
		var k, n any
		if pg {
			k, n = list(dig(e, "keys"))[0], num(dig(e, "distinctCount", "id"))
		} else {
			k, n = dig(e, keyField), num(dig(e, countPath))
		}
		if n != 0.0 {
			out[fmt.Sprint(k)] = n
		}
	}
	return out
}

func normStatsKimhub(d any) any {
	s := dig(d, "regionStats")
	return map[string]any{
		"communities": num(dig(s, "communities", "total")),
		"byStatus":    counts(dig(s, "communities", "byStatus"), "status", "count", false),
		"byCategory":  counts(dig(s, "communities", "byCategory"), "category", "count", false),
		"members":     num(dig(s, "members", "active")), "joined": num(dig(s, "members", "joined")), "left": num(dig(s, "members", "left")),
		"posts": num(dig(s, "posts")), "showcases": num(dig(s, "showcases")), "views": num(dig(s, "views")),
		"disseminations": num(dig(s, "programs", "disseminations")), "reach": num(dig(s, "programs", "reach")),
		"aspirations": num(dig(s, "aspirations", "submitted")),
	}
}

func normStatsPG(d any) any {
	sum := func(f string) any { return num(dig(d, "activityRegencyDailies", "aggregates", "sum", f)) }
	return map[string]any{
		"communities": num(dig(d, "all", "totalCount")),
		"byStatus":    counts(dig(d, "all", "groupedAggregates"), "", "", true),
		"byCategory":  counts(dig(d, "active", "groupedAggregates"), "", "", true),
		"members":     num(dig(d, "active", "aggregates", "sum", "memberCount")), "joined": sum("joined"), "left": sum("leftMembers"),
		"posts": sum("posts"), "showcases": sum("showcases"), "views": sum("views"),
		"disseminations": sum("disseminations"), "reach": sum("reach"),
		"aspirations": sum("aspSubmitted"),
	}
}

func normWrite(p any) any {
	title, _ := dig(p, "title").(string)
	return map[string]any{"status": dig(p, "status"), "published": dig(p, "publishAt") != nil,
		"title": strings.HasPrefix(title, "Kabar bench "+writeSeq.prefix)}
}
