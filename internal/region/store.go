package region

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/relay"
)

// CursorKind tags the cursors of region lists.
const CursorKind = "region"

// Store reads and writes regions in PostgreSQL.
type Store struct {
	DB *sqlx.DB
}

// NewStore returns a Store over db.
func NewStore(db *sqlx.DB) *Store { return &Store{DB: db} }

const regionColumns = `code, name, level, parent_code`

// Get returns the region with code, or NOT_FOUND.
func (s *Store) Get(ctx context.Context, code string) (*Region, error) {
	if _, err := LevelOf(code); err != nil {
		return nil, err
	}
	var r Region
	err := s.DB.GetContext(ctx, &r, `SELECT `+regionColumns+` FROM regions WHERE code = $1`, code)
	if err != nil {
		return nil, postgres.MapError(err, "get region", fmt.Sprintf("no region has code %s", code))
	}
	return &r, nil
}

// ByCodes returns the regions among codes that exist, keyed by code; the
// batch behind the per-request region loader.
func (s *Store) ByCodes(ctx context.Context, codes []string) (map[string]*Region, error) {
	var rows []*Region
	err := s.DB.SelectContext(ctx, &rows,
		`SELECT `+regionColumns+` FROM regions WHERE code = ANY($1)`, pq.Array(codes))
	if err != nil {
		return nil, postgres.MapError(err, "regions by code", "")
	}
	out := make(map[string]*Region, len(rows))
	for _, r := range rows {
		out[r.Code] = r
	}
	return out, nil
}

// Filter narrows a region list. Zero fields do not filter.
type Filter struct {
	// ParentCode lists the direct children of a region.
	ParentCode *string
	Level      *Level
	// Search matches a part of the name, ignoring case.
	Search string
}

// MaxSearchLength bounds a name search.
const MaxSearchLength = 100

func (f Filter) validate() error {
	if f.ParentCode != nil {
		if _, err := LevelOf(*f.ParentCode); err != nil {
			return apperr.Invalid("parentCode", "parentCode %q is not a region code (e.g. 64.02)", *f.ParentCode)
		}
	}
	if f.Level != nil && !f.Level.Valid() {
		return apperr.Invalid("level", "unknown level %q", *f.Level)
	}
	if len(f.Search) > MaxSearchLength {
		return apperr.Invalid("search", "search is longer than %d characters", MaxSearchLength)
	}
	return nil
}

// List returns one page of the regions that match f, in code order (the tree
// walked depth-first).
func (s *Store) List(ctx context.Context, f Filter, p relay.Page) (relay.Connection[*Region], error) {
	if err := f.validate(); err != nil {
		return relay.Connection[*Region]{}, err
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.ParentCode != nil {
		where = append(where, "parent_code = "+arg(*f.ParentCode))
	}
	if f.Level != nil {
		where = append(where, "level = "+arg(string(*f.Level)))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		where = append(where, "name ILIKE "+arg("%"+escapeLike(q)+"%"))
	}
	keyset, order, err := codeKeyset(p, arg)
	if err != nil {
		return relay.Connection[*Region]{}, err
	}
	if keyset != "" {
		where = append(where, keyset)
	}
	q := `SELECT ` + regionColumns + ` FROM regions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY code ` + order + ` LIMIT ` + p.FetchSQL()
	var rows []*Region
	// A name search is planned for its pattern.
	if err := postgres.Select(ctx, s.DB, strings.TrimSpace(f.Search) != "", &rows, q, args...); err != nil {
		return relay.Connection[*Region]{}, postgres.MapError(err, "list regions", "")
	}
	return relay.Build(p, rows, regionCursor), nil
}

// Children returns one page of children for each of the parents, all pages
// cut by the same page arguments, in one statement: the batch behind the
// Region.children loader, so that a list of regions with their children costs
// one query, not one per region.
func (s *Store) Children(ctx context.Context, parents []string, p relay.Page) (map[string]relay.Connection[*Region], error) {
	args := []any{pq.Array(parents)}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	keyset, order, err := codeKeyset(p, arg)
	if err != nil {
		return nil, err
	}
	if keyset != "" {
		keyset = " AND " + keyset
	}
	q := `SELECT ` + regionColumns + ` FROM (
		SELECT ` + regionColumns + `, row_number() OVER (PARTITION BY parent_code ORDER BY code ` + order + `) AS n
		FROM regions WHERE parent_code = ANY($1)` + keyset + `
	) r WHERE n <= ` + arg(p.Fetch()) + ` ORDER BY parent_code, code ` + order
	var rows []*Region
	if err := s.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, postgres.MapError(err, "region children", "")
	}
	byParent := make(map[string][]*Region, len(parents))
	for _, r := range rows {
		byParent[*r.ParentCode] = append(byParent[*r.ParentCode], r)
	}
	out := make(map[string]relay.Connection[*Region], len(parents))
	for _, parent := range parents {
		out[parent] = relay.Build(p, byParent[parent], regionCursor)
	}
	return out, nil
}

// codeKeyset returns the keyset condition and sort order for a page of
// regions ordered by code.
func codeKeyset(p relay.Page, arg func(any) string) (cond, order string, err error) {
	order = "ASC"
	if p.Backward {
		order = "DESC"
	}
	if !p.HasCursor() {
		return "", order, nil
	}
	var after string
	if err := p.Cursor(&after); err != nil {
		return "", "", err
	}
	if p.Backward {
		return "code < " + arg(after), order, nil
	}
	return "code > " + arg(after), order, nil
}

func regionCursor(r *Region) string { return relay.Cursor(CursorKind, r.Code) }

// escapeLike quotes the LIKE wildcards in a user's search text.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
