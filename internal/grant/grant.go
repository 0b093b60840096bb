// Package grant gives and takes government roles: ADMIN or HUMAS over a
// region and everything below it. A superadmin grants either; an ADMIN may
// grant HUMAS within their own scope (access.GrantHumas). Every grant and
// revocation is audited.
package grant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// Service stores grants.
type Service struct {
	DB *sqlx.DB
}

const grantColumns = `id, account_id, role, region_code, granted_by, created_at, revoked_at, revoked_by`

// Grant gives accountID the role over regionCode.
func (s *Service) Grant(ctx context.Context, actor access.Actor, accountID int64, role access.Role, regionCode, reason string) (*access.Grant, error) {
	if !role.Valid() {
		return nil, apperr.Invalid("role", "the role must be ADMIN or HUMAS")
	}
	if _, err := region.LevelOf(regionCode); err != nil {
		return nil, apperr.Invalid("regionCode", "%q is not a region code (e.g. 64.02)", regionCode)
	}
	if err := access.Check(actor, access.GrantAction(role), access.Resource{RegionCode: regionCode}); err != nil {
		return nil, err
	}
	reason, err := needReason(reason)
	if err != nil {
		return nil, err
	}
	var g access.Grant
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`, regionCode); err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid("regionCode", "no region has code %s", regionCode)
		}
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, accountID); err != nil {
			return err
		}
		if !ok {
			return apperr.NotFoundf("no such account")
		}
		err := tx.GetContext(ctx, &g, `INSERT INTO grants (account_id, role, region_code, granted_by)
			VALUES ($1, $2, $3, $4) RETURNING `+grantColumns, accountID, role, regionCode, actor.AccountID)
		if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23505" {
			return &apperr.Error{Code: apperr.Conflict, Field: "role", Message: fmt.Sprintf("the account already holds %s at %s", role, regionCode)}
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.AccountID, "grant.create", "Account", fmt.Sprint(accountID), regionCode, reason,
			map[string]any{"grantId": g.ID, "role": role})
	})
	if err != nil {
		return nil, postgres.MapError(err, "grant role", "")
	}
	return &g, nil
}

// Revoke ends a grant. Whoever could have granted it may revoke it.
func (s *Service) Revoke(ctx context.Context, actor access.Actor, grantID int64, reason string) (*access.Grant, error) {
	if !actor.SignedIn() {
		return nil, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	reason, err := needReason(reason)
	if err != nil {
		return nil, err
	}
	var g access.Grant
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &g, `SELECT `+grantColumns+` FROM grants WHERE id = $1 FOR UPDATE`, grantID)
		if err != nil {
			return postgres.MapError(err, "revoke grant", "no such grant")
		}
		// A grant the actor may not see is as good as absent; its holder
		// sees it but may not revoke it.
		if err := access.Check(actor, access.GrantAction(g.Role), access.Resource{RegionCode: g.RegionCode}); err != nil {
			if access.MaySeeGrant(actor, g) {
				return err
			}
			return apperr.NotFoundf("no such grant")
		}
		if g.RevokedAt != nil {
			return apperr.New(apperr.InvalidTransition, "the grant was already revoked").With("state", "REVOKED")
		}
		if err := tx.GetContext(ctx, &g, `UPDATE grants SET revoked_at = now(), revoked_by = $2
			WHERE id = $1 RETURNING `+grantColumns, grantID, actor.AccountID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.AccountID, "grant.revoke", "Account", fmt.Sprint(g.AccountID), g.RegionCode, reason,
			map[string]any{"grantId": g.ID, "role": g.Role})
	})
	if err != nil {
		return nil, postgres.MapError(err, "revoke grant", "")
	}
	return &g, nil
}

// Active returns the active grants of each of the accounts; the batch
// behind Account.grants and behind building a request's actor.
func (s *Service) Active(ctx context.Context, accountIDs []int64) (map[int64][]access.Grant, error) {
	var rows []access.Grant
	err := s.DB.SelectContext(ctx, &rows, `SELECT `+grantColumns+` FROM grants
		WHERE account_id = ANY($1) AND revoked_at IS NULL ORDER BY region_code, role`, pq.Array(accountIDs))
	if err != nil {
		return nil, postgres.MapError(err, "active grants", "")
	}
	out := make(map[int64][]access.Grant, len(accountIDs))
	for _, g := range rows {
		out[g.AccountID] = append(out[g.AccountID], g)
	}
	return out, nil
}

// ActiveJSON is an SQL expression: the active grants of the account whose
// id is the SQL expression account, as a JSON array in Active's order, for
// a statement that reads them with something else (a session's check).
// DecodeActive reads it.
func ActiveJSON(account string) string {
	return `COALESCE((SELECT json_agg(g ORDER BY g.region_code, g.role) FROM (SELECT ` + grantColumns + ` FROM grants
		WHERE account_id = ` + account + ` AND revoked_at IS NULL) g), '[]')`
}

// DecodeActive reads what ActiveJSON gave (access.Grant's json names are
// its columns').
func DecodeActive(raw []byte) ([]access.Grant, error) {
	var out []access.Grant
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("active grants: %w", err)
	}
	return out, nil
}

// Get returns one grant, to an actor who could grant or revoke it.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*access.Grant, error) {
	var g access.Grant
	err := s.DB.GetContext(ctx, &g, `SELECT `+grantColumns+` FROM grants WHERE id = $1`, id)
	if err != nil {
		return nil, postgres.MapError(err, "get grant", "no such grant")
	}
	if !access.MaySeeGrant(actor, g) {
		return nil, apperr.NotFoundf("no such grant")
	}
	return &g, nil
}

func needReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", apperr.Invalid("reason", "say why; the reason goes into the audit trail")
	}
	if len(reason) > 1000 {
		return "", apperr.Invalid("reason", "the reason may have at most 1000 characters")
	}
	return reason, nil
}
