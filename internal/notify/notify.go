// Package notify keeps the notifications each account receives (a
// registration approved, a submission waiting, a post rejected…): stored
// rows, read or unread, written in the same transaction as what they tell.
package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/relay"
)

// Notification is one message to one account.
type Notification struct {
	ID         int64      `db:"id"`
	AccountID  int64      `db:"account_id"`
	Kind       string     `db:"kind"`
	Title      string     `db:"title"`
	Body       string     `db:"body"`
	TargetType string     `db:"target_type"`
	TargetID   string     `db:"target_id"`
	CreatedAt  time.Time  `db:"created_at"`
	ReadAt     *time.Time `db:"read_at"`
}

// Message is what to tell.
type Message struct {
	Kind, Title, Body, TargetType, TargetID string
}

// Send writes the message to each account, inside the caller's transaction.
func Send(ctx context.Context, ext sqlx.ExtContext, accountIDs []int64, m Message) error {
	if len(accountIDs) == 0 {
		return nil
	}
	_, err := ext.ExecContext(ctx, `INSERT INTO notifications (account_id, kind, title, body, target_type, target_id)
		SELECT DISTINCT unnest($1::bigint[]), $2, $3, $4, $5, $6`,
		pq.Array(accountIDs), m.Kind, m.Title, m.Body, m.TargetType, m.TargetID)
	return postgres.MapError(err, "send notification", "")
}

// AdminsOver returns the accounts holding ADMIN over code (at it or above).
func AdminsOver(ctx context.Context, q sqlx.QueryerContext, code string) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT DISTINCT g.account_id FROM grants g JOIN accounts a ON a.id = g.account_id
		WHERE g.role = 'ADMIN' AND g.revoked_at IS NULL AND a.status = 'ACTIVE'
		  AND ($1 = g.region_code OR $1 LIKE g.region_code || '.%')`, code)
	return ids, postgres.MapError(err, "admins over region", "")
}

// CursorKind tags notification cursors.
const CursorKind = "notification"

// Store reads and marks notifications.
type Store struct{ DB *sqlx.DB }

// List returns the actor's notifications, newest first.
func (s *Store) List(ctx context.Context, actor access.Actor, unreadOnly bool, p relay.Page) (relay.Connection[*Notification], error) {
	var none relay.Connection[*Notification]
	if !actor.SignedIn() {
		return none, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	args := []any{actor.AccountID}
	where := []string{"account_id = $1"}
	if unreadOnly {
		where = append(where, "read_at IS NULL")
	}
	order, op := "DESC", "<"
	if p.Backward {
		order, op = "ASC", ">"
	}
	if p.HasCursor() {
		var id int64
		if err := p.Cursor(&id); err != nil {
			return none, err
		}
		args = append(args, id)
		where = append(where, fmt.Sprintf("id %s $%d", op, len(args)))
	}
	var rows []*Notification
	err := s.DB.SelectContext(ctx, &rows, `SELECT id, account_id, kind, title, body, target_type, target_id, created_at, read_at
		FROM notifications WHERE `+strings.Join(where, " AND ")+` ORDER BY id `+order+` LIMIT `+p.FetchSQL(), args...)
	if err != nil {
		return none, postgres.MapError(err, "list notifications", "")
	}
	return relay.Build(p, rows, func(n *Notification) string { return relay.Cursor(CursorKind, n.ID) }), nil
}

// UnreadCount returns how many of the actor's notifications are unread.
func (s *Store) UnreadCount(ctx context.Context, actor access.Actor) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL`, actor.AccountID)
	return n, postgres.MapError(err, "count notifications", "")
}

// MarkRead marks the actor's notifications read: those with ids, or all.
// Others' notifications are silently untouched.
func (s *Store) MarkRead(ctx context.Context, actor access.Actor, ids []int64, all bool) (int, error) {
	if !actor.SignedIn() {
		return 0, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if !all && len(ids) == 0 {
		return 0, apperr.Invalid("ids", "give the notifications to mark, or all: true")
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE notifications SET read_at = now()
		WHERE account_id = $1 AND read_at IS NULL AND ($2 OR id = ANY($3))`, actor.AccountID, all, pq.Array(ids))
	if err != nil {
		return 0, postgres.MapError(err, "mark notifications read", "")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Get returns one of the actor's own notifications.
func (s *Store) Get(ctx context.Context, actor access.Actor, id int64) (*Notification, error) {
	var n Notification
	err := s.DB.GetContext(ctx, &n, `SELECT id, account_id, kind, title, body, target_type, target_id, created_at, read_at
		FROM notifications WHERE id = $1 AND account_id = $2`, id, actor.AccountID)
	return &n, postgres.MapError(err, "get notification", "no such notification")
}
