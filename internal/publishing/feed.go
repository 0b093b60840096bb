package publishing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// FeedFilter narrows a feed of published posts. Zero fields do not filter.
type FeedFilter struct {
	Tags     []string   // any of these tags
	Featured *bool      // only featured (or only not)
	From, To *time.Time // published within [From, To)
	Search   string     // full text, Indonesian stemming; results ranked
}

// FeedCursorKind tags feed cursors; a ranked search has its own.
func FeedCursorKind(search string) string {
	if strings.TrimSpace(search) != "" {
		return "post-search"
	}
	return "post-feed"
}

// By says what a feed is keyed by: the regions whose subtrees it covers, or
// the communities it is of.
type By int

// Feed keys.
const (
	ByRegion By = iota
	ByCommunity
	Everywhere // one feed of all published posts, under the key ""
)

// Feed returns one page of published posts (due now, of ACTIVE
// communities) for each key: the subtree of a region code, or a community
// id. Newest first, or by rank for a search; keyset pagination on
// (publish_at, id) or (rank, id), so page 1000 costs what page 1 costs.
// One statement serves every key (the batch behind Region.posts and
// Community.posts).
func (s *Service) Feed(ctx context.Context, by By, keys []string, f FeedFilter, p relay.Page) (map[string]relay.Connection[*Post], error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	// Each key's page is a LATERAL subquery with its own ORDER BY and
	// LIMIT: PostgreSQL walks an index from the cursor and stops after the
	// page, for the first page as for the thousandth.
	var keysSQL, match, key string
	switch by {
	case ByRegion:
		for _, k := range keys {
			if _, err := region.LevelOf(k); err != nil {
				return nil, apperr.Invalid("regionCode", "%q is not a region code", k)
			}
		}
		keysSQL = "unnest(" + arg(pq.Array(keys)) + "::text[]) AS k(key)"
		// A subtree as a range of codes: "64.02" up to "64.02/" ('/'
		// sorts right after '.', before the digits) takes 64.02 and
		// 64.02.*, not 64.021.
		match = "p.region_code >= k.key AND p.region_code < k.key || '/'"
		key = "k.key"
	case ByCommunity:
		keysSQL = "unnest(" + arg(pq.Array(keys)) + "::bigint[]) AS k(key)"
		match = "p.community_id = k.key"
		key = "k.key::text"
	case Everywhere:
		keysSQL, match, key, keys = "(VALUES ('')) AS k(key)", "TRUE", "k.key", []string{""}
	}
	where := []string{match, "p.status = 'PUBLISHED'", "p.publish_at <= now()",
		"EXISTS (SELECT 1 FROM communities c WHERE c.id = p.community_id AND c.status = 'ACTIVE')"}
	if len(f.Tags) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = ANY("+arg(pq.Array(lowerAll(f.Tags)))+"))")
	}
	if f.Featured != nil {
		where = append(where, "p.featured = "+arg(*f.Featured))
	}
	if f.From != nil {
		where = append(where, "p.publish_at >= "+arg(*f.From))
	}
	if f.To != nil {
		where = append(where, "p.publish_at < "+arg(*f.To))
	}
	sortExpr := "p.publish_at"
	q := strings.TrimSpace(f.Search)
	if q != "" {
		if len(q) > 200 {
			return nil, apperr.Invalid("search", "search is longer than 200 characters")
		}
		tsq := "websearch_to_tsquery('indonesian', " + arg(q) + ")"
		where = append(where, "p.search @@ "+tsq)
		sortExpr = "ts_rank_cd(p.search, " + tsq + ")::float8"
	}
	desc := !p.Backward
	dir, op := "DESC", "<"
	if !desc {
		dir, op = "ASC", ">"
	}
	if p.HasCursor() {
		var id int64
		if q != "" {
			var rank float64
			if err := p.Cursor(&rank, &id); err != nil {
				return nil, err
			}
			where = append(where, fmt.Sprintf("(%s, p.id) %s (%s, %s)", sortExpr, op, arg(rank), arg(id)))
		} else {
			var at time.Time
			if err := p.Cursor(&at, &id); err != nil {
				return nil, err
			}
			where = append(where, fmt.Sprintf("(p.publish_at, p.id) %s (%s, %s)", op, arg(at), arg(id)))
		}
	}
	stmt := `SELECT ` + key + ` AS feed_key, x.* FROM ` + keysSQL + ` CROSS JOIN LATERAL (
		SELECT ` + sortExpr + ` AS sort_value, ` + prefixedColumns("p") + `
		FROM posts p WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY ` + sortExpr + ` ` + dir + `, p.id ` + dir + ` LIMIT ` + arg(p.Fetch()) + `
	) x ORDER BY feed_key, x.sort_value ` + dir + `, x.id ` + dir
	var rows []struct {
		FeedKey   string `db:"feed_key"`
		SortValue any    `db:"sort_value"`
		Post
	}
	if err := s.DB.SelectContext(ctx, &rows, stmt, args...); err != nil {
		return nil, postgres.MapError(err, "post feed", "")
	}
	by2 := map[string][]*Post{}
	ranks := map[int64]float64{}
	for i := range rows {
		by2[rows[i].FeedKey] = append(by2[rows[i].FeedKey], &rows[i].Post)
		if r, ok := rows[i].SortValue.(float64); ok {
			ranks[rows[i].ID] = r
		}
	}
	kind := FeedCursorKind(q)
	cursor := func(p *Post) string {
		if q != "" {
			return relay.Cursor(kind, ranks[p.ID], p.ID)
		}
		return relay.Cursor(kind, p.PublishAt, p.ID)
	}
	out := make(map[string]relay.Connection[*Post], len(keys))
	for _, k := range keys {
		out[k] = relay.Build(p, by2[k], cursor)
	}
	return out, nil
}

func prefixedColumns(alias string) string {
	parts := strings.Split(postColumns, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// lowerAll puts tags in the form they are stored in.
func lowerAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.ToLower(strings.Join(strings.Fields(x), " "))
	}
	return out
}

// TagsOf returns each post's tags.
func (s *Service) TagsOf(ctx context.Context, ids []int64) (map[int64][]string, error) {
	var rows []struct {
		PostID int64  `db:"post_id"`
		Tag    string `db:"tag"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT post_id, tag FROM post_tags WHERE post_id = ANY($1) ORDER BY post_id, tag`, pq.Array(ids)); err != nil {
		return nil, postgres.MapError(err, "post tags", "")
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.PostID] = append(out[r.PostID], r.Tag)
	}
	return out, nil
}

// MediaOf returns each post's attached asset ids, in order.
func (s *Service) MediaOf(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	var rows []struct {
		PostID  int64 `db:"post_id"`
		AssetID int64 `db:"asset_id"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT post_id, asset_id FROM post_media WHERE post_id = ANY($1) ORDER BY post_id, position`, pq.Array(ids)); err != nil {
		return nil, postgres.MapError(err, "post media", "")
	}
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.PostID] = append(out[r.PostID], r.AssetID)
	}
	return out, nil
}

// CommunityPosts lists a community's posts in one status, newest first:
// PUBLISHED ones for anyone who sees the community, the others only for its
// members and the ADMINs over it.
func (s *Service) CommunityPosts(ctx context.Context, actor access.Actor, communityID int64, status Status, p relay.Page) (relay.Connection[*Post], error) {
	var none relay.Connection[*Post]
	sc, err := loadScope(ctx, s.DB, actor.AccountID, communityID)
	if err != nil {
		return none, postgres.MapError(err, "post scope", "no such community")
	}
	if status != Published && !access.Allowed(actor, access.ReadUnpublished, sc.resource(&Post{CommunityID: communityID})) {
		return none, apperr.New(apperr.Forbidden, "only the community's EDITORs and CHAIRs and the ADMINs over it see its %s posts", status)
	}
	args := []any{communityID, status}
	cond := ""
	if status == Published {
		cond = " AND publish_at <= now()"
	}
	order, op := "DESC", "<"
	if p.Backward {
		order, op = "ASC", ">"
	}
	if p.HasCursor() {
		var id int64
		if err := p.Cursor(&id); err != nil {
			return none, err
		}
		args = append(args, id)
		cond += fmt.Sprintf(" AND id %s $%d", op, len(args))
	}
	args = append(args, p.Fetch())
	var rows []*Post
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+postColumns+` FROM posts WHERE community_id = $1 AND status = $2`+cond+
		` ORDER BY id `+order+fmt.Sprintf(` LIMIT $%d`, len(args)), args...); err != nil {
		return none, postgres.MapError(err, "community posts", "")
	}
	return relay.Build(p, rows, func(x *Post) string { return relay.Cursor(StatusCursorKind, x.ID) }), nil
}

// StatusCursorKind tags the cursors of CommunityPosts.
const StatusCursorKind = "post-status"
