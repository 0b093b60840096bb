// Package program holds the government's programmes (program kerja):
// published by HUMAS or ADMIN staff for target regions within their scope,
// seen by the communities domiciled under those targets, whose members are
// told of each new one.
package program

import (
	"context"
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
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// Status is where a programme stands.
type Status string

// Programme statuses.
const (
	Draft     Status = "DRAFT"
	Published Status = "PUBLISHED"
	Archived  Status = "ARCHIVED"
)

// Program is a programme item.
type Program struct {
	ID          int64      `db:"id"`
	PublisherID int64      `db:"publisher_id"`
	Title       string     `db:"title"`
	Summary     string     `db:"summary"`
	Body        string     `db:"body"`
	BodyHTML    string     `db:"body_html"`
	Category    *string    `db:"category"`
	StartsOn    *time.Time `db:"starts_on"`
	EndsOn      *time.Time `db:"ends_on"`
	Status      Status     `db:"status"`
	PublishedAt *time.Time `db:"published_at"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
}

const columns = `id, publisher_id, title, summary, body, body_html, category, starts_on, ends_on, status, published_at, created_at, updated_at`

// Input is what a publisher sets; nil fields are left as they are.
type Input struct {
	Title, Summary, Body, Category *string
	Targets                        []string // nil: unchanged
	StartsOn, EndsOn               *time.Time
	AttachmentIDs                  []int64 // nil: unchanged
}

func (in *Input) normalize() error {
	if in.Title != nil {
		t := strings.Join(strings.Fields(*in.Title), " ")
		if t == "" || utf8.RuneCountInString(t) > 200 {
			return apperr.Invalid("title", "the title must have 1 to 200 characters")
		}
		in.Title = &t
	}
	if in.Summary != nil && utf8.RuneCountInString(*in.Summary) > 1000 {
		return apperr.Invalid("summary", "the summary may have at most 1000 characters")
	}
	if in.Body != nil && utf8.RuneCountInString(*in.Body) > publishing.MaxBody {
		return apperr.Invalid("body", "the body may have at most %d characters", publishing.MaxBody)
	}
	if in.Targets != nil {
		if len(in.Targets) == 0 || len(in.Targets) > 200 {
			return apperr.Invalid("targets", "give 1 to 200 target regions")
		}
		for _, c := range in.Targets {
			if _, err := region.LevelOf(c); err != nil {
				return apperr.Invalid("targets", "%q is not a region code", c)
			}
		}
	}
	if in.StartsOn != nil && in.EndsOn != nil && in.EndsOn.Before(*in.StartsOn) {
		return apperr.Invalid("endsOn", "the period ends before it starts")
	}
	if len(in.AttachmentIDs) > publishing.MaxMedia {
		return apperr.Invalid("attachmentIds", "at most %d attachments", publishing.MaxMedia)
	}
	return nil
}

// Service keeps programmes.
type Service struct{ DB *sqlx.DB }

const opCreate = "program.create"

// mayPublishAt checks that the actor may publish programmes for every
// target: HUMAS or ADMIN over each (a HUMAS of one district cannot target
// another).
func mayPublishAt(actor access.Actor, targets []string) error {
	for _, t := range targets {
		if err := access.Check(actor, access.PublishProgram, access.Resource{RegionCode: t}); err != nil {
			if apperr.Is(err, apperr.Forbidden) {
				return apperr.New(apperr.Forbidden, "you may not publish programmes for %s", t).With("field", "targets")
			}
			return err
		}
	}
	return nil
}

// Create writes a DRAFT programme. A resent request with the same
// idempotency key returns the first one.
func (s *Service) Create(ctx context.Context, actor access.Actor, in Input, idemKey string) (*Program, error) {
	if in.Title == nil || in.Targets == nil {
		return nil, apperr.Invalid("title", "give the programme a title and its target regions")
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	if err := mayPublishAt(actor, in.Targets); err != nil {
		return nil, err
	}
	key, err := idempotency.Check(idemKey)
	if err != nil {
		return nil, err
	}
	var p Program
	replayed, err := idempotency.Do(ctx, s.DB, actor.AccountID, opCreate, key, &p.ID, func(tx *sqlx.Tx) error {
		body := deref(in.Body)
		err := tx.GetContext(ctx, &p, `INSERT INTO programs (publisher_id, title, summary, body, body_html, category, starts_on, ends_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+columns,
			actor.AccountID, *in.Title, deref(in.Summary), body, publishing.RenderHTML(body), in.Category, in.StartsOn, in.EndsOn)
		if err != nil {
			return invalidRef(err)
		}
		if err := s.setTargetsAndAttachments(ctx, tx, actor, p.ID, in); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "program.create", "Program", fmt.Sprint(p.ID), in.Targets[0], "", map[string]any{"targets": in.Targets}); err != nil {
			return err
		}
		return nil
	})
	if replayed != 0 {
		return s.Get(ctx, actor, replayed)
	}
	if err != nil {
		return nil, postgres.MapError(err, "create programme", "")
	}
	return &p, nil
}

// Update edits a DRAFT programme (those who may publish for all its
// targets, old and new).
func (s *Service) Update(ctx context.Context, actor access.Actor, id int64, in Input) (*Program, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	var p *Program
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var targets []string
		var err error
		if p, targets, err = s.lock(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := mayPublishAt(actor, append(targets, in.Targets...)); err != nil {
			return err
		}
		if p.Status != Draft {
			return apperr.New(apperr.InvalidTransition, "the programme is %s; only a DRAFT is edited", p.Status).With("state", string(p.Status))
		}
		var sets []string
		var args []any
		set := func(col string, v any) {
			args = append(args, v)
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		if in.Title != nil {
			set("title", *in.Title)
		}
		if in.Summary != nil {
			set("summary", *in.Summary)
		}
		if in.Body != nil {
			set("body", *in.Body)
			set("body_html", publishing.RenderHTML(*in.Body))
		}
		if in.Category != nil {
			set("category", *in.Category)
		}
		if in.StartsOn != nil {
			set("starts_on", *in.StartsOn)
		}
		if in.EndsOn != nil {
			set("ends_on", *in.EndsOn)
		}
		args = append(args, id)
		if err := tx.GetContext(ctx, p, `UPDATE programs SET `+strings.Join(append(sets, "updated_at = now()"), ", ")+
			fmt.Sprintf(` WHERE id = $%d RETURNING `, len(args))+columns, args...); err != nil {
			return invalidRef(err)
		}
		return s.setTargetsAndAttachments(ctx, tx, actor, id, in)
	})
	if err != nil {
		return nil, postgres.MapError(err, "update programme", "")
	}
	return p, nil
}

func (s *Service) setTargetsAndAttachments(ctx context.Context, tx *sqlx.Tx, actor access.Actor, id int64, in Input) error {
	if in.Targets != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM program_targets WHERE program_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO program_targets (program_id, region_code)
			SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, id, pq.Array(in.Targets)); err != nil {
			return invalidRef(err)
		}
	}
	if in.AttachmentIDs != nil {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM media_assets WHERE id = ANY($1) AND status = 'READY'
			AND visibility = 'PUBLIC' AND owner_id = $2`, pq.Array(in.AttachmentIDs), actor.AccountID); err != nil {
			return err
		}
		if n != len(in.AttachmentIDs) {
			return apperr.Invalid("attachmentIds", "attach only READY, PUBLIC media of yours")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM program_attachments WHERE program_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO program_attachments (program_id, asset_id, position)
			SELECT $1, a, o FROM unnest($2::bigint[]) WITH ORDINALITY AS u(a, o) ON CONFLICT DO NOTHING`, id, pq.Array(in.AttachmentIDs)); err != nil {
			return err
		}
	}
	return nil
}

// Publish makes a DRAFT programme public and tells the members of every
// ACTIVE community domiciled under its targets.
func (s *Service) Publish(ctx context.Context, actor access.Actor, id int64) (*Program, error) {
	return s.move(ctx, actor, id, Draft, Published, func(ctx context.Context, tx *sqlx.Tx, p *Program) error {
		var members []int64
		if err := tx.SelectContext(ctx, &members, `SELECT DISTINCT m.account_id FROM program_targets t
			JOIN communities c ON c.domicile_code >= t.region_code AND c.domicile_code < t.region_code || '/' AND c.status = 'ACTIVE'
			JOIN memberships m ON m.community_id = c.id AND m.status = 'ACTIVE'
			WHERE t.program_id = $1`, p.ID); err != nil {
			return err
		}
		return notify.Send(ctx, tx, members, notify.Message{Kind: "PROGRAM_PUBLISHED",
			Title: "A new programme for your community: " + p.Title, Body: p.Summary, TargetType: "Program", TargetID: fmt.Sprint(p.ID)})
	})
}

// Archive retires a published programme.
func (s *Service) Archive(ctx context.Context, actor access.Actor, id int64) (*Program, error) {
	return s.move(ctx, actor, id, Published, Archived, nil)
}

func (s *Service) move(ctx context.Context, actor access.Actor, id int64, from, to Status, step func(context.Context, *sqlx.Tx, *Program) error) (*Program, error) {
	var p *Program
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var targets []string
		var err error
		if p, targets, err = s.lock(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := mayPublishAt(actor, targets); err != nil {
			return err
		}
		if p.Status != from {
			return apperr.New(apperr.InvalidTransition, "the programme is %s; only a %s one can become %s", p.Status, from, to).With("state", string(p.Status))
		}
		if err := tx.GetContext(ctx, p, `UPDATE programs SET status = $2, updated_at = now(),
				published_at = CASE WHEN $2 = 'PUBLISHED' THEN now() ELSE published_at END
			WHERE id = $1 RETURNING `+columns, id, to); err != nil {
			return err
		}
		if step != nil {
			if err := step(ctx, tx, p); err != nil {
				return err
			}
		}
		verb := map[Status]string{Published: "publish", Archived: "archive"}[to]
		return audit.Record(ctx, tx, actor.AccountID, "program."+verb, "Program", fmt.Sprint(id), targets[0], "",
			map[string]any{"status": to})
	})
	if err != nil {
		return nil, postgres.MapError(err, "programme "+strings.ToLower(string(to)), "")
	}
	return p, nil
}

// lock holds a programme for a change; NOT_FOUND if the actor may not see
// it.
func (s *Service) lock(ctx context.Context, tx *sqlx.Tx, actor access.Actor, id int64) (*Program, []string, error) {
	var p Program
	if err := tx.GetContext(ctx, &p, `SELECT `+columns+` FROM programs WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, nil, postgres.MapError(err, "lock programme", "no such programme")
	}
	var targets []string
	if err := tx.SelectContext(ctx, &targets, `SELECT region_code FROM program_targets WHERE program_id = $1 ORDER BY region_code`, id); err != nil {
		return nil, nil, err
	}
	if !mayRead(actor, &p, targets) {
		return nil, nil, apperr.NotFoundf("no such programme")
	}
	return &p, targets, nil
}

// mayRead: a published or archived programme is public; a DRAFT is seen
// by those who may publish for one of its targets.
func mayRead(actor access.Actor, p *Program, targets []string) bool {
	if p.Status != Draft {
		return true
	}
	for _, t := range targets {
		if access.Allowed(actor, access.PublishProgram, access.Resource{RegionCode: t}) {
			return true
		}
	}
	return false
}

// Get returns a programme the actor may see.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*Program, error) {
	var p Program
	if err := s.DB.GetContext(ctx, &p, `SELECT `+columns+` FROM programs WHERE id = $1`, id); err != nil {
		return nil, postgres.MapError(err, "get programme", "no such programme")
	}
	t, err := s.Targets(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if !mayRead(actor, &p, t[id]) {
		return nil, apperr.NotFoundf("no such programme")
	}
	return &p, nil
}

// ByIDs loads programmes unchecked (callers ask whether they may be read).
func (s *Service) ByIDs(ctx context.Context, ids []int64) (map[int64]*Program, error) {
	var rows []*Program
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+columns+` FROM programs WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*Program, len(rows))
	for _, p := range rows {
		out[p.ID] = p
	}
	return out, nil
}

// Targets returns each programme's target region codes.
func (s *Service) Targets(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return postgres.SelectGrouped[int64, string](ctx, s.DB, "programme targets", `SELECT program_id, region_code FROM program_targets
		WHERE program_id = ANY($1) ORDER BY program_id, region_code`, pq.Array(ids))
}

// Attachments returns each programme's attached asset ids, in order.
func (s *Service) Attachments(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return postgres.SelectGrouped[int64, int64](ctx, s.DB, "programme attachments", `SELECT program_id, asset_id FROM program_attachments
		WHERE program_id = ANY($1) ORDER BY program_id, position`, pq.Array(ids))
}

// CursorKind tags programme cursors.
const CursorKind = "program"

// Feed returns, for each community, one page of the published programmes
// that target its domicile or a region above it, newest first: the batch
// behind Community.programFeed. domiciles maps community id to domicile.
func (s *Service) Feed(ctx context.Context, domiciles map[int64]string, p relay.Page) (map[int64]relay.Connection[*Program], error) {
	ids := make([]int64, 0, len(domiciles))
	codes := make([]string, 0, len(domiciles))
	for id, d := range domiciles {
		ids = append(ids, id)
		codes = append(codes, d)
	}
	args := []any{pq.Array(ids), pq.Array(codes)}
	cond, dir, op := "", "DESC", "<"
	if p.Backward {
		dir, op = "ASC", ">"
	}
	if p.HasCursor() {
		var at time.Time
		var id int64
		if err := p.Cursor(&at, &id); err != nil {
			return nil, err
		}
		args = append(args, at, id)
		cond = fmt.Sprintf(" AND (g.published_at, g.id) %s ($3, $4)", op)
	}
	var rows []struct {
		CommunityID int64 `db:"community_id"`
		Program
	}
	err := s.DB.SelectContext(ctx, &rows, `SELECT k.community_id, x.* FROM unnest($1::bigint[], $2::text[]) AS k(community_id, domicile)
		CROSS JOIN LATERAL (
			SELECT `+postgres.Qualify(columns, "g")+` FROM programs g
			WHERE g.status = 'PUBLISHED'`+cond+` AND EXISTS (SELECT 1 FROM program_targets t WHERE t.program_id = g.id
				AND (k.domicile = t.region_code OR k.domicile LIKE t.region_code || '.%'))
			ORDER BY g.published_at `+dir+`, g.id `+dir+` LIMIT `+p.FetchSQL()+`
		) x ORDER BY k.community_id, x.published_at `+dir+`, x.id `+dir, args...)
	if err != nil {
		return nil, postgres.MapError(err, "programme feed", "")
	}
	by := map[int64][]*Program{}
	for i := range rows {
		by[rows[i].CommunityID] = append(by[rows[i].CommunityID], &rows[i].Program)
	}
	out := make(map[int64]relay.Connection[*Program], len(ids))
	for _, id := range ids {
		out[id] = relay.Build(p, by[id], func(g *Program) string { return relay.Cursor(CursorKind, g.PublishedAt, g.ID) })
	}
	return out, nil
}

func invalidRef(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23503" {
		switch {
		case strings.Contains(pe.Constraint, "category"):
			return apperr.Invalid("category", "unknown category; see the fields query")
		case strings.Contains(pe.Constraint, "region"):
			return apperr.Invalid("targets", "a target region does not exist")
		}
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// List returns one page of the published programmes with a target in the
// subtree of regionCode (all of them for ""), newest first.
func (s *Service) List(ctx context.Context, regionCode string, p relay.Page) (relay.Connection[*Program], error) {
	var none relay.Connection[*Program]
	args := []any{}
	where := []string{"g.status = 'PUBLISHED'"}
	if regionCode != "" {
		if _, err := region.LevelOf(regionCode); err != nil {
			return none, apperr.Invalid("regionCode", "%q is not a region code", regionCode)
		}
		args = append(args, regionCode)
		where = append(where, `EXISTS (SELECT 1 FROM program_targets t WHERE t.program_id = g.id
			AND `+region.SubtreeRange("t.region_code", "$1")+`)`)
	}
	dir, op := "DESC", "<"
	if p.Backward {
		dir, op = "ASC", ">"
	}
	if p.HasCursor() {
		var at time.Time
		var id int64
		if err := p.Cursor(&at, &id); err != nil {
			return none, err
		}
		args = append(args, at, id)
		where = append(where, fmt.Sprintf("(g.published_at, g.id) %s ($%d, $%d)", op, len(args)-1, len(args)))
	}
	var rows []*Program
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+postgres.Qualify(columns, "g")+` FROM programs g WHERE `+strings.Join(where, " AND ")+
		` ORDER BY g.published_at `+dir+`, g.id `+dir+` LIMIT `+p.FetchSQL(), args...); err != nil {
		return none, postgres.MapError(err, "list programmes", "")
	}
	return relay.Build(p, rows, func(g *Program) string { return relay.Cursor(CursorKind, g.PublishedAt, g.ID) }), nil
}
