package publishing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/reqlog"
)

// Views are counted honestly: one per viewer (an account, or a hash of the
// client address and user agent), per post, per day; known crawlers are not
// counted. Recording is a single insert handed to a background worker, so a
// reader never waits for it, and a periodic aggregation adds the new rows
// to posts.view_count, so no hot row is updated on each view.

// crawlers matches the user agents of bots and link previewers.
// "bot" counts only as a word of its own or a name's end before a version
// (Googlebot/2.1, AdsBot-Google), not inside a phone's brand (CUBOT).
var crawlers = regexp.MustCompile(`(?i)(bot[/;)\-]|bot$|[^a-z]bot\b|crawl|spider|slurp|facebookexternalhit|whatsapp|telegram|preview|curl|wget|python-requests|go-http-client|headless)`)

// ViewRecorder queues views and writes them in the background.
type ViewRecorder struct {
	svc   *Service
	queue chan view
	log   *slog.Logger
}

type view struct {
	postID int64
	viewer string
	day    time.Time
}

// NewViewRecorder starts a worker that writes views until ctx ends. When
// the queue is full a view is dropped rather than slowing a reader.
func NewViewRecorder(ctx context.Context, s *Service, log *slog.Logger) *ViewRecorder {
	r := &ViewRecorder{svc: s, queue: make(chan view, 1024), log: log}
	go r.run(ctx)
	return r
}

// Record notes that the request's viewer read a published post.
func (r *ViewRecorder) Record(ctx context.Context, actor access.Actor, p *Post) {
	if p.Status != Published || p.PublishAt == nil || p.PublishAt.After(time.Now()) {
		return // a preview of a scheduled post is not a reader's view
	}
	v, ok := ViewerOf(ctx, actor)
	if !ok {
		return
	}
	select {
	case r.queue <- view{postID: p.ID, viewer: v, day: time.Now().UTC()}:
	default: // a burst beyond the queue: drop rather than wait
	}
}

// ViewerOf identifies the viewer of a request: the account, or a hash of
// the client's address and user agent; false for a crawler.
func ViewerOf(ctx context.Context, actor access.Actor) (string, bool) {
	c := reqlog.ClientFrom(ctx)
	if crawlers.MatchString(c.UserAgent) {
		return "", false
	}
	if actor.SignedIn() {
		return "a:" + strconv.FormatInt(actor.AccountID, 10), true
	}
	h := sha256.Sum256([]byte(c.IP + "|" + c.UserAgent))
	return "h:" + hex.EncodeToString(h[:16]), true
}

func (r *ViewRecorder) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-r.queue:
			if err := r.svc.AddView(ctx, v.postID, v.viewer, v.day); err != nil && ctx.Err() == nil {
				r.log.Warn("record view", "err", err)
			}
		}
	}
}

// AddView writes one view; a second one the same day by the same viewer is
// ignored.
func (s *Service) AddView(ctx context.Context, postID int64, viewer string, day time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO post_views (post_id, viewer, day) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, postID, viewer, day.Format(time.DateOnly))
	return postgres.MapError(err, "add view", "")
}

// AggregateViews adds the views not yet counted to their posts, and drops
// the rows of days before yesterday (they can no longer be duplicates).
func (s *Service) AggregateViews(ctx context.Context) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `WITH newly AS (
			UPDATE post_views SET counted = true WHERE NOT counted RETURNING post_id
		), sums AS (
			SELECT post_id, count(*) AS c FROM newly GROUP BY post_id
		), bumped AS (
			UPDATE posts SET view_count = view_count + sums.c FROM sums WHERE posts.id = sums.post_id RETURNING sums.c
		)
		SELECT COALESCE(sum(c), 0) FROM bumped`)
	if err != nil {
		return 0, postgres.MapError(err, "aggregate views", "")
	}
	_, err = s.DB.ExecContext(ctx, `DELETE FROM post_views WHERE counted AND day < current_date - 1`)
	return n, postgres.MapError(err, "prune views", "")
}
