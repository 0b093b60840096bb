// Package aspiration keeps the aspirations (aspirasi) communities send up
// to the government of their regency: proposals and complaints, followed
// through SUBMITTED → ACKNOWLEDGED → IN_PROGRESS → RESOLVED (or DECLINED
// with a reason) against working-day service levels, with a thread of
// responses from both sides.
package aspiration

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/publishing"
)

// Status is where an aspiration stands.
type Status string

// Statuses.
const (
	Submitted    Status = "SUBMITTED"
	Acknowledged Status = "ACKNOWLEDGED"
	InProgress   Status = "IN_PROGRESS"
	Resolved     Status = "RESOLVED"
	Declined     Status = "DECLINED"
)

// next are the moves the government may make from each open status.
var next = map[Status][]Status{
	Submitted:    {Acknowledged, Declined},
	Acknowledged: {InProgress, Declined},
	InProgress:   {Resolved, Declined},
}

// Visibility says who reads an aspiration.
type Visibility string

// Visibilities: a PRIVATE one is read by its community, its author and
// the government in scope only.
const (
	Public  Visibility = "PUBLIC"
	Private Visibility = "PRIVATE"
)

// Side is who wrote a response.
type Side string

// Sides.
const (
	CommunitySide  Side = "COMMUNITY"
	GovernmentSide Side = "GOVERNMENT"
)

// Limits.
const (
	MaxTitle     = 200
	MaxBody      = 5000
	MaxResponses = 200 // a thread's length
)

// Aspiration is one aspiration.
type Aspiration struct {
	ID             int64      `db:"id"`
	TrackingCode   string     `db:"tracking_code"`
	CommunityID    int64      `db:"community_id"`
	AuthorID       int64      `db:"author_id"`
	ProgramID      *int64     `db:"program_id"`
	RegencyCode    string     `db:"regency_code"`
	Title          string     `db:"title"`
	Body           string     `db:"body"`
	Visibility     Visibility `db:"visibility"`
	Status         Status     `db:"status"`
	StatusReason   string     `db:"status_reason"`
	DueAt          *time.Time `db:"due_at"`
	SubmittedAt    time.Time  `db:"submitted_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
	ClosedAt       *time.Time `db:"closed_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
}

const columns = `id, tracking_code, community_id, author_id, program_id, regency_code, title, body, visibility, status,
	status_reason, due_at, submitted_at, acknowledged_at, closed_at, updated_at`

// Overdue reports whether the next step is late at now.
func (a *Aspiration) Overdue(now time.Time) bool {
	return a.DueAt != nil && now.After(*a.DueAt)
}

// Response is one message of an aspiration's thread.
type Response struct {
	ID           int64     `db:"id"`
	AspirationID int64     `db:"aspiration_id"`
	AuthorID     int64     `db:"author_id"`
	Side         Side      `db:"side"`
	Body         string    `db:"body"`
	CreatedAt    time.Time `db:"created_at"`
}

// Service keeps aspirations.
type Service struct {
	DB     *sqlx.DB
	Levels ServiceLevels
	// Assets reads media assets by id (the media service), for the files
	// of a thread (Files).
	Assets interface {
		ByIDs(ctx context.Context, ids []int64) (map[int64]*media.Asset, error)
	}
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SubmitInput is a new aspiration.
type SubmitInput struct {
	CommunityID int64
	ProgramID   *int64
	Title, Body string
	Visibility  Visibility
}

func (in *SubmitInput) normalize() error {
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	if in.Title == "" || utf8.RuneCountInString(in.Title) > MaxTitle {
		return apperr.Invalid("title", "the title must have 1 to %d characters", MaxTitle)
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" || utf8.RuneCountInString(in.Body) > MaxBody {
		return apperr.Invalid("body", "the body must have 1 to %d characters", MaxBody)
	}
	if in.Visibility != Public && in.Visibility != Private {
		return apperr.Invalid("visibility", "visibility is PUBLIC or PRIVATE")
	}
	return nil
}

const opSubmit = "aspiration.submit"

// trackingCode is a short public code to follow an aspiration by, e.g.
// ASP-7K2M-Q9XD (no 0/O or 1/I to misread).
func trackingCode() string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "ASP-" + string(b[:4]) + "-" + string(b[4:])
}

type communityScope struct {
	Status   string  `db:"status"`
	Domicile *string `db:"domicile_code"`
	Role     *string `db:"role"`
}

func loadCommunity(ctx context.Context, q sqlx.QueryerContext, actorID, communityID int64) (communityScope, error) {
	var sc communityScope
	err := sqlx.GetContext(ctx, q, &sc, `SELECT c.status, c.domicile_code,
			(SELECT m.role FROM memberships m WHERE m.community_id = c.id AND m.account_id = $2 AND m.status = 'ACTIVE') AS role
		FROM communities c WHERE c.id = $1`, communityID, actorID)
	return sc, err
}

// Submit sends an aspiration on behalf of a community the actor is an
// active member of, to the government of the community's regency, who
// are told. Acknowledgement is due Levels.AcknowledgeDays working days
// later. A resent request with the same idempotency key returns the first.
func (s *Service) Submit(ctx context.Context, actor access.Actor, in SubmitInput, idemKey string) (*Aspiration, error) {
	if !actor.SignedIn() {
		return nil, apperr.New(apperr.Unauthenticated, "sign in to send an aspiration")
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	key, err := idempotency.Check(idemKey)
	if err != nil {
		return nil, err
	}
	var a Aspiration
	replayed, err := idempotency.Do(ctx, s.DB, actor.AccountID, opSubmit, key, &a.ID, func(tx *sqlx.Tx) error {
		sc, err := loadCommunity(ctx, tx, actor.AccountID, in.CommunityID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid("communityId", "no such community")
		}
		if err != nil {
			return err
		}
		res := access.Resource{RegionCode: deref(sc.Domicile)}
		if sc.Role != nil {
			res.CommunityRole = access.CommunityRole(*sc.Role)
		}
		if err := access.Check(actor, access.SubmitAspiration, res); err != nil {
			return err
		}
		if sc.Status != "ACTIVE" || sc.Domicile == nil || len(*sc.Domicile) < 5 {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE community sends aspirations", sc.Status).
				With("state", sc.Status)
		}
		if in.ProgramID != nil {
			var status string
			err := tx.GetContext(ctx, &status, `SELECT status FROM programs WHERE id = $1`, *in.ProgramID)
			if errors.Is(err, sql.ErrNoRows) || status == "DRAFT" {
				return apperr.Invalid("programId", "no such programme")
			}
			if err != nil {
				return err
			}
		}
		now := s.now()
		regency := (*sc.Domicile)[:5]
		if err := tx.GetContext(ctx, &a, `INSERT INTO aspirations (tracking_code, community_id, author_id, program_id, regency_code,
				title, body, visibility, due_at, submitted_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING `+columns,
			trackingCode(), in.CommunityID, actor.AccountID, in.ProgramID, regency, in.Title, in.Body, in.Visibility,
			AddWorkingDays(now, s.levels().AcknowledgeDays), now); err != nil {
			return err
		}
		gov, err := governmentOf(ctx, tx, regency)
		if err != nil {
			return err
		}
		if err := notify.Send(ctx, tx, gov, notify.Message{Kind: "ASPIRATION_SUBMITTED",
			Title: "A new aspiration: " + a.Title, Body: "Tracking code " + a.TrackingCode,
			TargetType: "Aspiration", TargetID: fmt.Sprint(a.ID)}); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "aspiration.submit", "Aspiration", fmt.Sprint(a.ID), *sc.Domicile, "",
			map[string]any{"community": in.CommunityID, "visibility": in.Visibility}); err != nil {
			return err
		}
		return nil
	})
	if replayed != 0 {
		return s.Get(ctx, actor, replayed)
	}
	if err != nil {
		return nil, postgres.MapError(err, "submit aspiration", "")
	}
	return &a, nil
}

func (s *Service) levels() ServiceLevels {
	if s.Levels.AcknowledgeDays == 0 && s.Levels.RespondDays == 0 {
		return DefaultServiceLevels
	}
	return s.Levels
}

// governmentOf lists the accounts with an active HUMAS or ADMIN grant over
// a regency (at it or above it).
func governmentOf(ctx context.Context, q sqlx.QueryerContext, regency string) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT DISTINCT account_id FROM grants
		WHERE revoked_at IS NULL AND role IN ('ADMIN', 'HUMAS') AND ($1 = region_code OR $1 LIKE region_code || '.%')`, regency)
	return ids, err
}

// governs reports whether the actor answers aspirations of the regency.
func governs(actor access.Actor, a *Aspiration) bool {
	return access.Allowed(actor, access.RespondAspiration, access.Resource{RegionCode: a.RegencyCode})
}

// mayRead: a PUBLIC aspiration is anyone's; a PRIVATE one only its
// community's active members' (its author while still one) and the
// government's in scope.
func mayRead(actor access.Actor, a *Aspiration, role *string) bool {
	return a.Visibility == Public || role != nil || governs(actor, a)
}

// authorIfReading is the author, to be told of news, unless a PRIVATE
// aspiration's author has since left the community.
func authorIfReading(ctx context.Context, tx *sqlx.Tx, a *Aspiration) ([]int64, error) {
	if a.Visibility == Public {
		return []int64{a.AuthorID}, nil
	}
	var ids []int64
	err := tx.SelectContext(ctx, &ids, `SELECT account_id FROM memberships
		WHERE community_id = $1 AND account_id = $2 AND status = 'ACTIVE'`, a.CommunityID, a.AuthorID)
	return ids, err
}

// Get returns an aspiration the actor may read.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*Aspiration, error) {
	return s.one(ctx, actor, `id = $1`, id)
}

// ByTrackingCode returns an aspiration by its public code.
func (s *Service) ByTrackingCode(ctx context.Context, actor access.Actor, code string) (*Aspiration, error) {
	return s.one(ctx, actor, `tracking_code = $1`, strings.ToUpper(strings.TrimSpace(code)))
}

func (s *Service) one(ctx context.Context, actor access.Actor, where string, arg any) (*Aspiration, error) {
	var row struct {
		Aspiration
		Role *string `db:"role"`
	}
	err := s.DB.GetContext(ctx, &row, `SELECT `+postgres.Qualify(columns, "a")+`,
			(SELECT m.role FROM memberships m WHERE m.community_id = a.community_id AND m.account_id = $2 AND m.status = 'ACTIVE') AS role
		FROM aspirations a WHERE a.`+where, arg, actor.AccountID)
	if err != nil {
		return nil, postgres.MapError(err, "get aspiration", "no such aspiration")
	}
	if !mayRead(actor, &row.Aspiration, row.Role) {
		return nil, apperr.NotFoundf("no such aspiration")
	}
	return &row.Aspiration, nil
}

// lock reads an aspiration for update, with the actor's role in its
// community; NOT_FOUND where the actor may not read it.
func lock(ctx context.Context, tx *sqlx.Tx, actor access.Actor, id int64) (*Aspiration, *string, error) {
	var row struct {
		Aspiration
		Role *string `db:"role"`
	}
	err := tx.GetContext(ctx, &row, `SELECT `+postgres.Qualify(columns, "a")+`,
			(SELECT m.role FROM memberships m WHERE m.community_id = a.community_id AND m.account_id = $2 AND m.status = 'ACTIVE') AS role
		FROM aspirations a WHERE a.id = $1 FOR UPDATE OF a`, id, actor.AccountID)
	if err != nil {
		return nil, nil, postgres.MapError(err, "get aspiration", "no such aspiration")
	}
	if !mayRead(actor, &row.Aspiration, row.Role) {
		return nil, nil, apperr.NotFoundf("no such aspiration")
	}
	return &row.Aspiration, row.Role, nil
}

// Move takes an aspiration to its next status (HUMAS or ADMIN over its
// regency). DECLINED needs a reason. Acknowledging starts the response
// clock; closing stops it. The author is told.
func (s *Service) Move(ctx context.Context, actor access.Actor, id int64, to Status, reason string) (*Aspiration, error) {
	reason = strings.TrimSpace(reason)
	if to == Declined && reason == "" {
		return nil, apperr.Invalid("reason", "say why the aspiration is declined")
	}
	if utf8.RuneCountInString(reason) > MaxBody {
		return nil, apperr.Invalid("reason", "the reason may have at most %d characters", MaxBody)
	}
	var a *Aspiration
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var err error
		if a, _, err = lock(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := access.Check(actor, access.RespondAspiration, access.Resource{RegionCode: a.RegencyCode}); err != nil {
			return err
		}
		allowed := false
		for _, n := range next[a.Status] {
			allowed = allowed || n == to
		}
		if !allowed {
			return apperr.New(apperr.InvalidTransition, "the aspiration is %s; it cannot become %s", a.Status, to).
				With("state", string(a.Status))
		}
		now := s.now()
		var due *time.Time
		switch to {
		case Acknowledged:
			d := AddWorkingDays(now, s.levels().RespondDays)
			due = &d
		case InProgress:
			due = a.DueAt
		}
		from := a.Status
		if err := tx.GetContext(ctx, a, `UPDATE aspirations SET status = $2, status_reason = $3, due_at = $4, updated_at = $5,
				acknowledged_at = CASE WHEN $2 = 'ACKNOWLEDGED' THEN $5 ELSE acknowledged_at END,
				closed_at = CASE WHEN $2 IN ('RESOLVED', 'DECLINED') THEN $5 ELSE closed_at END
			WHERE id = $1 RETURNING `+columns, id, to, reason, due, now); err != nil {
			return err
		}
		author, err := authorIfReading(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := notify.Send(ctx, tx, author, notify.Message{Kind: "ASPIRATION_STATUS",
			Title: fmt.Sprintf("Your aspiration is %s: %s", to, a.Title), Body: reason,
			TargetType: "Aspiration", TargetID: fmt.Sprint(a.ID)}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.AccountID, "aspiration.move", "Aspiration", fmt.Sprint(a.ID), a.RegencyCode, reason,
			map[string]any{"from": from, "to": to})
	})
	if err != nil {
		return nil, postgres.MapError(err, "move aspiration", "")
	}
	return a, nil
}

// Respond adds to an open aspiration's thread: as the government (HUMAS or
// ADMIN over its regency) or as its community (an active member). The
// other side is told: the author of a government response, the government
// of a community one.
func (s *Service) Respond(ctx context.Context, actor access.Actor, id int64, body string, attachmentIDs []int64) (*Response, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxBody {
		return nil, apperr.Invalid("body", "the response must have 1 to %d characters", MaxBody)
	}
	if len(attachmentIDs) > publishing.MaxMedia {
		return nil, apperr.Invalid("attachmentIds", "at most %d attachments", publishing.MaxMedia)
	}
	var r Response
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		a, role, err := lock(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		side := CommunitySide
		switch {
		case governs(actor, a):
			side = GovernmentSide
		case role == nil:
			return apperr.New(apperr.Forbidden, "only the community and the government of its regency respond")
		}
		if a.DueAt == nil {
			return apperr.New(apperr.InvalidTransition, "the aspiration is %s; the thread is closed", a.Status).
				With("state", string(a.Status))
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM aspiration_responses WHERE aspiration_id = $1`, id); err != nil {
			return err
		}
		if n >= MaxResponses {
			return apperr.New(apperr.TooLarge, "the thread has %d responses, the most it may have", MaxResponses)
		}
		if len(attachmentIDs) > 0 {
			var ok int
			// A thread's files are as visible as its aspiration: a PUBLIC
			// asset's address on a PRIVATE aspiration would let anyone
			// read it, and whoever reads a PUBLIC aspiration (anyone) is
			// given its files' addresses, which a PRIVATE asset's would
			// open to them (Files).
			if err := tx.GetContext(ctx, &ok, `SELECT count(DISTINCT id) FROM media_assets WHERE id = ANY($1) AND status = 'READY'
				AND owner_id = $2 AND visibility = $3`,
				pq.Array(attachmentIDs), actor.AccountID, a.Visibility); err != nil {
				return err
			}
			if ok != len(attachmentIDs) {
				return apperr.Invalid("attachmentIds", "attach only READY, %s media you uploaded, each once, to a %s aspiration", a.Visibility, a.Visibility)
			}
		}
		if err := tx.GetContext(ctx, &r, `INSERT INTO aspiration_responses (aspiration_id, author_id, side, body)
			VALUES ($1, $2, $3, $4) RETURNING id, aspiration_id, author_id, side, body, created_at`, id, actor.AccountID, side, body); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO aspiration_response_attachments (response_id, asset_id, position)
			SELECT $1, x, o FROM unnest($2::bigint[]) WITH ORDINALITY AS u(x, o)`, r.ID, pq.Array(attachmentIDs)); err != nil {
			return err
		}
		to, err := authorIfReading(ctx, tx, a)
		if err != nil {
			return err
		}
		if side == CommunitySide {
			gov, err := governmentOf(ctx, tx, a.RegencyCode)
			if err != nil {
				return err
			}
			to = append(to, gov...)
		}
		to = without(to, actor.AccountID)
		return notify.Send(ctx, tx, to, notify.Message{Kind: "ASPIRATION_RESPONSE",
			Title: "A new response on: " + a.Title, Body: firstLine(body), TargetType: "Aspiration", TargetID: fmt.Sprint(a.ID)})
	})
	if err != nil {
		return nil, postgres.MapError(err, "respond to aspiration", "")
	}
	return &r, nil
}

func without(ids []int64, id int64) []int64 {
	out := ids[:0:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
