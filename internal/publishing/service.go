package publishing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
)

// Service keeps posts and showcases.
type Service struct {
	DB *sqlx.DB
}

// Create writes a DRAFT post by a member of an ACTIVE community. A resent
// request with the same idempotency key returns the first post.
func (s *Service) Create(ctx context.Context, actor access.Actor, communityID int64, in DraftInput, idemKey string) (*Post, error) {
	if in.Title == nil {
		return nil, apperr.Invalid("title", "give the post a title")
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	var p Post
	body := deref(in.Body)
	excerpt := Excerpt(body, excerptLen)
	if in.Excerpt != nil && strings.TrimSpace(*in.Excerpt) != "" {
		excerpt = strings.TrimSpace(*in.Excerpt)
	}
	html := RenderHTML(body)
	return create(ctx, s.DB, actor, &p, newItem{
		communityID: communityID, title: *in.Title, regionCode: in.RegionCode, idemKey: idemKey,
		// The post's tags go in with it, in one statement.
		insert: func(slug, region string) (string, []any, string) {
			return `INSERT INTO posts (community_id, author_id, title, slug, body, body_html, excerpt, region_code)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				[]any{communityID, actor.AccountID, *in.Title, slug, body, html, excerpt, region, pq.Array(in.Tags)},
				`, t AS (INSERT INTO post_tags (post_id, tag) SELECT p.id, unnest($9::text[]) FROM p)`
		},
		after: withMedia(in.CoverID, in.MediaIDs, func(ctx context.Context, tx *sqlx.Tx) error {
			return setMedia(ctx, tx, actor, postTable, &p.Item, in.CoverID, in.MediaIDs)
		}),
	})
}

// Update edits the author's own post while it is a DRAFT or REJECTED (a
// rejected post returns to DRAFT). Its slug follows the title until it is
// first published, and stays after.
func (s *Service) Update(ctx context.Context, actor access.Actor, id int64, in DraftInput) (*Post, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	return revise(ctx, s.DB, actor, id, in.Title, in.RegionCode, func(ctx context.Context, tx *sqlx.Tx, p *Post, sets []string, args []any) error {
		set := func(col string, v any) {
			args = append(args, v)
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
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
		if err := update(ctx, tx, p, sets, args); err != nil {
			return err
		}
		return postExtras(ctx, tx, actor, p, in)
	})
}

// postExtras writes an edited post's cover, attachments and tags (given
// tags replace the old ones).
func postExtras(ctx context.Context, tx *sqlx.Tx, actor access.Actor, p *Post, in DraftInput) error {
	if err := setMedia(ctx, tx, actor, postTable, &p.Item, in.CoverID, in.MediaIDs); err != nil {
		return err
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

// Get returns a post the actor may read; NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*Post, error) {
	return get[Post](ctx, s.DB, actor, id)
}

// BySlug returns a community's post by slug, if the actor may read it.
func (s *Service) BySlug(ctx context.Context, actor access.Actor, communityID int64, slug string) (*Post, error) {
	return bySlug[Post](ctx, s.DB, actor, communityID, slug)
}

// Submit sends the author's DRAFT post for review.
func (s *Service) Submit(ctx context.Context, actor access.Actor, id int64) (*Post, error) {
	return step[Post](ctx, s.DB, actor, id, submitMove, "", nil)
}

// Publish makes a post in review public, now or at a later publishAt (a
// past one means now). "Now" is the database's clock, the one the feeds
// compare with.
func (s *Service) Publish(ctx context.Context, actor access.Actor, id int64, publishAt *time.Time) (*Post, error) {
	return step[Post](ctx, s.DB, actor, id, publishMove, "", publishAt)
}

// Reject returns a post in review to its author with a note.
func (s *Service) Reject(ctx context.Context, actor access.Actor, id int64, note string) (*Post, error) {
	return step[Post](ctx, s.DB, actor, id, rejectMove, note, nil)
}

// Archive takes a published post out of the feeds (the community's act).
func (s *Service) Archive(ctx context.Context, actor access.Actor, id int64) (*Post, error) {
	return step[Post](ctx, s.DB, actor, id, archiveMove, "", nil)
}

// TakeDown removes a post from public view with a reason (an ADMIN's act);
// the author is notified.
func (s *Service) TakeDown(ctx context.Context, actor access.Actor, id int64, reason string) (*Post, error) {
	return step[Post](ctx, s.DB, actor, id, takeDownMove, reason, nil)
}

// SetFeatured marks a published post as an example for others, or unmarks
// it (an ADMIN's act).
func (s *Service) SetFeatured(ctx context.Context, actor access.Actor, id int64, featured bool) (*Post, error) {
	return feature[Post](ctx, s.DB, actor, id, featured)
}
