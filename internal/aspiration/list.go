package aspiration

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// Cursor kinds: newest first, or (for the overdue list) most overdue first.
const (
	CursorKind        = "aspiration"
	OverdueCursorKind = "aspiration-overdue"
)

// Filter narrows a list.
type Filter struct {
	// RegionCode keeps those of communities domiciled under it.
	RegionCode  string
	CommunityID int64
	Status      Status
	// OverdueOnly keeps the open ones past their due time, most overdue
	// first.
	OverdueOnly bool
}

// CursorKindOf is the cursor kind a filter's list pages with.
func CursorKindOf(f Filter) string {
	if f.OverdueOnly {
		return OverdueCursorKind
	}
	return CursorKind
}

// List pages the aspirations the actor may read.
func (s *Service) List(ctx context.Context, actor access.Actor, f Filter, p relay.Page) (relay.Connection[*Aspiration], error) {
	where := []string{"true"}
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// What the actor may read: public ones, their own, their communities'
	// and those of the regencies they govern.
	if !actor.Superadmin {
		read := []string{"a.visibility = 'PUBLIC'"}
		if actor.SignedIn() {
			me := arg(actor.AccountID)
			read = append(read,
				"EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = a.community_id AND m.account_id = "+me+" AND m.status = 'ACTIVE')")
			if scopes, _ := actor.Scopes(access.Admin, access.Humas); len(scopes) > 0 {
				sc := arg(pq.Array(scopes))
				read = append(read, "EXISTS (SELECT 1 FROM unnest("+sc+"::text[]) g WHERE a.regency_code = g OR a.regency_code LIKE g || '.%')")
			}
		}
		where = append(where, "("+strings.Join(read, " OR ")+")")
	}
	if f.RegionCode != "" {
		if !region.ValidCode(f.RegionCode) {
			return relay.Connection[*Aspiration]{}, apperr.Invalid("regionCode", "%q is not a region code", f.RegionCode)
		}
		r := arg(f.RegionCode)
		if len(f.RegionCode) >= 5 {
			// Aspirations lie in their community's regency: lets the
			// (regency_code, due_at) index narrow the scan.
			where = append(where, "a.regency_code = "+arg(f.RegionCode[:5]))
		}
		where = append(where, "EXISTS (SELECT 1 FROM communities c WHERE c.id = a.community_id AND "+
			region.SubtreeRange("c.domicile_code", r)+")")
	}
	if f.CommunityID != 0 {
		where = append(where, "a.community_id = "+arg(f.CommunityID))
	}
	if f.Status != "" {
		where = append(where, "a.status = "+arg(f.Status))
	}
	order := "a.id DESC"
	if f.OverdueOnly {
		where = append(where, "a.due_at < "+arg(s.now()))
		order = "a.due_at ASC, a.id ASC"
		if p.Backward {
			order = "a.due_at DESC, a.id DESC"
		}
		if p.HasCursor() {
			var due time.Time
			var id int64
			if err := p.Cursor(&due, &id); err != nil {
				return relay.Connection[*Aspiration]{}, err
			}
			op := ">"
			if p.Backward {
				op = "<"
			}
			where = append(where, "(a.due_at, a.id) "+op+" ("+arg(due)+", "+arg(id)+")")
		}
	} else {
		if p.Backward {
			order = "a.id ASC"
		}
		if p.HasCursor() {
			var id int64
			if err := p.Cursor(&id); err != nil {
				return relay.Connection[*Aspiration]{}, err
			}
			op := "<"
			if p.Backward {
				op = ">"
			}
			where = append(where, "a.id "+op+" "+arg(id))
		}
	}
	// A region's or a community's list is planned for its values: a plan
	// made once for every region either walks every aspiration from the
	// newest to find a quiet province's few (74 ms for 36 of 50,000) or
	// goes through every community of a busy one (20 ms where the newest
	// are 2 ms away); a community's either sorts all of a busy one's or
	// walks its index (1.6 ms against 0.14). Measured on the national data.
	byValues := f.RegionCode != "" || f.CommunityID != 0
	var rows []*Aspiration
	if err := postgres.Select(ctx, s.DB, byValues, &rows, `SELECT `+postgres.Qualify(columns, "a")+` FROM aspirations a WHERE `+
		strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT `+p.FetchSQL(), args...); err != nil {
		return relay.Connection[*Aspiration]{}, postgres.MapError(err, "list aspirations", "")
	}
	return relay.Build(p, rows, func(a *Aspiration) string {
		if f.OverdueOnly {
			return relay.Cursor(OverdueCursorKind, a.DueAt, a.ID)
		}
		return relay.Cursor(CursorKind, a.ID)
	}), nil
}

// Responses returns the threads of aspirations, oldest first. Callers
// have checked that the aspirations may be read.
func (s *Service) Responses(ctx context.Context, ids []int64) (map[int64][]*Response, error) {
	var rows []*Response
	if err := s.DB.SelectContext(ctx, &rows, `SELECT id, aspiration_id, author_id, side, body, created_at
		FROM aspiration_responses WHERE aspiration_id = ANY($1) ORDER BY aspiration_id, id`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64][]*Response, len(ids))
	for _, r := range rows {
		out[r.AspirationID] = append(out[r.AspirationID], r)
	}
	return out, nil
}

// Files returns the attached files of responses, in order. They are read
// through the aspiration: whoever was let read the aspiration (Get, List,
// ByTrackingCode) reads its thread's files, PRIVATE ones included, without
// the media rules of each file (the government sees a community's private
// files and the other way round).
func (s *Service) Files(ctx context.Context, responseIDs []int64) (map[int64][]*media.Asset, error) {
	ids, err := s.Attachments(ctx, responseIDs)
	if err != nil {
		return nil, err
	}
	var all []int64
	for _, l := range ids {
		all = append(all, l...)
	}
	out := make(map[int64][]*media.Asset, len(ids))
	if len(all) == 0 {
		return out, nil
	}
	assets, err := s.Assets.ByIDs(ctx, all)
	if err != nil {
		return nil, err
	}
	for r, l := range ids {
		for _, id := range l {
			if a := assets[id]; a != nil {
				out[r] = append(out[r], a)
			}
		}
	}
	return out, nil
}

// Attachments returns the attachment asset IDs of responses, in order:
// those as visible as their aspiration (Respond's rule). A PRIVATE file
// attached to a PUBLIC aspiration before Respond refused it stays out, so
// that its address is never given to the aspiration's readers.
func (s *Service) Attachments(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return postgres.SelectGrouped[int64, int64](ctx, s.DB, "response attachments", `SELECT ra.response_id, ra.asset_id
		FROM aspiration_response_attachments ra
		JOIN aspiration_responses r ON r.id = ra.response_id
		JOIN aspirations a ON a.id = r.aspiration_id
		JOIN media_assets m ON m.id = ra.asset_id
		WHERE ra.response_id = ANY($1) AND m.visibility = a.visibility
		ORDER BY ra.response_id, ra.position`, pq.Array(ids))
}
