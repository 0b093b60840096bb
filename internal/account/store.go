package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/ratelimit"
	"github.com/kimhub/kimhub/internal/reqlog"
)

// Service creates, finds, disables and enables accounts.
type Service struct {
	DB *sqlx.DB
	// Limiter, if set, limits sign-ups per client address to SignUpLimit.
	Limiter     *ratelimit.Limiter
	SignUpLimit ratelimit.Limit
}

// ListColumns are an account's columns without the password hash, for
// accounts read to be shown (authors, members, publishers; also in other
// packages' joins): a hash stays in the database unless a password is
// being checked or set.
const ListColumns = `id, name, email, phone, status, superadmin, created_at, updated_at`

// BylineColumns are what a byline shows of an account: for lists that name
// their authors and show no more of them (publishing.FeedFilter.Bylines).
const BylineColumns = `id, name`

const accountColumns = ListColumns + `, password_hash`

// SignUpInput is what a person gives to create an account.
type SignUpInput struct {
	Name     string
	Email    string // optional if Phone is given
	Phone    string // optional if Email is given
	Password string
}

// SignUp creates an ACTIVE account. Each bad field is BAD_USER_INPUT naming
// it; an email or phone already taken is CONFLICT naming it.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*Account, error) {
	if ip := reqlog.ClientFrom(ctx).IP; s.Limiter != nil && ip != "" {
		if err := s.Limiter.Hit(ctx, "signup-ip:"+ip, s.SignUpLimit); err != nil {
			return nil, err
		}
	}
	a, err := prepare(in)
	if err != nil {
		return nil, err
	}
	err = s.DB.GetContext(ctx, a, `INSERT INTO accounts (name, email, phone, password_hash)
		VALUES ($1, $2, $3, $4) RETURNING `+accountColumns, a.Name, a.Email, a.Phone, a.PasswordHash)
	if err != nil {
		return nil, uniqueConflict(err)
	}
	return a, nil
}

func prepare(in SignUpInput) (*Account, error) {
	name, err := NormalizeName(in.Name)
	if err != nil {
		return nil, err
	}
	a := &Account{Name: name, Status: Active}
	if strings.TrimSpace(in.Email) == "" && strings.TrimSpace(in.Phone) == "" {
		return nil, apperr.Invalid("email", "give an email address or a mobile number (or both)")
	}
	if strings.TrimSpace(in.Email) != "" {
		e, err := NormalizeEmail(in.Email)
		if err != nil {
			return nil, err
		}
		a.Email = &e
	}
	if strings.TrimSpace(in.Phone) != "" {
		p, err := NormalizePhone(in.Phone)
		if err != nil {
			return nil, err
		}
		a.Phone = &p
	}
	if err := ValidatePassword(in.Password, in.Name, in.Email, strings.TrimPrefix(deref(a.Phone), "+62")); err != nil {
		return nil, err
	}
	if a.PasswordHash, err = HashPassword(in.Password); err != nil {
		return nil, apperr.Wrap(err, "hash password")
	}
	return a, nil
}

// uniqueConflict names the field of a unique violation.
func uniqueConflict(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		switch pe.Constraint {
		case "accounts_email_key":
			return &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "an account with this email address already exists", Err: err}
		case "accounts_phone_key":
			return &apperr.Error{Code: apperr.Conflict, Field: "phone", Message: "an account with this mobile number already exists", Err: err}
		}
	}
	return postgres.MapError(err, "create account", "")
}

// Get returns the account with id, or NOT_FOUND.
func (s *Service) Get(ctx context.Context, id int64) (*Account, error) {
	var a Account
	err := s.DB.GetContext(ctx, &a, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id)
	if err != nil {
		return nil, postgres.MapError(err, "get account", fmt.Sprintf("no account has id %d", id))
	}
	return &a, nil
}

// ByIDs returns the accounts among ids that exist, without their password
// hashes (PasswordHash is empty); the batch behind the account loader.
func (s *Service) ByIDs(ctx context.Context, ids []int64) (map[int64]*Account, error) {
	var rows []*Account
	err := s.DB.SelectContext(ctx, &rows, `SELECT `+ListColumns+` FROM accounts WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, postgres.MapError(err, "accounts by id", "")
	}
	out := make(map[int64]*Account, len(rows))
	for _, a := range rows {
		out[a.ID] = a
	}
	return out, nil
}

// ByLogin finds an account by normalized email or phone; NOT_FOUND when
// none has it.
func (s *Service) ByLogin(ctx context.Context, email, phone string) (*Account, error) {
	var a Account
	err := s.DB.GetContext(ctx, &a, `SELECT `+accountColumns+` FROM accounts
		WHERE ($1 <> '' AND email = $1) OR ($2 <> '' AND phone = $2)`, email, phone)
	if err != nil {
		return nil, postgres.MapError(err, "account by login", "no such account")
	}
	return &a, nil
}

// SetStatus disables or enables an account (a superadmin's act, with a
// reason). Disabling also revokes every session of the account at once.
func (s *Service) SetStatus(ctx context.Context, actor access.Actor, id int64, status Status, reason string) (*Account, error) {
	if err := access.Check(actor, access.DisableAccount, access.Resource{OwnerID: id}); err != nil {
		return nil, err
	}
	if status != Active && status != Disabled {
		return nil, apperr.Invalid("status", "unknown status %q", status)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Invalid("reason", "say why")
	}
	if id == actor.AccountID && status == Disabled {
		return nil, apperr.Invalid("accountId", "you cannot disable your own account")
	}
	var a Account
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &a, `UPDATE accounts SET status = $2, updated_at = now()
			WHERE id = $1 RETURNING `+accountColumns, id, status)
		if err != nil {
			return postgres.MapError(err, "set account status", fmt.Sprintf("no account has id %d", id))
		}
		if status == Disabled {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = now(), revoke_reason = 'account disabled'
				WHERE account_id = $1 AND revoked_at IS NULL`, id); err != nil {
				return err
			}
		}
		action := "account.enable"
		if status == Disabled {
			action = "account.disable"
		}
		return audit.Record(ctx, tx, actor.AccountID, action, "Account", fmt.Sprint(id), "", reason, nil)
	})
	if err != nil {
		return nil, postgres.MapError(err, "set account status", "")
	}
	return &a, nil
}

// EnsureSuperadmin creates a superadmin account, or makes the account that
// has the email one: the only way superadmins come to be (the `superadmin
// create` subcommand; never an open mutation).
func (s *Service) EnsureSuperadmin(ctx context.Context, name, email, password string) (*Account, bool, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, false, err
	}
	var a Account
	created := false
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &a, `UPDATE accounts SET superadmin = true, updated_at = now()
			WHERE email = $1 RETURNING `+accountColumns, e)
		if errors.Is(err, sql.ErrNoRows) {
			n, err := prepare(SignUpInput{Name: name, Email: e, Password: password})
			if err != nil {
				return err
			}
			created = true
			err = tx.GetContext(ctx, &a, `INSERT INTO accounts (name, email, password_hash, superadmin)
				VALUES ($1, $2, $3, true) RETURNING `+accountColumns, n.Name, n.Email, n.PasswordHash)
			if err != nil {
				return uniqueConflict(err)
			}
		} else if err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "account.make_superadmin", "Account", fmt.Sprint(a.ID), "", "superadmin create subcommand", nil)
	})
	if err != nil {
		return nil, false, postgres.MapError(err, "ensure superadmin", "")
	}
	return &a, created, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
