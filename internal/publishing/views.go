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
	t      table
	id     int64
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
	r.record(ctx, actor, postTable, &p.Item)
}

// RecordShowcase notes that the request's viewer read a published showcase.
func (r *ViewRecorder) RecordShowcase(ctx context.Context, actor access.Actor, v *Showcase) {
	r.record(ctx, actor, showTable, &v.Item)
}

func (r *ViewRecorder) record(ctx context.Context, actor access.Actor, t table, it *Item) {
	if it.Status != Published || it.PublishAt == nil || it.PublishAt.After(time.Now()) {
		return // a preview of a scheduled item is not a reader's view
	}
	v, ok := ViewerOf(ctx, actor)
	if !ok {
		return
	}
	select {
	case r.queue <- view{t: t, id: it.ID, viewer: v, day: wibDay(time.Now())}:
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
			if err := r.svc.addView(ctx, v.t, v.id, v.viewer, v.day); err != nil && ctx.Err() == nil {
				r.log.Warn("record view", "err", err)
			}
		}
	}
}

// AddView writes one view of a post; a second one the same day by the same
// viewer is ignored.
func (s *Service) AddView(ctx context.Context, postID int64, viewer string, day time.Time) error {
	return s.addView(ctx, postTable, postID, viewer, day)
}

func (s *Service) addView(ctx context.Context, t table, id int64, viewer string, day time.Time) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO `+t.views+` (`+t.viewKey+`, viewer, day) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, id, viewer, day.Format(time.DateOnly))
	return postgres.MapError(err, "add view", "")
}

// AggregateViews adds the views not yet counted to their posts and
// showcases and to their communities' day in activity_daily, and drops the rows of days before yesterday (they can no
// longer be duplicates). It returns how many views it added.
func (s *Service) AggregateViews(ctx context.Context) (int, error) {
	total := 0
	for _, t := range []table{postTable, showTable} {
		var n int
		err := s.DB.GetContext(ctx, &n, `WITH newly AS (
				UPDATE `+t.views+` SET counted = true WHERE NOT counted RETURNING `+t.viewKey+` AS item_id, day
			), sums AS (
				SELECT item_id, count(*) AS c FROM newly GROUP BY item_id
			), bumped AS (
				UPDATE `+t.name+` i SET view_count = view_count + sums.c FROM sums WHERE i.id = sums.item_id RETURNING sums.c
			), daily AS (
				-- the dashboards' per-day views of each community (internal/stats)
				INSERT INTO activity_daily AS a (community_id, day, views)
				SELECT i.community_id, n.day, count(*)
				FROM newly n JOIN `+t.name+` i ON i.id = n.item_id
				GROUP BY 1, 2 ORDER BY 1, 2
				ON CONFLICT (community_id, day) DO UPDATE SET views = a.views + EXCLUDED.views
			)
			SELECT COALESCE(sum(c), 0) FROM bumped`)
		if err != nil {
			return total, postgres.MapError(err, "aggregate views", "")
		}
		total += n
		if _, err := s.DB.ExecContext(ctx, `DELETE FROM `+t.views+` WHERE counted AND day < current_date - 1`); err != nil {
			return total, postgres.MapError(err, "prune views", "")
		}
	}
	return total, nil
}

// wib is Jakarta's time: views are counted per viewer per WIB day, the days
// the dashboards count in.
var wib = time.FixedZone("WIB", 7*3600)

// wibDay is the WIB calendar day of t, as a date.
func wibDay(t time.Time) time.Time {
	y, m, d := t.In(wib).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
