package publishing

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/jmoiron/sqlx/reflectx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// FeedFilter narrows a feed of published items. Zero fields do not filter.
type FeedFilter struct {
	Tags     []string       // posts: any of these tags
	Kinds    []ShowcaseKind // showcases: any of these kinds
	Featured *bool          // only featured (or only not)
	From, To *time.Time     // published within [From, To)
	Search   string         // full text, Indonesian stemming; results ranked

	// OmitBodies leaves the items' bodies out of the page (Post.Body and
	// BodyHTML, Showcase.Description and DescriptionHTML are empty): for
	// lists that do not show them, which then neither read nor decode up
	// to 100,000 characters per item. It is part of a loader's key, so a
	// page without bodies never answers a query that asks for them.
	OmitBodies bool `json:",omitempty"`
	// Headlines reads only HeadlineColumns (the other fields of the items
	// are zero): for lists that show no more than what those columns
	// hold, whose rows are then a third as wide to send and decode. Part
	// of a loader's key, like OmitBodies.
	Headlines bool `json:",omitempty"`
	// Authors and Communities also read each item's author (its
	// account.ListColumns) and community (community.Columns) in the
	// feed's statement, into Item.Author and Item.Community: for lists
	// that show them, which then need no statement of their own. Part of
	// a loader's key.
	Authors     bool `json:",omitempty"`
	Communities bool `json:",omitempty"`
	// Bylines, in place of Authors, reads only each author's
	// account.BylineColumns, into Item.Byline: for lists that show no more
	// of their authors than their names, whose rows then carry two of an
	// account's eight columns. Part of a loader's key.
	Bylines bool `json:",omitempty"`
	// CommunityHeadlines, in place of Communities, reads only each
	// community's community.HeadlineColumns, into Item.CommunityHeadline:
	// for lists that show no more of their communities than those hold.
	// Part of a loader's key.
	CommunityHeadlines bool `json:",omitempty"`
}

// The kinds of item, as cursor kinds and messages name them.
const (
	Posts     = "post"
	Showcases = "showcase"
)

// FeedCursorKind tags the feed cursors of a kind of item (Posts,
// Showcases); a ranked search has its own, so that no cursor crosses over.
func FeedCursorKind(kind, search string) string {
	if strings.TrimSpace(search) != "" {
		return kind + "-search"
	}
	return kind + "-feed"
}

// StatusCursorKind tags the cursors of CommunityPosts and
// CommunityShowcases.
func StatusCursorKind(kind string) string { return kind + "-status" }

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
	return feed[Post](ctx, s.DB, by, keys, f, p)
}

// ShowcaseFeed is Feed for showcases.
func (s *Service) ShowcaseFeed(ctx context.Context, by By, keys []string, f FeedFilter, p relay.Page) (map[string]relay.Connection[*Showcase], error) {
	return feed[Showcase](ctx, s.DB, by, keys, f, p)
}

func feed[T content](ctx context.Context, db *sqlx.DB, by By, keys []string, f FeedFilter, p relay.Page) (map[string]relay.Connection[*T], error) {
	t := tableOf[T]()
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	// Each key's page is a LATERAL subquery with its own ORDER BY and
	// LIMIT: PostgreSQL walks an index from the cursor and stops after the
	// page, for the first page as for the thousandth. Keys are grouped in
	// blocks that share their match (one per region level), joined by
	// UNION ALL.
	type block struct{ keys, match string }
	var blocks []block
	switch by {
	case ByRegion:
		if len(keys) == 0 {
			return map[string]relay.Connection[*T]{}, nil
		}
		// A subtree is matched by its level's prefix of the code, which
		// has an index in publish order (migration 00013): a range of
		// codes over the one index of codes cannot be read in publish
		// order, so PostgreSQL walked the country's newest items and kept
		// the key's, which slowed a regency's feed down ten times once
		// others had published a few thousand items since its last.
		levels, err := region.GroupByLevel(keys, "regionCode")
		if err != nil {
			return nil, err
		}
		for _, l := range levels {
			blocks = append(blocks, block{"unnest(" + arg(pq.Array(l.Codes)) + "::text[]) AS k(key)",
				region.SubtreeMatch("p.region_code", "k.key", l.Level)})
		}
	case ByCommunity:
		blocks = []block{{"unnest(" + arg(pq.Array(keys)) + "::bigint[]) AS k(key)", "p.community_id = k.key"}}
	case Everywhere:
		blocks, keys = []block{{"(VALUES ('')) AS k(key)", "TRUE"}}, []string{""}
	}
	from := t.name + " p"
	var joined []string
	switch {
	case f.Authors:
		from += " JOIN accounts a ON a.id = p.author_id"
		joined = append(joined, postgres.Nested(account.ListColumns, "a", "author"))
	case f.Bylines:
		from += " JOIN accounts a ON a.id = p.author_id"
		joined = append(joined, postgres.Nested(account.BylineColumns, "a", "byline"))
	}
	active := "EXISTS (SELECT 1 FROM communities c WHERE c.id = p.community_id AND c.status = 'ACTIVE')"
	switch {
	case f.Communities:
		joined = append(joined, postgres.Nested(community.Columns, "c", "community"))
	case f.CommunityHeadlines:
		joined = append(joined, postgres.Nested(community.HeadlineColumns, "c", "community_headline"))
	}
	if f.Communities || f.CommunityHeadlines {
		from += " JOIN communities c ON c.id = p.community_id"
		active = "c.status = 'ACTIVE'"
	}
	where := []string{"p.status = 'PUBLISHED'", "p.publish_at <= now()", active}
	if len(f.Tags) > 0 {
		if t.name != postTable.name {
			return nil, apperr.Invalid("tags", "only posts have tags")
		}
		where = append(where, "EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = ANY("+arg(pq.Array(lowerAll(f.Tags)))+"))")
	}
	if len(f.Kinds) > 0 {
		if t.name != showTable.name {
			return nil, apperr.Invalid("kinds", "only showcases have kinds")
		}
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		where = append(where, "p.kind = ANY("+arg(pq.Array(kinds))+")")
	}
	if f.Featured != nil {
		// Written into the statement: a plan made once for both values
		// could not use the index of featured items (migration 00016).
		if *f.Featured {
			where = append(where, "p.featured")
		} else {
			where = append(where, "NOT p.featured")
		}
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
	// The rows only need each key's items together and in order: text
	// keys sort bytewise, community ids as numbers (a collation's
	// comparisons were a third of a nested feed's statement).
	keyOrder := ` COLLATE "C"`
	if by == ByCommunity {
		keyOrder = ""
	}
	columns := t.columns
	switch {
	case f.Headlines:
		columns = HeadlineColumns
	case f.OmitBodies:
		columns = t.listColumns
	}
	// A ranked search returns its rank (the cursor's key); a plain feed's
	// sort value is publish_at, which the row has already.
	sortCol, outerSort := "", "publish_at"
	if q != "" {
		sortCol, outerSort = sortExpr+" AS sort_value, ", "sort_value"
	}
	selected := strings.Join(append([]string{postgres.Qualify(columns, "p")}, joined...), ", ")
	limit := p.FetchSQL()
	parts := make([]string, len(blocks))
	for i, b := range blocks {
		parts[i] = `SELECT k.key AS feed_key, x.* FROM ` + b.keys + ` CROSS JOIN LATERAL (
		SELECT ` + sortCol + selected + `
		FROM ` + from + ` WHERE ` + strings.Join(append([]string{b.match}, where...), " AND ") + `
		ORDER BY ` + sortExpr + ` ` + dir + `, p.id ` + dir + ` LIMIT ` + limit + `
	) x`
	}
	stmt := `SELECT * FROM (` + strings.Join(parts, "\n\tUNION ALL\n\t") + `) u
	ORDER BY u.feed_key` + keyOrder + `, u.` + outerSort + ` ` + dir + `, u.id ` + dir
	// A search is planned for its words and keys: planned once for all,
	// it matched a common word's hundreds of thousands of items through
	// the text index before a quiet regency's few (118 ms against 12).
	var rows []feedRow[T]
	err := postgres.Read(ctx, db, q != "", func(qr sqlx.QueryerContext) (err error) {
		rows, err = scanFeed[T](ctx, qr, db.Mapper, stmt, args)
		return err
	})
	if err != nil {
		return nil, postgres.MapError(err, t.noun+" feed", "")
	}
	by2 := map[string][]*T{}
	ranks := map[int64]float64{}
	for _, r := range rows {
		by2[r.key] = append(by2[r.key], r.item)
		if q != "" {
			ranks[itemOf(r.item).ID] = r.rank
		}
	}
	kind := FeedCursorKind(t.noun, q)
	cursor := func(v *T) string {
		it := itemOf(v)
		if q != "" {
			return relay.Cursor(kind, ranks[it.ID], it.ID)
		}
		return relay.Cursor(kind, it.PublishAt, it.ID)
	}
	out := make(map[string]relay.Connection[*T], len(keys))
	for _, k := range keys {
		out[k] = relay.Build(p, by2[k], cursor)
	}
	return out, nil
}

// feedRow is one row of a feed query: its key, its rank (a search's), the
// item.
type feedRow[T content] struct {
	key  string
	rank float64
	item *T
}

// scanFeed runs a feed query. Columns are matched to the item's fields by
// their db tags once per query (sqlx's mapper), and each row is scanned
// straight into a new item.
func scanFeed[T content](ctx context.Context, db sqlx.QueryerContext, mapper *reflectx.Mapper, stmt string, args []any) ([]feedRow[T], error) {
	rows, err := db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	fields := mapper.TraversalsByName(reflect.TypeFor[T](), cols)
	var out []feedRow[T]
	dest := make([]any, len(cols))
	for rows.Next() {
		r := feedRow[T]{item: new(T)}
		v := reflect.ValueOf(r.item).Elem()
		for i, c := range cols {
			switch {
			case c == "feed_key":
				dest[i] = &r.key
			case c == "sort_value":
				dest[i] = &r.rank
			case len(fields[i]) > 0:
				dest[i] = fieldAddr(v, fields[i])
			default:
				return nil, fmt.Errorf("publishing: no field for the column %q", c)
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// fieldAddr is the address of the field at index path idx of the struct
// v, allocating the structs on the way (a joined author) but not the field
// itself: a nullable column's pointer is left for Scan to set, or to leave
// nil for NULL, where reflectx.FieldByIndexes would allocate it first.
func fieldAddr(v reflect.Value, idx []int) any {
	parent := reflect.Indirect(reflectx.FieldByIndexes(v, idx[:len(idx)-1]))
	return parent.Field(idx[len(idx)-1]).Addr().Interface()
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
	return postgres.SelectGrouped[int64, string](ctx, s.DB, "post tags",
		`SELECT post_id, tag FROM post_tags WHERE post_id = ANY($1) ORDER BY post_id, tag`, pq.Array(ids))
}

// MediaOf returns each post's attached asset ids, in order.
func (s *Service) MediaOf(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return mediaOf(ctx, s.DB, postTable, ids)
}

// GalleryOf returns each showcase's gallery asset ids, in order.
func (s *Service) GalleryOf(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return mediaOf(ctx, s.DB, showTable, ids)
}

func mediaOf(ctx context.Context, db *sqlx.DB, t table, ids []int64) (map[int64][]int64, error) {
	return postgres.SelectGrouped[int64, int64](ctx, db, t.noun+" media", `SELECT `+t.mediaKey+`, asset_id FROM `+t.media+`
		WHERE `+t.mediaKey+` = ANY($1) ORDER BY 1, position`, pq.Array(ids))
}

// CommunityPosts lists a community's posts in one status, newest first:
// PUBLISHED ones for anyone who sees the community, the others only for its
// EDITORs, CHAIRs and the ADMINs over it.
func (s *Service) CommunityPosts(ctx context.Context, actor access.Actor, communityID int64, status Status, p relay.Page) (relay.Connection[*Post], error) {
	return byStatus[Post](ctx, s.DB, actor, communityID, status, p)
}

// CommunityShowcases is CommunityPosts for showcases.
func (s *Service) CommunityShowcases(ctx context.Context, actor access.Actor, communityID int64, status Status, p relay.Page) (relay.Connection[*Showcase], error) {
	return byStatus[Showcase](ctx, s.DB, actor, communityID, status, p)
}

func byStatus[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, communityID int64, status Status, p relay.Page) (relay.Connection[*T], error) {
	t := tableOf[T]()
	var none relay.Connection[*T]
	sc, err := loadScope(ctx, db, actor.AccountID, communityID)
	if err != nil {
		return none, postgres.MapError(err, t.noun+" scope", "no such community")
	}
	if status != Published {
		if err := access.Check(actor, access.ReadUnpublished, sc.resource(&Item{CommunityID: communityID})); err != nil {
			return none, err
		}
	}
	// The status is written into the statement (a handful of texts): a
	// plan made once for all values (postgres.StatementCache) could not
	// tell a community's few drafts from its thousands of published items.
	args := []any{communityID}
	cond := " AND status = " + pq.QuoteLiteral(string(status))
	if status == Published {
		cond += " AND publish_at <= now()"
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
	var rows []*T
	if err := db.SelectContext(ctx, &rows, `SELECT `+t.columns+` FROM `+t.name+` WHERE community_id = $1`+cond+
		` ORDER BY id `+order+` LIMIT `+p.FetchSQL(), args...); err != nil {
		return none, postgres.MapError(err, "community "+t.noun+"s", "")
	}
	return relay.Build(p, rows, func(x *T) string { return relay.Cursor(StatusCursorKind(t.noun), itemOf(x).ID) }), nil
}

// Only returns the connection of a feed read for at most one key (a
// top-level feed): the one under that key, or under "" when there is none.
func Only[T any](conns map[string]relay.Connection[T], keys []string) relay.Connection[T] {
	key := ""
	if len(keys) == 1 {
		key = keys[0]
	}
	return conns[key]
}
