package community

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/postgres"
)

// The registration workflow. Each transition names the action that
// permits it, the states it leaves from, and whether a reason is required;
// the ADMIN's actions count only over the community's domicile.
type transition struct {
	action   access.Action
	from     []Status
	to       Status
	reason   bool
	name     string // the audit action: community.<name>
	verb     string // for messages: "submitted", "approved", …
	notifies string // the notification kind sent to the CHAIRs ("" for none)
}

var (
	submit    = transition{access.ManageCommunity, []Status{Draft, Rejected}, Submitted, false, "submit", "submitted", ""}
	approve   = transition{access.ReviewCommunity, []Status{Submitted}, Active, false, "approve", "approved", "COMMUNITY_APPROVED"}
	reject    = transition{access.ReviewCommunity, []Status{Submitted}, Rejected, true, "reject", "rejected", "COMMUNITY_REJECTED"}
	suspend   = transition{access.ReviewCommunity, []Status{Active}, Suspended, true, "suspend", "suspended", "COMMUNITY_SUSPENDED"}
	reinstate = transition{access.ReviewCommunity, []Status{Suspended}, Active, true, "reinstate", "reinstated", "COMMUNITY_REINSTATED"}
)

const opRegister = "community.register"

// Register starts a community's registration as a DRAFT; the registrant
// becomes its CHAIR.
func (s *Service) Register(ctx context.Context, actor access.Actor, p Profile, idemKey string) (*Community, error) {
	if err := access.Check(actor, access.RegisterCommunity, access.Resource{}); err != nil {
		return nil, err
	}
	if p.Name == nil || p.Slug == nil || p.Category == nil {
		return nil, apperr.Invalid("name", "give the community's name, slug and category")
	}
	if err := p.normalize(); err != nil {
		return nil, err
	}
	key, err := idempotency.Check(idemKey)
	if err != nil {
		return nil, err
	}
	if id, err := idempotency.Lookup(ctx, s.DB, actor.AccountID, opRegister, key); err != nil || id != 0 {
		if err != nil {
			return nil, err
		}
		return s.Get(ctx, actor, id)
	}
	var c Community
	replayed, err := idempotency.Do(ctx, s.DB, actor.AccountID, opRegister, key, &c.ID, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &c, `INSERT INTO communities (name, slug, category, member_count, created_by)
			VALUES ($1, $2, $3, 1, $4) RETURNING `+Columns, *p.Name, *p.Slug, *p.Category, actor.AccountID)
		if err != nil {
			return slugConflict(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (community_id, account_id, role, status, joined_at)
			VALUES ($1, $2, 'CHAIR', 'ACTIVE', now())`, c.ID, actor.AccountID); err != nil {
			return err
		}
		rest := p // the name, slug and category are written; the rest follows
		rest.Name, rest.Slug, rest.Category = nil, nil, nil
		if err := s.apply(ctx, tx, actor, &c, rest); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "community.register", "Community", fmt.Sprint(c.ID), deref(c.DomicileCode), "", nil); err != nil {
			return err
		}
		return nil
	})
	if replayed != 0 {
		return s.Get(ctx, actor, replayed)
	}
	if err != nil {
		return nil, postgres.MapError(err, "register community", "")
	}
	return &c, nil
}

// Update edits a community's profile (its CHAIR). The slug, the domicile
// and the decree are what Diskominfo verifies: they change only before
// approval, in DRAFT or REJECTED.
func (s *Service) Update(ctx context.Context, actor access.Actor, id int64, p Profile) (*Community, error) {
	if err := p.normalize(); err != nil {
		return nil, err
	}
	var c *Community
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var role access.CommunityRole
		var err error
		if c, role, err = s.lockVisible(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := access.Check(actor, access.ManageCommunity, resource(c, role)); err != nil {
			return err
		}
		if (p.Slug != nil || p.DomicileCode != nil || p.DecreeID != nil) && c.Status != Draft && c.Status != Rejected {
			return apperr.New(apperr.InvalidTransition, "the community is %s: its slug, domicile and decree change only in DRAFT or REJECTED", c.Status).
				With("state", string(c.Status))
		}
		if err := s.apply(ctx, tx, actor, c, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.AccountID, "community.update", "Community", fmt.Sprint(id), deref(c.DomicileCode), "",
			map[string]any{"fields": p.changed()})
	})
	if err != nil {
		return nil, postgres.MapError(err, "update community", "")
	}
	return c, nil
}

// apply writes the set fields of p to c, inside tx.
func (s *Service) apply(ctx context.Context, tx *sqlx.Tx, actor access.Actor, c *Community, p Profile) error {
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if p.Name != nil {
		set("name", *p.Name)
	}
	if p.Slug != nil {
		set("slug", *p.Slug)
	}
	if p.Category != nil {
		set("category", string(*p.Category))
	}
	if p.DomicileCode != nil {
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`, *p.DomicileCode); err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid("domicileCode", "no region has code %s", *p.DomicileCode)
		}
		set("domicile_code", *p.DomicileCode)
		c.DomicileCode = p.DomicileCode
	}
	if p.Description != nil {
		set("description", *p.Description)
	}
	if p.ContactEmail != nil {
		set("contact_email", nullIfEmpty(*p.ContactEmail))
	}
	if p.ContactPhone != nil {
		set("contact_phone", nullIfEmpty(*p.ContactPhone))
	}
	if p.SocialLinks != nil {
		b, _ := json.Marshal(p.SocialLinks)
		set("social_links", string(b)) // text: binary_parameters would send []byte as binary
	}
	if p.Latitude != nil {
		set("latitude", *p.Latitude)
		set("longitude", *p.Longitude)
	}
	if p.FoundedOn != nil {
		set("founded_on", *p.FoundedOn)
	}
	if p.MembersMayReport != nil {
		set("members_may_report", *p.MembersMayReport)
	}
	if p.LogoID != nil {
		if err := attachAsset(ctx, tx, actor, *p.LogoID, c, "PUBLIC", "logoId"); err != nil {
			return err
		}
		set("logo_id", *p.LogoID)
	}
	if p.DecreeID != nil {
		if err := attachAsset(ctx, tx, actor, *p.DecreeID, c, "PRIVATE", "decreeId"); err != nil {
			return err
		}
		set("decree_id", *p.DecreeID)
	}
	if p.Fields != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM community_fields WHERE community_id = $1`, c.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO community_fields (community_id, field_code)
			SELECT $1, code FROM fields WHERE code = ANY($2)`, c.ID, pq.Array(p.Fields))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); int(n) != len(dedupe(p.Fields)) {
			return apperr.Invalid("fields", "unknown field among %v; see the fields query", p.Fields)
		}
	}
	if len(sets) > 0 {
		args = append(args, c.ID)
		err := tx.GetContext(ctx, c, `UPDATE communities SET `+strings.Join(sets, ", ")+`, updated_at = now()
			WHERE id = $`+fmt.Sprint(len(args))+` RETURNING `+Columns, args...)
		if err != nil {
			return slugConflict(err)
		}
	}
	// The decree's readers follow the domicile: the ADMINs over it.
	if c.DecreeID != nil && c.DomicileCode != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE media_assets SET region_code = $2 WHERE id = $1`, *c.DecreeID, *c.DomicileCode); err != nil {
			return err
		}
	}
	return nil
}

// attachAsset makes a READY asset of the actor's (or already of the
// community's) the community's, checking its visibility.
func attachAsset(ctx context.Context, tx *sqlx.Tx, actor access.Actor, assetID int64, c *Community, visibility, field string) error {
	var a struct {
		OwnerID     int64   `db:"owner_id"`
		CommunityID *int64  `db:"community_id"`
		Visibility  string  `db:"visibility"`
		Status      string  `db:"status"`
		ContentType *string `db:"content_type"`
	}
	err := tx.GetContext(ctx, &a, `SELECT owner_id, community_id, visibility, status, content_type FROM media_assets WHERE id = $1 FOR UPDATE`, assetID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.OwnerID != actor.AccountID && (a.CommunityID == nil || *a.CommunityID != c.ID)) {
		return apperr.Invalid(field, "no such media asset of yours")
	}
	if err == nil && a.CommunityID != nil && *a.CommunityID != c.ID {
		return apperr.Invalid(field, "this asset belongs to another community")
	}
	if err != nil {
		return err
	}
	if a.Status != "READY" {
		return apperr.Invalid(field, "the asset's upload is not confirmed yet")
	}
	if a.Visibility != visibility {
		return apperr.Invalid(field, "the %s must be a %s asset", strings.TrimSuffix(field, "Id"), visibility)
	}
	if field == "logoId" && (a.ContentType == nil || !strings.HasPrefix(*a.ContentType, "image/")) {
		return apperr.Invalid(field, "the logo must be an image")
	}
	_, err = tx.ExecContext(ctx, `UPDATE media_assets SET community_id = $2 WHERE id = $1`, assetID, c.ID)
	return err
}

// Submit sends a registration to Diskominfo: it needs a domicile and the
// village head's decree (SK). The ADMINs over the domicile are notified.
func (s *Service) Submit(ctx context.Context, actor access.Actor, id int64) (*Community, error) {
	return s.move(ctx, actor, id, submit, "", func(ctx context.Context, tx *sqlx.Tx, c *Community) error {
		if c.DomicileCode == nil {
			return apperr.Invalid("domicileCode", "set the community's domicile before submitting")
		}
		if c.DecreeID == nil {
			return apperr.Invalid("decreeId", "attach the village head's decree (SK) before submitting")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE communities SET submitted_at = now() WHERE id = $1`, c.ID); err != nil {
			return err
		}
		admins, err := notify.AdminsOver(ctx, tx, *c.DomicileCode)
		if err != nil {
			return err
		}
		return notify.Send(ctx, tx, admins, notify.Message{Kind: "COMMUNITY_SUBMITTED",
			Title: fmt.Sprintf("%s asks to be registered", c.Name), TargetType: "Community", TargetID: fmt.Sprint(c.ID)})
	})
}

// Approve registers a submitted community and issues its number.
func (s *Service) Approve(ctx context.Context, actor access.Actor, id int64) (*Community, error) {
	return s.move(ctx, actor, id, approve, "", func(ctx context.Context, tx *sqlx.Tx, c *Community) error {
		number, err := nextNumber(ctx, tx, *c.DomicileCode)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE communities SET registration_number = $2, registered_at = now() WHERE id = $1`, c.ID, number)
		return err
	})
}

// Reject returns a submission with a reason; it may be resubmitted.
func (s *Service) Reject(ctx context.Context, actor access.Actor, id int64, reason string) (*Community, error) {
	return s.move(ctx, actor, id, reject, reason, nil)
}

// Suspend stops an active community, with a reason.
func (s *Service) Suspend(ctx context.Context, actor access.Actor, id int64, reason string) (*Community, error) {
	return s.move(ctx, actor, id, suspend, reason, nil)
}

// Reinstate lifts a suspension, with a reason.
func (s *Service) Reinstate(ctx context.Context, actor access.Actor, id int64, reason string) (*Community, error) {
	return s.move(ctx, actor, id, reinstate, reason, nil)
}

// move runs one transition: lock the community, check the policy on its
// domicile and the state, run the transition's own step, set the status,
// audit it and notify the CHAIRs.
func (s *Service) move(ctx context.Context, actor access.Actor, id int64, t transition, reason string,
	step func(context.Context, *sqlx.Tx, *Community) error) (*Community, error) {
	reason = strings.TrimSpace(reason)
	if t.reason && reason == "" {
		return nil, apperr.Invalid("reason", "say why; the reason is shown to the community and kept in the audit trail")
	}
	if len(reason) > 2000 {
		return nil, apperr.Invalid("reason", "the reason may have at most 2000 characters")
	}
	var c *Community
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var role access.CommunityRole
		var err error
		if c, role, err = s.lockVisible(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := access.Check(actor, t.action, resource(c, role)); err != nil {
			return err
		}
		if !contains(t.from, c.Status) {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only a %s one can be %s", c.Status, joinStatuses(t.from), t.verb).
				With("state", string(c.Status))
		}
		if step != nil {
			if err := step(ctx, tx, c); err != nil {
				return err
			}
		}
		if err := tx.GetContext(ctx, c, `UPDATE communities SET status = $2, status_reason = $3, updated_at = now()
			WHERE id = $1 RETURNING `+Columns, id, t.to, reason); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "community."+t.name, "Community", fmt.Sprint(id),
			deref(c.DomicileCode), reason, map[string]any{"status": t.to, "registrationNumber": c.RegistrationNumber}); err != nil {
			return err
		}
		if t.notifies == "" {
			return nil
		}
		var chairs []int64
		if err := tx.SelectContext(ctx, &chairs, `SELECT account_id FROM memberships WHERE community_id = $1 AND role = 'CHAIR' AND status = 'ACTIVE'`, id); err != nil {
			return err
		}
		title := fmt.Sprintf("%s was %s", c.Name, t.verb)
		if t.name == "approve" && c.RegistrationNumber != nil {
			title += ": registration number " + *c.RegistrationNumber
		}
		return notify.Send(ctx, tx, chairs, notify.Message{Kind: t.notifies, Title: title, Body: reason, TargetType: "Community", TargetID: fmt.Sprint(id)})
	})
	if err != nil {
		return nil, postgres.MapError(err, "community "+t.verb, "")
	}
	return c, nil
}

// nextNumber issues the next registration number of the domicile's regency,
// formatted <regency code>-<number, at least 4 digits>, e.g. 64.02-0001.
// The counter row is locked until the approval commits, so concurrent
// approvals in one regency take consecutive numbers one after the other; a
// number is never issued twice, whatever happens to its community later.
func nextNumber(ctx context.Context, tx *sqlx.Tx, domicile string) (string, error) {
	parts := strings.SplitN(domicile, ".", 3)
	if len(parts) < 2 {
		return "", apperr.Invalid("domicileCode", "the domicile must be a regency or below")
	}
	regency := parts[0] + "." + parts[1]
	var n int
	err := tx.GetContext(ctx, &n, `INSERT INTO registration_counters (regency_code, last_number) VALUES ($1, 1)
		ON CONFLICT (regency_code) DO UPDATE SET last_number = registration_counters.last_number + 1
		RETURNING last_number`, regency)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%04d", regency, n), nil
}

// lockVisible locks a community row for a change and returns it with the
// actor's role in it; NOT_FOUND when the actor may not see it.
func (s *Service) lockVisible(ctx context.Context, tx *sqlx.Tx, actor access.Actor, id int64) (*Community, access.CommunityRole, error) {
	var c Community
	if err := tx.GetContext(ctx, &c, `SELECT `+Columns+` FROM communities WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, "", postgres.MapError(err, "lock community", "no such community")
	}
	role, err := roleIn(ctx, tx, actor.AccountID, id)
	if err != nil {
		return nil, "", err
	}
	if !MayView(actor, &c, role) {
		return nil, "", apperr.NotFoundf("no such community")
	}
	return &c, role, nil
}

func roleIn(ctx context.Context, q sqlx.QueryerContext, accountID, communityID int64) (access.CommunityRole, error) {
	var role access.CommunityRole
	err := sqlx.GetContext(ctx, q, &role, `SELECT role FROM memberships WHERE account_id = $1 AND community_id = $2 AND status = 'ACTIVE'`,
		accountID, communityID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return role, err
}

func slugConflict(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" && pe.Constraint == "communities_slug_key" {
		return &apperr.Error{Code: apperr.Conflict, Field: "slug", Message: "another community has this slug (its .kim.id name); choose another"}
	}
	return err
}

func contains(list []Status, s Status) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinStatuses(list []Status) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = string(s)
	}
	return strings.Join(parts, " or ")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
