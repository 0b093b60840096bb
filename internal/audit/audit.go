// Package audit records every state change and grant (who, what, when, why)
// in the same transaction as the change, and lists the trail to those
// allowed to read it.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// Entry is one line of the audit trail.
type Entry struct {
	ID         int64     `db:"id"`
	ActorID    *int64    `db:"actor_id"` // nil: the system (a subcommand)
	Action     string    `db:"action"`
	TargetType string    `db:"target_type"`
	TargetID   string    `db:"target_id"`
	RegionCode *string   `db:"region_code"`
	Reason     string    `db:"reason"`
	Details    []byte    `db:"details"` // JSON
	CreatedAt  time.Time `db:"created_at"`
}

// Record writes an entry through ext, inside the caller's transaction, so
// that the change and its record stand or fall together. actorID 0 is the
// system; regionCode "" means only superadmins may read it.
func Record(ctx context.Context, ext sqlx.ExtContext, actorID int64, action, targetType, targetID, regionCode, reason string, details map[string]any) error {
	args, err := entryArgs(actorID, action, targetType, regionCode, reason, details)
	if err != nil {
		return err
	}
	_, err = ext.ExecContext(ctx, `INSERT INTO audit_entries
		(actor_id, action, target_type, region_code, reason, details, target_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, append(args, targetID)...)
	return postgres.MapError(err, "record audit entry", "")
}

// Follows is Record for a change made by a data-modifying WITH query of
// the caller's own statement: it returns an INSERT, to be one more query of
// that WITH, of an entry for each row the query named from returns (its id
// column, as text, the target), and the arguments it takes, numbered from
// $first on. The change and its record are then one statement, one round
// trip.
func Follows(from string, first int, actorID int64, action, targetType, regionCode, reason string, details map[string]any) (string, []any, error) {
	args, err := entryArgs(actorID, action, targetType, regionCode, reason, details)
	if err != nil {
		return "", nil, err
	}
	p := func(i int, typ string) string { return fmt.Sprintf("$%d::%s", first+i, typ) }
	return `INSERT INTO audit_entries
		(actor_id, action, target_type, region_code, reason, details, target_id)
		SELECT ` + strings.Join([]string{p(0, "bigint"), p(1, "text"), p(2, "text"), p(3, "text"), p(4, "text"), p(5, "jsonb")}, ", ") +
		`, ` + from + `.id::text FROM ` + from, args, nil
}

// entryArgs are an entry's values but its target, in the column order of
// Record's and Follows' INSERTs.
func entryArgs(actorID int64, action, targetType, regionCode, reason string, details map[string]any) ([]any, error) {
	if details == nil {
		details = map[string]any{}
	}
	d, err := json.Marshal(details)
	if err != nil {
		return nil, apperr.Wrap(err, "audit details")
	}
	// details as text: lib/pq with binary_parameters=yes would send []byte
	// as binary, which jsonb does not read.
	return []any{nullID(actorID), action, targetType, nullString(regionCode), reason, string(d)}, nil
}

// CursorKind tags the cursors of audit lists.
const CursorKind = "audit"

// Store reads the audit trail.
type Store struct{ DB *sqlx.DB }

// List returns the entries of the region subtree regionCode, newest first,
// to an actor allowed to read them (an ADMIN over the region, or a
// superadmin). Entries without a region are listed only to superadmins,
// with regionCode "".
func (s *Store) List(ctx context.Context, actor access.Actor, regionCode string, p relay.Page) (relay.Connection[*Entry], error) {
	var none relay.Connection[*Entry]
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if regionCode == "" {
		if err := access.Check(actor, access.ReadPlatformAudit, access.Resource{}); err != nil {
			return none, err
		}
		where = append(where, "region_code IS NULL")
	} else {
		if _, err := region.LevelOf(regionCode); err != nil {
			return none, apperr.Invalid("regionCode", "%q is not a region code", regionCode)
		}
		if err := access.Check(actor, access.ReadAudit, access.Resource{RegionCode: regionCode}); err != nil {
			return none, err
		}
		c := arg(regionCode)
		where = append(where, region.SubtreeRange("region_code", c))
	}
	order := "DESC"
	if p.Backward {
		order = "ASC"
	}
	if p.HasCursor() {
		var id int64
		if err := p.Cursor(&id); err != nil {
			return none, err
		}
		op := "<"
		if p.Backward {
			op = ">"
		}
		where = append(where, "id "+op+" "+arg(id))
	}
	q := `SELECT id, actor_id, action, target_type, target_id, region_code, reason, details, created_at
		FROM audit_entries WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id ` + order + ` LIMIT ` + p.FetchSQL()
	// A region's entries are planned for its code: a plan made once for
	// every code walks the whole trail from the newest entry, keeping the
	// region's, and for a quiet region that is every entry of the country
	// (1.3 s over 1.5 million entries for a regency with none, measured);
	// planned for the code, a quiet region's few entries are read by code
	// and sorted, a busy region still walks from the newest.
	var rows []*Entry
	if err := postgres.Select(ctx, s.DB, regionCode != "", &rows, q, args...); err != nil {
		return none, postgres.MapError(err, "list audit entries", "")
	}
	return relay.Build(p, rows, func(e *Entry) string { return relay.Cursor(CursorKind, e.ID) }), nil
}

// Get returns one entry to an actor who may read it; NOT_FOUND otherwise.
func (s *Store) Get(ctx context.Context, actor access.Actor, id int64) (*Entry, error) {
	var e Entry
	err := s.DB.GetContext(ctx, &e, `SELECT id, actor_id, action, target_type, target_id, region_code, reason, details, created_at
		FROM audit_entries WHERE id = $1`, id)
	if err != nil {
		return nil, postgres.MapError(err, "get audit entry", "no such audit entry")
	}
	if !MayRead(actor, &e) {
		return nil, apperr.NotFoundf("no such audit entry")
	}
	return &e, nil
}

// MayRead reports whether actor may read e.
func MayRead(actor access.Actor, e *Entry) bool {
	if e.RegionCode == nil {
		return access.Allowed(actor, access.ReadPlatformAudit, access.Resource{})
	}
	return access.Allowed(actor, access.ReadAudit, access.Resource{RegionCode: *e.RegionCode})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
