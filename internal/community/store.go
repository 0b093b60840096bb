package community

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// Service keeps communities and their members.
type Service struct {
	DB *sqlx.DB
}

// CursorKind tags the cursors of community lists; the order is part of it,
// so that a cursor of one order is refused by another.
func CursorKind(o Order) string { return "community-" + strings.ToLower(string(o)) }

// Order is how a community list is sorted.
type Order string

// The orders of community lists.
const (
	ByName     Order = "NAME"        // A to Z
	Newest     Order = "NEWEST"      // the most recently registered first
	MostActive Order = "MOST_ACTIVE" // the most active members first
)

// Filter narrows a community list. Zero fields do not filter.
type Filter struct {
	Category *Category
	Fields   []string // any of these fields
	Status   *Status
	Search   string // a part of the name

	// Headlines reads only HeadlineColumns (the other fields of the
	// communities are zero): for lists that show no more than those
	// columns hold. Part of a loader's key, so a list of headlines never
	// answers a query that asks for more.
	Headlines bool `json:",omitempty"`
}

// visibility is the SQL condition on alias c for the communities actor may
// see; it mirrors access.ViewCommunityDraft: ACTIVE ones for everyone,
// others for their active members and the ADMINs over their domicile.
func visibility(actor access.Actor, arg func(any) string) string {
	if actor.Superadmin {
		return "TRUE"
	}
	conds := []string{"c.status = 'ACTIVE'"}
	if actor.SignedIn() {
		conds = append(conds, "EXISTS (SELECT 1 FROM memberships vm WHERE vm.community_id = c.id AND vm.account_id = "+
			arg(actor.AccountID)+" AND vm.status = 'ACTIVE')")
	}
	if scopes, _ := actor.Scopes(access.Admin); len(scopes) > 0 {
		patterns := make([]string, len(scopes))
		for i, sc := range scopes {
			patterns[i] = sc + ".%"
		}
		conds = append(conds, "(c.domicile_code = ANY("+arg(pq.Array(scopes))+") OR c.domicile_code LIKE ANY("+arg(pq.Array(patterns))+"))")
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// InviteeMaySee reports whether actor, not otherwise allowed to see a
// community, sees it through m: only as the invitee of an open invitation,
// so that the invitation can be answered.
func InviteeMaySee(actor access.Actor, m *Membership) bool {
	return actor.SignedIn() && m.AccountID == actor.AccountID && m.Status == Invited
}

// MayView reports whether actor may see c, given the actor's role in it.
func MayView(actor access.Actor, c *Community, role access.CommunityRole) bool {
	if Public(c) {
		return true
	}
	return access.Allowed(actor, access.ViewCommunityDraft, resource(c, role))
}

// Public says whether anyone may view c, whatever their role in it (an
// ACTIVE community): the viewer's role need not be read.
func Public(c *Community) bool { return c.Status == Active }

func resource(c *Community, role access.CommunityRole) access.Resource {
	r := access.Resource{CommunityRole: role}
	if c.DomicileCode != nil {
		r.RegionCode = *c.DomicileCode
	}
	return r
}

// ByIDs returns the communities among ids, unchecked: the batch behind the
// community loader, whose callers check MayView.
func (s *Service) ByIDs(ctx context.Context, ids []int64) (map[int64]*Community, error) {
	var rows []*Community
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+Columns+` FROM communities WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, postgres.MapError(err, "communities by id", "")
	}
	out := make(map[int64]*Community, len(rows))
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// Get returns a community the actor may see; NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*Community, error) {
	var c Community
	err := s.DB.GetContext(ctx, &c, `SELECT `+Columns+` FROM communities WHERE id = $1`, id)
	if err != nil {
		return nil, postgres.MapError(err, "get community", "no such community")
	}
	return s.visible(ctx, actor, &c)
}

// BySlug returns the community with a slug, if the actor may see it.
func (s *Service) BySlug(ctx context.Context, actor access.Actor, slug string) (*Community, error) {
	var c Community
	err := s.DB.GetContext(ctx, &c, `SELECT `+Columns+` FROM communities WHERE slug = $1`, strings.ToLower(strings.TrimSpace(slug)))
	if err != nil {
		return nil, postgres.MapError(err, "community by slug", fmt.Sprintf("no community has the slug %q", slug))
	}
	return s.visible(ctx, actor, &c)
}

func (s *Service) visible(ctx context.Context, actor access.Actor, c *Community) (*Community, error) {
	role, err := s.RoleOf(ctx, actor.AccountID, c.ID)
	if err != nil {
		return nil, err
	}
	if !MayView(actor, c, role) {
		return nil, apperr.NotFoundf("no such community")
	}
	return c, nil
}

// RoleOf returns the account's role in a community if it is an ACTIVE
// member, "" otherwise.
func (s *Service) RoleOf(ctx context.Context, accountID, communityID int64) (access.CommunityRole, error) {
	roles, err := s.Roles(ctx, accountID, []int64{communityID})
	return roles[communityID], err
}

// Roles returns the account's roles in the communities it is an ACTIVE
// member of, among ids: the batch behind Community.viewerRole and the
// visibility of nested fields.
func (s *Service) Roles(ctx context.Context, accountID int64, ids []int64) (map[int64]access.CommunityRole, error) {
	out := map[int64]access.CommunityRole{}
	if accountID == 0 {
		return out, nil
	}
	var rows []struct {
		CommunityID int64                `db:"community_id"`
		Role        access.CommunityRole `db:"role"`
	}
	err := s.DB.SelectContext(ctx, &rows, `SELECT community_id, role FROM memberships
		WHERE account_id = $1 AND community_id = ANY($2) AND status = 'ACTIVE'`, accountID, pq.Array(ids))
	if err != nil {
		return nil, postgres.MapError(err, "community roles", "")
	}
	for _, r := range rows {
		out[r.CommunityID] = r.Role
	}
	return out, nil
}

// List returns one page of the communities the actor may see, filtered and
// sorted, in the whole subtree of each of regions (all communities when
// regions is nil, under the key ""). One statement serves every region: the
// batch behind Region.communities.
func (s *Service) List(ctx context.Context, actor access.Actor, regions []string, f Filter, o Order, p relay.Page) (map[string]relay.Connection[*Community], error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	where := []string{visibility(actor, arg)}
	// Each region's page is a LATERAL subquery with its own ORDER BY and
	// LIMIT. Regions are grouped in blocks by level, joined by UNION ALL:
	// a block matches its regions' subtrees by their level's prefix of the
	// domicile code, which has an index in name order (migration 00014),
	// so a page by name reads its rows and no more. (Over a range of
	// codes, PostgreSQL read every community of the subtree and sorted
	// them, region by region: most of a province → regencies →
	// communities query's time.)
	type block struct{ keys, match string }
	var blocks []block
	switch {
	case regions == nil: // everywhere
		blocks = []block{{"(VALUES ('')) AS r(code)", "TRUE"}}
	case len(regions) == 0:
		return map[string]relay.Connection[*Community]{}, nil
	default:
		levels, err := region.GroupByLevel(regions, "regionCode")
		if err != nil {
			return nil, err
		}
		for _, l := range levels {
			blocks = append(blocks, block{"unnest(" + arg(pq.Array(l.Codes)) + "::text[]) AS r(code)",
				region.SubtreeMatch("c.domicile_code", "r.code", l.Level)})
		}
	}
	if f.Category != nil {
		where = append(where, "c.category = "+arg(string(*f.Category)))
	}
	if f.Status != nil {
		where = append(where, "c.status = "+arg(string(*f.Status)))
	}
	if len(f.Fields) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM community_fields cf WHERE cf.community_id = c.id AND cf.field_code = ANY("+arg(pq.Array(f.Fields))+"))")
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		if len(q) > 100 {
			return nil, apperr.Invalid("search", "search is longer than 100 characters")
		}
		where = append(where, "c.name ILIKE "+arg("%"+escapeLike(q)+"%"))
	}
	sortCol, desc := "c.name", false
	switch o {
	case Newest:
		sortCol, desc = "c.created_at", true
	case MostActive:
		sortCol, desc = "c.member_count", true
	case ByName, "":
		o = ByName
	default:
		return nil, apperr.Invalid("orderBy", "unknown order %q", o)
	}
	if p.Backward {
		desc = !desc
	}
	dir, op := "ASC", ">"
	if desc {
		dir, op = "DESC", "<"
	}
	if p.HasCursor() {
		var id int64
		var sortVal any
		switch o {
		case ByName:
			var v string
			if err := p.Cursor(&v, &id); err != nil {
				return nil, err
			}
			sortVal = v
		case Newest:
			var v time.Time
			if err := p.Cursor(&v, &id); err != nil {
				return nil, err
			}
			sortVal = v
		case MostActive:
			var v int
			if err := p.Cursor(&v, &id); err != nil {
				return nil, err
			}
			sortVal = v
		}
		where = append(where, fmt.Sprintf("(%s, c.id) %s (%s, %s)", sortCol, op, arg(sortVal), arg(id)))
	}
	order := fmt.Sprintf("%s %s, c.id %s", sortCol, dir, dir)
	limit := p.FetchSQL()
	parts := make([]string, len(blocks))
	columns := Columns
	if f.Headlines {
		columns = HeadlineColumns
	}
	for i, b := range blocks {
		parts[i] = `SELECT r.code AS region_key, x.* FROM ` + b.keys + ` CROSS JOIN LATERAL (
		SELECT ` + postgres.Qualify(columns, "c") + ` FROM communities c WHERE ` + strings.Join(append([]string{b.match}, where...), " AND ") + `
		ORDER BY ` + order + ` LIMIT ` + limit + `
	) x`
	}
	q := `SELECT * FROM (` + strings.Join(parts, "\n\tUNION ALL\n\t") + `) u
	ORDER BY region_key, ` + strings.ReplaceAll(order, "c.", "u.")
	var rows []struct {
		RegionKey string `db:"region_key"`
		Community
	}
	// A name search is planned for its pattern.
	if err := postgres.Select(ctx, s.DB, strings.TrimSpace(f.Search) != "", &rows, q, args...); err != nil {
		return nil, postgres.MapError(err, "list communities", "")
	}
	byKey := map[string][]*Community{}
	for i := range rows {
		byKey[rows[i].RegionKey] = append(byKey[rows[i].RegionKey], &rows[i].Community)
	}
	cursor := func(c *Community) string {
		switch o {
		case Newest:
			return relay.Cursor(CursorKind(o), c.CreatedAt, c.ID)
		case MostActive:
			return relay.Cursor(CursorKind(o), c.MemberCount, c.ID)
		}
		return relay.Cursor(CursorKind(o), c.Name, c.ID)
	}
	out := map[string]relay.Connection[*Community]{}
	keys := regions
	if keys == nil {
		keys = []string{""}
	}
	for _, k := range keys {
		out[k] = relay.Build(p, byKey[k], cursor)
	}
	return out, nil
}

// FieldsOf returns the field codes of each community.
func (s *Service) FieldsOf(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return postgres.SelectGrouped[int64, string](ctx, s.DB, "community fields", `SELECT community_id, field_code FROM community_fields
		WHERE community_id = ANY($1) ORDER BY field_code`, pq.Array(ids))
}

// Field is a field of activity (bidang).
type Field struct {
	Code        string `db:"code"`
	Name        string `db:"name"`
	Description string `db:"description"`
}

// Fields returns the list of fields.
func (s *Service) Fields(ctx context.Context) ([]*Field, error) {
	var out []*Field
	err := s.DB.SelectContext(ctx, &out, `SELECT code, name, description FROM fields ORDER BY code`)
	return out, postgres.MapError(err, "fields", "")
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FieldsByCode returns the fields among codes, for the field loader.
func (s *Service) FieldsByCode(ctx context.Context, codes []string) (map[string]*Field, error) {
	var rows []*Field
	if err := s.DB.SelectContext(ctx, &rows, `SELECT code, name, description FROM fields WHERE code = ANY($1)`, pq.Array(codes)); err != nil {
		return nil, postgres.MapError(err, "fields by code", "")
	}
	out := make(map[string]*Field, len(rows))
	for _, f := range rows {
		out[f.Code] = f
	}
	return out, nil
}

// GetMembership returns a membership the actor may see: their own, an
// ACTIVE one of a community they see, or any of a community where they may
// admit members.
func (s *Service) GetMembership(ctx context.Context, actor access.Actor, id int64) (*Membership, error) {
	var m Membership
	if err := s.DB.GetContext(ctx, &m, `SELECT `+membershipColumns+` FROM memberships WHERE id = $1`, id); err != nil {
		return nil, postgres.MapError(err, "get membership", "no such membership")
	}
	if InviteeMaySee(actor, &m) {
		return &m, nil
	}
	c, err := s.Get(ctx, actor, m.CommunityID)
	if err != nil {
		return nil, apperr.NotFoundf("no such membership")
	}
	role, err := s.RoleOf(ctx, actor.AccountID, c.ID)
	if err != nil {
		return nil, err
	}
	if m.Status != Joined && !access.Allowed(actor, access.AdmitMember, resource(c, role)) {
		return nil, apperr.NotFoundf("no such membership")
	}
	return &m, nil
}

// MayAdmit reports whether actor may see and answer c's pending members.
func MayAdmit(actor access.Actor, c *Community, role access.CommunityRole) error {
	return access.Check(actor, access.AdmitMember, resource(c, role))
}
