package publishing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// Service keeps posts.
type Service struct {
	DB *sqlx.DB
}

// scope is what the policy needs to know of a post's community and of the
// actor's place in it.
type scope struct {
	CommunityStatus string  `db:"community_status"`
	Domicile        *string `db:"domicile_code"`
	Role            *string `db:"role"`
}

func (sc scope) resource(p *Post) access.Resource {
	r := access.Resource{RegionCode: p.RegionCode, OwnerID: p.AuthorID}
	if sc.Domicile != nil {
		r.RegionCode = *sc.Domicile
	}
	if sc.Role != nil {
		r.CommunityRole = access.CommunityRole(*sc.Role)
	}
	return r
}

func loadScope(ctx context.Context, q sqlx.QueryerContext, actorID, communityID int64) (scope, error) {
	var sc scope
	err := sqlx.GetContext(ctx, q, &sc, `SELECT c.status AS community_status, c.domicile_code,
			(SELECT m.role FROM memberships m WHERE m.community_id = c.id AND m.account_id = $2 AND m.status = 'ACTIVE') AS role
		FROM communities c WHERE c.id = $1`, communityID, actorID)
	return sc, err
}

// publicNow reports whether anyone may read p.
func publicNow(p *Post, communityStatus string, now time.Time) bool {
	return p.Status == Published && p.PublishAt != nil && !p.PublishAt.After(now) && communityStatus == "ACTIVE"
}

// mayRead: the public reads what is published (and due); the author, the
// community's EDITORs and CHAIRs and the ADMINs over it read the rest
// (access.ReadUnpublished).
func mayRead(actor access.Actor, p *Post, sc scope, now time.Time) bool {
	return publicNow(p, sc.CommunityStatus, now) || access.Allowed(actor, access.ReadUnpublished, sc.resource(p))
}

const opCreate = "post.create"

// Create writes a DRAFT post by a member of an ACTIVE community. A resent
// request with the same idempotency key returns the first post.
func (s *Service) Create(ctx context.Context, actor access.Actor, communityID int64, in DraftInput, idemKey string) (*Post, error) {
	if in.Title == nil {
		return nil, apperr.Invalid("title", "give the post a title")
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	key, err := idempotency.Check(idemKey)
	if err != nil {
		return nil, err
	}
	if !actor.SignedIn() {
		return nil, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if id, err := idempotency.Lookup(ctx, s.DB, actor.AccountID, opCreate, key); err != nil || id != 0 {
		if err != nil {
			return nil, err
		}
		return s.Get(ctx, actor, id)
	}
	var p Post
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if id, err := idempotency.Claim(ctx, tx, actor.AccountID, opCreate, key); err != nil || id != 0 {
			if err == nil {
				err = idempotency.ErrReplayed{ResultID: id}
			}
			return err
		}
		// Posts of one community are created one at a time, so that two
		// with the same title get different slugs.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM communities WHERE id = $1 FOR UPDATE`, communityID); err != nil {
			return err
		}
		sc, err := loadScope(ctx, tx, actor.AccountID, communityID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid("communityId", "no such community")
		}
		if err != nil {
			return err
		}
		p = Post{CommunityID: communityID, AuthorID: actor.AccountID}
		if err := access.Check(actor, access.WriteContent, sc.resource(&p)); err != nil {
			return err
		}
		if sc.CommunityStatus != "ACTIVE" {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE community publishes", sc.CommunityStatus).
				With("state", sc.CommunityStatus)
		}
		region := deref(sc.Domicile)
		if in.RegionCode != nil {
			if err := withinRegency(*in.RegionCode, region); err != nil {
				return err
			}
			region = *in.RegionCode
		}
		slug, err := freeSlug(ctx, tx, communityID, Slugify(*in.Title), 0)
		if err != nil {
			return err
		}
		body := deref(in.Body)
		excerpt := Excerpt(body, excerptLen)
		if in.Excerpt != nil && strings.TrimSpace(*in.Excerpt) != "" {
			excerpt = strings.TrimSpace(*in.Excerpt)
		}
		err = tx.GetContext(ctx, &p, `INSERT INTO posts (community_id, author_id, title, slug, body, body_html, excerpt, region_code)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+postColumns,
			communityID, actor.AccountID, *in.Title, slug, body, RenderHTML(body), excerpt, region)
		if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23503" {
			return apperr.Invalid("regionCode", "no region has code %s", region)
		}
		if err != nil {
			return err
		}
		if err := setAttachments(ctx, tx, actor, &p, in); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "post.create", "Post", fmt.Sprint(p.ID), p.RegionCode, "", nil); err != nil {
			return err
		}
		return idempotency.Record(ctx, tx, actor.AccountID, opCreate, key, p.ID)
	})
	var replay idempotency.ErrReplayed
	if errors.As(err, &replay) {
		return s.Get(ctx, actor, replay.ResultID)
	}
	if err != nil {
		return nil, postgres.MapError(err, "create post", "")
	}
	return &p, nil
}

// Update edits the author's own post while it is a DRAFT or REJECTED (a
// rejected post returns to DRAFT). Its slug follows the title until it is
// first published, and stays after.
func (s *Service) Update(ctx context.Context, actor access.Actor, id int64, in DraftInput) (*Post, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	var p *Post
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var sc scope
		var err error
		if p, sc, err = s.lock(ctx, tx, actor, id); err != nil {
			return err
		}
		if p.AuthorID != actor.AccountID {
			return apperr.New(apperr.Forbidden, "only the author edits a post")
		}
		if err := access.Check(actor, access.WriteContent, sc.resource(p)); err != nil {
			return err
		}
		if p.Status != Draft && p.Status != Rejected {
			return apperr.New(apperr.InvalidTransition, "the post is %s; only a DRAFT or REJECTED post is edited", p.Status).With("state", string(p.Status))
		}
		wasRejected := p.Status == Rejected
		var sets []string
		var args []any
		set := func(col string, v any) {
			args = append(args, v)
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		if in.Title != nil {
			set("title", *in.Title)
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM communities WHERE id = $1 FOR UPDATE`, p.CommunityID); err != nil {
				return err
			}
			slug, err := freeSlug(ctx, tx, p.CommunityID, Slugify(*in.Title), p.ID)
			if err != nil {
				return err
			}
			set("slug", slug)
		}
		if in.Body != nil {
			set("body", *in.Body)
			set("body_html", RenderHTML(*in.Body))
			if in.Excerpt == nil {
				set("excerpt", Excerpt(*in.Body, excerptLen))
			}
		}
		if in.Excerpt != nil {
			set("excerpt", strings.TrimSpace(*in.Excerpt))
		}
		if in.RegionCode != nil {
			if err := withinRegency(*in.RegionCode, deref(sc.Domicile)); err != nil {
				return err
			}
			set("region_code", *in.RegionCode)
		}
		set("status", Draft) // an edited rejection goes back to DRAFT, its note gone
		set("status_note", "")
		args = append(args, p.ID)
		err = tx.GetContext(ctx, p, `UPDATE posts SET `+strings.Join(sets, ", ")+`, updated_at = now() WHERE id = $`+fmt.Sprint(len(args))+
			` RETURNING `+postColumns, args...)
		if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23503" {
			return apperr.Invalid("regionCode", "no region has that code")
		}
		if err != nil {
			return err
		}
		if wasRejected {
			if err := audit.Record(ctx, tx, actor.AccountID, "post.revise", "Post", fmt.Sprint(p.ID), deref(sc.Domicile), "",
				map[string]any{"status": Draft}); err != nil {
				return err
			}
		}
		return setAttachments(ctx, tx, actor, p, in)
	})
	if err != nil {
		return nil, postgres.MapError(err, "update post", "")
	}
	return p, nil
}

// setAttachments writes the cover, attachments and tags given. Only READY
// assets of the author, or already of the community, may be attached.
func setAttachments(ctx context.Context, tx *sqlx.Tx, actor access.Actor, p *Post, in DraftInput) error {
	check := func(ids []int64, field string) error {
		if len(ids) == 0 {
			return nil
		}
		var n int
		err := tx.GetContext(ctx, &n, `SELECT count(*) FROM media_assets WHERE id = ANY($1) AND status = 'READY'
			AND visibility = 'PUBLIC' AND (owner_id = $2 OR community_id = $3)`, pq.Array(ids), actor.AccountID, p.CommunityID)
		if err != nil {
			return err
		}
		if n != len(ids) {
			return apperr.Invalid(field, "attach only READY, PUBLIC media of yours or of the community")
		}
		_, err = tx.ExecContext(ctx, `UPDATE media_assets SET community_id = $2 WHERE id = ANY($1) AND community_id IS NULL`, pq.Array(ids), p.CommunityID)
		return err
	}
	if in.CoverID != nil {
		if err := check([]int64{*in.CoverID}, "coverId"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET cover_id = $2 WHERE id = $1`, p.ID, *in.CoverID); err != nil {
			return err
		}
		p.CoverID = in.CoverID
	}
	if in.MediaIDs != nil {
		if err := check(in.MediaIDs, "mediaIds"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_media WHERE post_id = $1`, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO post_media (post_id, asset_id, position)
			SELECT $1, a, o FROM unnest($2::bigint[]) WITH ORDINALITY AS t(a, o) ON CONFLICT DO NOTHING`, p.ID, pq.Array(in.MediaIDs)); err != nil {
			return err
		}
	}
	if in.Tags != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_tags WHERE post_id = $1`, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO post_tags (post_id, tag) SELECT $1, unnest($2::text[])`, p.ID, pq.Array(in.Tags)); err != nil {
			return err
		}
	}
	return nil
}

// freeSlug returns base, or base-2, base-3… whichever no other post of the
// community has.
func freeSlug(ctx context.Context, tx *sqlx.Tx, communityID int64, base string, self int64) (string, error) {
	var taken []string
	if err := tx.SelectContext(ctx, &taken, `SELECT slug FROM posts WHERE community_id = $1 AND id <> $2
		AND (slug = $3 OR slug LIKE $3 || '-%')`, communityID, self, base); err != nil {
		return "", err
	}
	used := map[string]bool{}
	for _, s := range taken {
		used[s] = true
	}
	slug := base
	for i := 2; used[slug]; i++ {
		slug = fmt.Sprintf("%s-%d", base, i)
	}
	return slug, nil
}

// Get returns a post the actor may read; NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*Post, error) {
	var p Post
	if err := s.DB.GetContext(ctx, &p, `SELECT `+postColumns+` FROM posts WHERE id = $1`, id); err != nil {
		return nil, postgres.MapError(err, "get post", "no such post")
	}
	sc, err := loadScope(ctx, s.DB, actor.AccountID, p.CommunityID)
	if err != nil {
		return nil, postgres.MapError(err, "post scope", "")
	}
	if !mayRead(actor, &p, sc, time.Now()) {
		return nil, apperr.NotFoundf("no such post")
	}
	return &p, nil
}

// BySlug returns a community's post by slug, if the actor may read it.
func (s *Service) BySlug(ctx context.Context, actor access.Actor, communityID int64, slug string) (*Post, error) {
	var id int64
	err := s.DB.GetContext(ctx, &id, `SELECT id FROM posts WHERE community_id = $1 AND slug = $2`, communityID, slug)
	if err != nil {
		return nil, postgres.MapError(err, "post by slug", "no such post")
	}
	return s.Get(ctx, actor, id)
}

// lock holds a post's row for a change; NOT_FOUND if the actor may not
// read it.
func (s *Service) lock(ctx context.Context, tx *sqlx.Tx, actor access.Actor, id int64) (*Post, scope, error) {
	var p Post
	if err := tx.GetContext(ctx, &p, `SELECT `+postColumns+` FROM posts WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, scope{}, postgres.MapError(err, "lock post", "no such post")
	}
	sc, err := loadScope(ctx, tx, actor.AccountID, p.CommunityID)
	if err != nil {
		return nil, sc, err
	}
	if !mayRead(actor, &p, sc, time.Now()) {
		return nil, sc, apperr.NotFoundf("no such post")
	}
	return &p, sc, nil
}

// move is one workflow step: the action that permits it, the states it
// leaves from, the state it reaches, whether a note is required, and whom
// it notifies.
type move struct {
	name   string
	action access.Action
	from   []Status
	to     Status
	note   bool
	notify string // a notification kind for the author, or ""
}

var (
	submitMove   = move{"submit", access.WriteContent, []Status{Draft}, InReview, false, ""}
	publishMove  = move{"publish", access.PublishContent, []Status{InReview}, Published, false, "POST_PUBLISHED"}
	rejectMove   = move{"reject", access.PublishContent, []Status{InReview}, Rejected, true, "POST_REJECTED"}
	archiveMove  = move{"archive", access.ArchiveContent, []Status{Published}, Archived, false, ""}
	takeDownMove = move{"take_down", access.ModerateContent, []Status{Published, Archived}, TakenDown, true, "POST_TAKEN_DOWN"}
)

// Submit sends the author's DRAFT for review.
func (s *Service) Submit(ctx context.Context, actor access.Actor, id int64) (*Post, error) {
	return s.step(ctx, actor, id, submitMove, "", nil)
}

// Publish makes a post in review public, now or at a later publishAt (a
// past one means now). "Now" is the database's clock, the one the feeds
// compare with.
func (s *Service) Publish(ctx context.Context, actor access.Actor, id int64, publishAt *time.Time) (*Post, error) {
	return s.step(ctx, actor, id, publishMove, "", publishAt)
}

// Reject returns a post in review to its author with a note.
func (s *Service) Reject(ctx context.Context, actor access.Actor, id int64, note string) (*Post, error) {
	return s.step(ctx, actor, id, rejectMove, note, nil)
}

// Archive takes a published post out of the feeds (the community's act).
func (s *Service) Archive(ctx context.Context, actor access.Actor, id int64) (*Post, error) {
	return s.step(ctx, actor, id, archiveMove, "", nil)
}

// TakeDown removes a post from public view with a reason (an ADMIN's act);
// the author is notified.
func (s *Service) TakeDown(ctx context.Context, actor access.Actor, id int64, reason string) (*Post, error) {
	return s.step(ctx, actor, id, takeDownMove, reason, nil)
}

func (s *Service) step(ctx context.Context, actor access.Actor, id int64, m move, note string, publishAt *time.Time) (*Post, error) {
	note = strings.TrimSpace(note)
	if m.note && note == "" {
		return nil, apperr.Invalid("note", "say why; the note is shown to the author and kept in the audit trail")
	}
	var p *Post
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var sc scope
		var err error
		if p, sc, err = s.lock(ctx, tx, actor, id); err != nil {
			return err
		}
		if m.name == submitMove.name && p.AuthorID != actor.AccountID {
			return apperr.New(apperr.Forbidden, "only the author submits a post")
		}
		if err := access.Check(actor, m.action, sc.resource(p)); err != nil {
			return err
		}
		if !containsStatus(m.from, p.Status) {
			return apperr.New(apperr.InvalidTransition, "the post is %s; it cannot be %s now", p.Status, m.name).With("state", string(p.Status))
		}
		if (m.to == InReview || m.to == Published) && sc.CommunityStatus != "ACTIVE" {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE community publishes", sc.CommunityStatus).
				With("state", sc.CommunityStatus)
		}
		if err := tx.GetContext(ctx, p, `UPDATE posts SET status = $2, status_note = $3,
				publish_at = CASE WHEN $2 = 'PUBLISHED' THEN GREATEST(COALESCE($4::timestamptz, now()), now()) ELSE publish_at END,
				updated_at = now()
			WHERE id = $1 RETURNING `+postColumns, id, m.to, note, publishAt); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "post."+m.name, "Post", fmt.Sprint(id), deref(sc.Domicile), note,
			map[string]any{"status": m.to}); err != nil {
			return err
		}
		if m.notify == "" || p.AuthorID == actor.AccountID {
			return nil
		}
		return notify.Send(ctx, tx, []int64{p.AuthorID}, notify.Message{Kind: m.notify,
			Title: fmt.Sprintf("Your post %q is %s", p.Title, strings.ToLower(strings.ReplaceAll(string(m.to), "_", " "))),
			Body:  note, TargetType: "Post", TargetID: fmt.Sprint(id)})
	})
	if err != nil {
		return nil, postgres.MapError(err, "post "+m.name, "")
	}
	return p, nil
}

// SetFeatured marks a published post as an example for others
// (percontohan), or unmarks it (an ADMIN's act).
func (s *Service) SetFeatured(ctx context.Context, actor access.Actor, id int64, featured bool) (*Post, error) {
	var p *Post
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var sc scope
		var err error
		if p, sc, err = s.lock(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := access.Check(actor, access.ModerateContent, sc.resource(p)); err != nil {
			return err
		}
		if p.Status != Published {
			return apperr.New(apperr.InvalidTransition, "only a PUBLISHED post is featured; this one is %s", p.Status).With("state", string(p.Status))
		}
		if err := tx.GetContext(ctx, p, `UPDATE posts SET featured = $2, updated_at = now() WHERE id = $1 RETURNING `+postColumns, id, featured); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.AccountID, "post.feature", "Post", fmt.Sprint(id), deref(sc.Domicile), "", map[string]any{"featured": featured})
	})
	if err != nil {
		return nil, postgres.MapError(err, "feature post", "")
	}
	return p, nil
}

// withinRegency refuses a post about a region outside its community's
// regency: a KIM writes about its own area, where its own Diskominfo
// moderates it.
func withinRegency(code, domicile string) error {
	if _, err := region.LevelOf(code); err != nil {
		return apperr.Invalid("regionCode", "%q is not a region code", code)
	}
	parts := strings.SplitN(domicile, ".", 3)
	if len(parts) < 2 || !region.InSubtree(code, parts[0]+"."+parts[1]) {
		return apperr.Invalid("regionCode", "a community writes about its own regency; %s is outside it", code)
	}
	return nil
}

func containsStatus(list []Status, s Status) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
