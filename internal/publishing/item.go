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
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// Item is what posts and showcases share: whose, about where, and where it
// stands in review. The workflow, permissions, feeds and views work on it
// for both.
type Item struct {
	ID          int64      `db:"id"`
	CommunityID int64      `db:"community_id"`
	AuthorID    int64      `db:"author_id"`
	Title       string     `db:"title"`
	Slug        string     `db:"slug"`
	CoverID     *int64     `db:"cover_id"`
	RegionCode  string     `db:"region_code"`
	Status      Status     `db:"status"`
	StatusNote  string     `db:"status_note"`
	PublishAt   *time.Time `db:"publish_at"`
	Featured    bool       `db:"featured"`
	ViewCount   int64      `db:"view_count"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`

	// Author and Community are the item's author and community when a
	// feed read them in its own statement (FeedFilter.Authors,
	// FeedFilter.Communities), for the request's loaders; nil otherwise.
	Author    *account.Account     `db:"author" json:"-"`
	Community *community.Community `db:"community" json:"-"`
	// Byline is the author's ID and name alone when a feed read only
	// those (FeedFilter.Bylines); nil otherwise. It is not a whole
	// account: it answers this item's author field, and never goes into
	// a loader that other fields read.
	Byline *account.Account `db:"byline" json:"-"`
	// CommunityHeadline is the community's community.HeadlineColumns
	// alone when a feed read only those (FeedFilter.CommunityHeadlines);
	// nil otherwise. Like Byline, it answers this item's community field
	// and never goes into a loader that other fields read.
	CommunityHeadline *community.Community `db:"community_headline" json:"-"`
}

const itemColumns = `id, community_id, author_id, title, slug, cover_id, region_code, status, status_note, publish_at,
	featured, view_count, created_at, updated_at`

// HeadlineColumns are the columns a list of headlines reads
// (FeedFilter.Headlines): what names and places an item, its cover and
// when it was published, and the keys of its author and community.
const HeadlineColumns = `id, community_id, author_id, title, slug, cover_id, region_code, status, publish_at`

// content is a kind of published item.
type content interface{ Post | Showcase }

// table describes where a kind of item is kept.
type table struct {
	name    string // posts
	noun    string // post: audit actions are <noun>.<step>
	typ     string // Post: audit target type and notification target
	columns string
	// listColumns are columns without the bodies (FeedFilter.OmitBodies).
	listColumns string
	media       string // the table of attachments (a gallery)
	mediaKey    string
	mediaArg    string // the input field that sets them
	views       string
	viewKey     string
	// fallbackSlug is the slug of a title with nothing to keep.
	fallbackSlug string
}

var (
	postTable = table{"posts", Posts, "Post", postColumns, postListColumns, "post_media", "post_id", "mediaIds", "post_views", "post_id", "berita"}
	showTable = table{"showcases", Showcases, "Showcase", showcaseColumns, showcaseListColumns, "showcase_media", "showcase_id", "galleryIds", "showcase_views", "showcase_id", "potensi"}
)

func tableOf[T content]() table {
	var zero T
	if _, ok := any(&zero).(*Post); ok {
		return postTable
	}
	return showTable
}

func itemOf[T content](t *T) *Item {
	switch v := any(t).(type) {
	case *Post:
		return &v.Item
	case *Showcase:
		return &v.Item
	}
	panic("publishing: not a content type")
}

// scope is what the policy needs to know of an item's community and of the
// actor's place in it.
type scope struct {
	CommunityStatus string  `db:"community_status"`
	Domicile        *string `db:"domicile_code"`
	Role            *string `db:"role"`
}

func (sc scope) resource(it *Item) access.Resource {
	r := access.Resource{RegionCode: it.RegionCode, OwnerID: it.AuthorID}
	if sc.Domicile != nil {
		r.RegionCode = *sc.Domicile
	}
	if sc.Role != nil {
		r.CommunityRole = access.CommunityRole(*sc.Role)
	}
	return r
}

// scopeColumns read a scope from the communities row c, for the account
// $2.
const scopeColumns = `c.status AS community_status, c.domicile_code,
			(SELECT m.role FROM memberships m WHERE m.community_id = c.id AND m.account_id = $2 AND m.status = 'ACTIVE') AS role`

func loadScope(ctx context.Context, q sqlx.QueryerContext, actorID, communityID int64) (scope, error) {
	var sc scope
	err := sqlx.GetContext(ctx, q, &sc, `SELECT `+scopeColumns+` FROM communities c WHERE c.id = $1`, communityID, actorID)
	return sc, err
}

// publicNow reports whether anyone may read it.
func publicNow(it *Item, communityStatus string, now time.Time) bool {
	return it.Status == Published && it.PublishAt != nil && !it.PublishAt.After(now) && communityStatus == "ACTIVE"
}

// mayRead: the public reads what is published (and due); the author, the
// community's EDITORs and CHAIRs and the ADMINs over it read the rest
// (access.ReadUnpublished).
func mayRead(actor access.Actor, it *Item, sc scope, now time.Time) bool {
	return publicNow(it, sc.CommunityStatus, now) || access.Allowed(actor, access.ReadUnpublished, sc.resource(it))
}

// withScope is an item and its scope, read by one statement (read).
type withScope[T content] struct {
	Item T `db:"item"`
	scope
}

// read returns an item the actor may read, with its scope, both as one
// statement saw them (no lock: nothing waits between the two); NOT_FOUND
// otherwise.
func read[T content](ctx context.Context, db sqlx.QueryerContext, actor access.Actor, id int64) (*T, scope, error) {
	t := tableOf[T]()
	var r withScope[T]
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+postgres.Nested(t.columns, "p", "item")+`, `+scopeColumns+`
		FROM `+t.name+` p JOIN communities c ON c.id = p.community_id WHERE p.id = $1`, id, actor.AccountID)
	if err != nil {
		return nil, scope{}, postgres.MapError(err, "get "+t.noun, "no such "+t.noun)
	}
	if !mayRead(actor, itemOf(&r.Item), r.scope, time.Now()) {
		return nil, scope{}, apperr.NotFoundf("no such %s", t.noun)
	}
	return &r.Item, r.scope, nil
}

// get returns an item the actor may read; NOT_FOUND otherwise.
func get[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, id int64) (*T, error) {
	v, _, err := read[T](ctx, db, actor, id)
	return v, err
}

// bySlug returns a community's item by slug, if the actor may read it.
func bySlug[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, communityID int64, slug string) (*T, error) {
	t := tableOf[T]()
	var id int64
	err := db.GetContext(ctx, &id, `SELECT id FROM `+t.name+` WHERE community_id = $1 AND slug = $2`, communityID, slug)
	if err != nil {
		return nil, postgres.MapError(err, t.noun+" by slug", "no such "+t.noun)
	}
	return get[T](ctx, db, actor, id)
}

// lock holds an item's row for a change; NOT_FOUND if the actor may not
// read it. The scope is read by a statement of its own, after the lock:
// under READ COMMITTED a statement that waited for a lock still sees the
// other tables as they were when it began, so a scope read with the lock
// could miss a membership revoked, or a community suspended, while it
// waited.
func lock[T content](ctx context.Context, tx *sqlx.Tx, actor access.Actor, id int64) (*T, scope, error) {
	t := tableOf[T]()
	var v T
	if err := tx.GetContext(ctx, &v, `SELECT `+t.columns+` FROM `+t.name+` WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, scope{}, postgres.MapError(err, "lock "+t.noun, "no such "+t.noun)
	}
	it := itemOf(&v)
	sc, err := loadScope(ctx, tx, actor.AccountID, it.CommunityID)
	if err != nil {
		return nil, sc, err
	}
	if !mayRead(actor, it, sc, time.Now()) {
		return nil, sc, apperr.NotFoundf("no such %s", t.noun)
	}
	return &v, sc, nil
}

// newItem is what create does for either kind inside its transaction.
type newItem struct {
	communityID int64
	title       string
	regionCode  *string
	idemKey     string
	// insert gives the INSERT of the row (its own fields, without ON
	// CONFLICT or RETURNING) with the slug and region decided, its
	// arguments, and any more queries for the statement's WITH that write
	// beside the row, which they read as p (a post's tags), each starting
	// with a comma.
	insert func(slug, region string) (query string, args []any, with string)
	// after writes attachments once the row exists (nil: none to write),
	// in the create's transaction.
	after func(ctx context.Context, tx *sqlx.Tx) error
}

// withMedia is a new item's after: write, if the input attaches media (a
// cover, attachments or a gallery), nil if it attaches none.
func withMedia(coverID *int64, ids []int64, write func(ctx context.Context, tx *sqlx.Tx) error) func(ctx context.Context, tx *sqlx.Tx) error {
	if coverID == nil && ids == nil {
		return nil
	}
	return write
}

// slugTries bounds the INSERTs of one create: a title whose slug other
// items of the community keep taking, while it looks for a free one, is
// refused rather than tried forever.
const slugTries = 8

// create writes a DRAFT item by a member of an ACTIVE community, about a
// region of its regency, with a slug unique in the community. A resent
// request with the same idempotency key returns the first item.
func create[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, dst *T, n newItem) (*T, error) {
	t := tableOf[T]()
	op := t.noun + ".create"
	key, err := idempotency.Check(n.idemKey)
	if err != nil {
		return nil, err
	}
	if !actor.SignedIn() {
		return nil, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if id, err := idempotency.Lookup(ctx, db, actor.AccountID, op, key); err != nil || id != 0 {
		if err != nil {
			return nil, err
		}
		return get[T](ctx, db, actor, id)
	}
	var created int64
	// write runs the create with q; tx is q when it runs in a transaction
	// (nil otherwise).
	write := func(q sqlx.ExtContext, tx *sqlx.Tx) error {
		// No lock first: the scope is read before anything waited, so a
		// community suspended or a member removed after it is a change
		// made after the create (neither touches posts), not one it
		// missed (compare lock, whose reads follow a wait).
		sc, err := loadScope(ctx, q, actor.AccountID, n.communityID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid("communityId", "no such community")
		}
		if err != nil {
			return err
		}
		if err := access.Check(actor, access.WriteContent, sc.resource(&Item{CommunityID: n.communityID, AuthorID: actor.AccountID})); err != nil {
			return err
		}
		if sc.CommunityStatus != "ACTIVE" {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE community publishes", sc.CommunityStatus).
				With("state", sc.CommunityStatus)
		}
		region := deref(sc.Domicile)
		if n.regionCode != nil {
			if err := withinRegency(*n.regionCode, region); err != nil {
				return err
			}
			region = *n.regionCode
		}
		// The row, its audit entry and whatever insert writes beside it
		// are one statement. The title's slug is tried first: most titles
		// are new to their community. If another item has the slug (or
		// is being written with it: the INSERT waits for that one's
		// transaction), DO NOTHING writes nothing, and the next free slug
		// (base-2, base-3…) is tried, until one goes in.
		base := slugify(n.title, t.fallbackSlug)
		slug := base
		for try := 1; ; try++ {
			query, args, with := n.insert(slug, region)
			entry, entryArgs, err := audit.Follows("p", len(args)+1, actor.AccountID, op, t.typ, region, "", nil)
			if err != nil {
				return err
			}
			err = sqlx.GetContext(ctx, q, dst, `WITH p AS (`+query+`
				ON CONFLICT (community_id, slug) DO NOTHING RETURNING `+t.columns+`)`+with+`,
				a AS (`+entry+`)
				SELECT * FROM p`, append(args, entryArgs...)...)
			if err == nil {
				break
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if try == slugTries {
				return &apperr.Error{Code: apperr.Conflict, Field: "title",
					Message: fmt.Sprintf("other %ss of the community keep taking the slugs of this title; try again, or change the title", t.noun)}
			}
			if slug, err = freeSlug(ctx, q, t, n.communityID, base, 0); err != nil {
				return err
			}
		}
		it := itemOf(dst)
		if n.after != nil {
			if err := n.after(ctx, tx); err != nil {
				return err
			}
		}
		created = it.ID
		return nil
	}
	// The row, its audit entry and what goes in beside it are one
	// statement: without an idempotency key to record with them, or
	// attachments to write after, the create needs no transaction (two
	// statements, where BEGIN and COMMIT made four).
	var replayed int64
	if key == "" && n.after == nil {
		err = write(db, nil)
	} else {
		replayed, err = idempotency.Do(ctx, db, actor.AccountID, op, key, &created, func(tx *sqlx.Tx) error { return write(tx, tx) })
	}
	if replayed != 0 {
		return get[T](ctx, db, actor, replayed)
	}
	if err != nil {
		return nil, postgres.MapError(err, "create "+t.noun, "")
	}
	return dst, nil
}

// revise runs an edit of the author's own item while it is a DRAFT or
// REJECTED: fn writes the fields, and the item becomes a DRAFT again (a
// rejection's note goes; the revision is audited). The slug follows a new
// title until the item is first published.
func revise[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, id int64, title, regionCode *string,
	fn func(ctx context.Context, tx *sqlx.Tx, v *T, sets []string, args []any) error) (*T, error) {
	t := tableOf[T]()
	var v *T
	err := postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error {
		var sc scope
		var err error
		if v, sc, err = lock[T](ctx, tx, actor, id); err != nil {
			return err
		}
		it := itemOf(v)
		if it.AuthorID != actor.AccountID {
			return apperr.New(apperr.Forbidden, "only the author edits a %s", t.noun)
		}
		if err := access.Check(actor, access.WriteContent, sc.resource(it)); err != nil {
			return err
		}
		if it.Status != Draft && it.Status != Rejected {
			return apperr.New(apperr.InvalidTransition, "the %s is %s; only a DRAFT or REJECTED one is edited", t.noun, it.Status).
				With("state", string(it.Status))
		}
		wasRejected := it.Status == Rejected
		sets := []string{"status = 'DRAFT'", "status_note = ''"}
		var args []any
		if title != nil {
			// Renames in one community take turns, so that two of them
			// do not pick the same free slug. A create takes no turn of
			// its own (its INSERT does wait for this lock, through the
			// foreign key's check on the community, but it picked its slug
			// before), and should one take the slug picked here first,
			// update answers CONFLICT on the title.
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM communities WHERE id = $1 FOR UPDATE`, it.CommunityID); err != nil {
				return err
			}
			slug, err := freeSlug(ctx, tx, t, it.CommunityID, slugify(*title, t.fallbackSlug), it.ID)
			if err != nil {
				return err
			}
			args = append(args, *title, slug)
			sets = append(sets, fmt.Sprintf("title = $%d", len(args)-1), fmt.Sprintf("slug = $%d", len(args)))
		}
		if regionCode != nil {
			if err := withinRegency(*regionCode, deref(sc.Domicile)); err != nil {
				return err
			}
			args = append(args, *regionCode)
			sets = append(sets, fmt.Sprintf("region_code = $%d", len(args)))
		}
		if err := fn(ctx, tx, v, sets, args); err != nil {
			return err
		}
		if wasRejected {
			return audit.Record(ctx, tx, actor.AccountID, t.noun+".revise", t.typ, fmt.Sprint(id), deref(sc.Domicile), "",
				map[string]any{"status": Draft})
		}
		return nil
	})
	if err != nil {
		return nil, postgres.MapError(err, "update "+t.noun, "")
	}
	return v, nil
}

// update writes sets (with args numbered from $1) to an item and reads it
// back into v.
func update[T content](ctx context.Context, tx *sqlx.Tx, v *T, sets []string, args []any) error {
	t := tableOf[T]()
	args = append(args, itemOf(v).ID)
	err := tx.GetContext(ctx, v, `UPDATE `+t.name+` SET `+strings.Join(sets, ", ")+`, updated_at = now()
		WHERE id = $`+fmt.Sprint(len(args))+` RETURNING `+t.columns, args...)
	if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23503" {
		return apperr.Invalid("regionCode", "no region has that code")
	} else if errors.As(err, &pe) && pe.Code == "23505" {
		return &apperr.Error{Code: apperr.Conflict, Field: "title", Err: err,
			Message: fmt.Sprintf("another %s of the community took this title's slug a moment ago; try again", t.noun)}
	}
	return err
}

// move is one workflow step: the action that permits it, the states it
// leaves from, the state it reaches, whether a note is required, whom it
// notifies, and what it does to an item, for messages.
type move struct {
	name   string
	action access.Action
	from   []Status
	to     Status
	note   bool
	notify string // a notification kind for the author, or ""
	done   string // "published": the item is being …
}

var (
	submitMove   = move{"submit", access.WriteContent, []Status{Draft}, InReview, false, "", "submitted"}
	publishMove  = move{"publish", access.PublishContent, []Status{InReview}, Published, false, "PUBLISHED", "published"}
	rejectMove   = move{"reject", access.PublishContent, []Status{InReview}, Rejected, true, "REJECTED", "rejected"}
	archiveMove  = move{"archive", access.ArchiveContent, []Status{Published}, Archived, false, "", "archived"}
	takeDownMove = move{"take_down", access.ModerateContent, []Status{Published, Archived}, TakenDown, true, "TAKEN_DOWN", "taken down"}
)

// stepTries bounds the reads of one workflow step: an item that other
// requests keep moving while a step checks it is answered CONFLICT.
const stepTries = 3

// errMoved: the item's status changed between a step's read and its write.
var errMoved = errors.New("the item moved meanwhile")

// step runs one workflow step on an item: check the policy on its
// community and the state, set the status (publishing stamps publish_at,
// now or later, by the database's clock), audit it and tell the author.
//
// Without a lock first: the item and its scope are one statement's read,
// and the change is written only if the item is still in the status the
// checks saw and nobody holds it (its row is locked NOWAIT by the change
// itself); if its status moved, the step reads again and decides on what
// is there now. The change and its audit entry are one statement; a
// notification for the author joins them in a transaction. Two statements
// where a lock held over the checks took five (BEGIN, the lock, the scope,
// the change, COMMIT).
//
// If another transaction holds the item (a revision, a feature, the views'
// count), the step does not wait in its write: it takes the lock, waiting,
// and reads the scope after the wait (lock), as a membership revoked or a
// community suspended during the wait must count; a write that waited
// would have acted on the scope as it was before.
func step[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, id int64, m move, note string, publishAt *time.Time) (*T, error) {
	t := tableOf[T]()
	note = strings.TrimSpace(note)
	if m.note && note == "" {
		return nil, apperr.Invalid("note", "say why; the note is shown to the author and kept in the audit trail")
	}
	for try := 1; ; try++ {
		v, err := tryStep[T](ctx, db, actor, id, m, note, publishAt, false)
		if postgres.LockBusy(err) {
			v, err = tryStep[T](ctx, db, actor, id, m, note, publishAt, true)
		}
		switch {
		case err == nil:
			return v, nil
		case !errors.Is(err, errMoved):
			return nil, postgres.MapError(err, t.noun+" "+m.name, "")
		case try == stepTries:
			return nil, &apperr.Error{Code: apperr.Conflict, Err: err,
				Message: fmt.Sprintf("the %s kept changing while it was being %s; try again", t.noun, m.done)}
		}
	}
}

// tryStep reads the item and its scope, checks the step and writes it;
// with wait, under the item's lock (lock) in one transaction.
func tryStep[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, id int64, m move, note string, publishAt *time.Time, wait bool) (*T, error) {
	t := tableOf[T]()
	var v *T
	notifies := func() bool { return m.notify != "" && itemOf(v).AuthorID != actor.AccountID }
	// write checks and writes the step on v, read with sc; tx, if not
	// nil, is q's transaction, where the author is notified.
	write := func(q sqlx.QueryerContext, tx *sqlx.Tx, sc scope) error {
		it := itemOf(v)
		if m.name == submitMove.name && it.AuthorID != actor.AccountID {
			return apperr.New(apperr.Forbidden, "only the author submits a %s", t.noun)
		}
		if err := access.Check(actor, m.action, sc.resource(it)); err != nil {
			return err
		}
		if !containsStatus(m.from, it.Status) {
			return apperr.New(apperr.InvalidTransition, "the %s is %s; it cannot be %s now", t.noun, it.Status, m.name).With("state", string(it.Status))
		}
		if (m.to == InReview || m.to == Published) && sc.CommunityStatus != "ACTIVE" {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE community publishes", sc.CommunityStatus).
				With("state", sc.CommunityStatus)
		}
		args := []any{id, m.to, note, publishAt, it.Status}
		entry, entryArgs, err := audit.Follows("u", len(args)+1, actor.AccountID, t.noun+"."+m.name, t.typ, deref(sc.Domicile), note,
			map[string]any{"status": m.to})
		if err != nil {
			return err
		}
		err = sqlx.GetContext(ctx, q, v, `WITH l AS (SELECT id FROM `+t.name+` WHERE id = $1 AND status = $5 FOR UPDATE NOWAIT),
			u AS (UPDATE `+t.name+` SET status = $2, status_note = $3,
				publish_at = CASE WHEN $2 = 'PUBLISHED' THEN GREATEST(COALESCE($4::timestamptz, now()), now()) ELSE publish_at END,
				updated_at = now()
			FROM l WHERE `+t.name+`.id = l.id RETURNING `+postgres.Qualify(t.columns, t.name)+`), a AS (`+entry+`)
			SELECT * FROM u`, append(args, entryArgs...)...)
		if errors.Is(err, sql.ErrNoRows) {
			return errMoved
		}
		if err != nil || tx == nil || !notifies() {
			return err
		}
		it = itemOf(v)
		return notify.Send(ctx, tx, []int64{it.AuthorID}, notify.Message{Kind: strings.ToUpper(t.noun) + "_" + m.notify,
			Title: fmt.Sprintf("Your %s %q is %s", t.noun, it.Title, strings.ToLower(strings.ReplaceAll(string(m.to), "_", " "))),
			Body:  note, TargetType: t.typ, TargetID: fmt.Sprint(id)})
	}
	if wait {
		err := postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error {
			var sc scope
			var err error
			if v, sc, err = lock[T](ctx, tx, actor, id); err != nil {
				return err
			}
			return write(tx, tx, sc)
		})
		return v, err
	}
	v, sc, err := read[T](ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	if !notifies() {
		return v, write(db, nil, sc)
	}
	return v, postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error { return write(tx, tx, sc) })
}

// feature marks a published item as an example for others (percontohan),
// or unmarks it (an ADMIN's act).
func feature[T content](ctx context.Context, db *sqlx.DB, actor access.Actor, id int64, featured bool) (*T, error) {
	t := tableOf[T]()
	var v *T
	err := postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error {
		var sc scope
		var err error
		if v, sc, err = lock[T](ctx, tx, actor, id); err != nil {
			return err
		}
		it := itemOf(v)
		if err := access.Check(actor, access.ModerateContent, sc.resource(it)); err != nil {
			return err
		}
		if it.Status != Published {
			return apperr.New(apperr.InvalidTransition, "only a PUBLISHED %s is featured; this one is %s", t.noun, it.Status).With("state", string(it.Status))
		}
		if err := update(ctx, tx, v, []string{"featured = $1"}, []any{featured}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.AccountID, t.noun+".feature", t.typ, fmt.Sprint(id), deref(sc.Domicile), "", map[string]any{"featured": featured})
	})
	if err != nil {
		return nil, postgres.MapError(err, "feature "+t.noun, "")
	}
	return v, nil
}

// setMedia writes an item's cover and attachments (a post's media, a
// showcase's gallery). Only READY, PUBLIC assets of the author, or already
// of the community, may be attached.
func setMedia(ctx context.Context, tx *sqlx.Tx, actor access.Actor, t table, it *Item, coverID *int64, mediaIDs []int64) error {
	check := func(ids []int64, field string) error {
		if len(ids) == 0 {
			return nil
		}
		var n int
		err := tx.GetContext(ctx, &n, `SELECT count(*) FROM media_assets WHERE id = ANY($1) AND status = 'READY'
			AND visibility = 'PUBLIC' AND (owner_id = $2 OR community_id = $3)`, pq.Array(ids), actor.AccountID, it.CommunityID)
		if err != nil {
			return err
		}
		if n != len(dedupeIDs(ids)) {
			return apperr.Invalid(field, "attach only READY, PUBLIC media of yours or of the community")
		}
		// The community's assets answer to the ADMINs over its domicile.
		_, err = tx.ExecContext(ctx, `UPDATE media_assets m SET community_id = c.id, region_code = COALESCE(m.region_code, c.domicile_code)
			FROM communities c WHERE c.id = $2 AND m.id = ANY($1) AND (m.community_id IS NULL OR m.community_id = c.id)`, pq.Array(ids), it.CommunityID)
		return err
	}
	if coverID != nil {
		if err := check([]int64{*coverID}, "coverId"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET cover_id = $2 WHERE id = $1`, it.ID, *coverID); err != nil {
			return err
		}
		it.CoverID = coverID
	}
	if mediaIDs != nil {
		if len(mediaIDs) > MaxMedia {
			return apperr.Invalid(t.mediaArg, "at most %d attachments", MaxMedia)
		}
		if err := check(mediaIDs, t.mediaArg); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.media+` WHERE `+t.mediaKey+` = $1`, it.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.media+` (`+t.mediaKey+`, asset_id, position)
			SELECT $1, a, o FROM unnest($2::bigint[]) WITH ORDINALITY AS u(a, o) ON CONFLICT DO NOTHING`, it.ID, pq.Array(mediaIDs)); err != nil {
			return err
		}
	}
	return nil
}

// freeSlug returns base, or base-2, base-3… whichever no other item of the
// community has. It reads the community's slugs from base up to base
// followed by '.', the character after '-' (slugs hold only a-z, 0-9 and
// '-'), over the index on (community_id, slug text_pattern_ops): unlike
// `slug LIKE $3 || '-%'`, a range of that index in any plan, also one made
// before base is known (postgres.StatementCache).
func freeSlug(ctx context.Context, q sqlx.QueryerContext, t table, communityID int64, base string, self int64) (string, error) {
	var taken []string
	if err := sqlx.SelectContext(ctx, q, &taken, `SELECT slug FROM `+t.name+` WHERE community_id = $1 AND id <> $2
		AND slug ~>=~ $3 AND slug ~<~ ($3 || '.')`, communityID, self, base); err != nil {
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

// withinRegency refuses an item about a region outside its community's
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

func dedupeIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
