// Package session signs people in and keeps them signed in: short-lived
// access tokens (JWT, HS256 only, expiry required) and long-lived refresh
// tokens that are stored only as hashes, rotate on every use, and end their
// whole session when an old one is replayed.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/ratelimit"
	"github.com/kimhub/kimhub/internal/reqlog"
)

const issuer = "kimhub"

// Service signs in, refreshes and signs out.
type Service struct {
	DB       *sqlx.DB
	Accounts *account.Service
	Limiter  *ratelimit.Limiter
	cfg      config.Auth
	secret   []byte
}

// New returns a Service. Without a configured secret it makes a random one,
// and says so: tokens then die with the process and work on this instance
// only.
func New(db *sqlx.DB, accounts *account.Service, cfg config.Auth, log *slog.Logger) *Service {
	secret := []byte(cfg.TokenSecret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			panic(err)
		}
		log.Warn("KIMHUB_TOKEN_SECRET is not set: access tokens are signed with a random secret of this process only")
	}
	return &Service{DB: db, Accounts: accounts, Limiter: &ratelimit.Limiter{DB: db}, cfg: cfg, secret: secret}
}

// Tokens are what a client keeps after signing in.
type Tokens struct {
	AccessToken           string
	AccessTokenExpiresAt  time.Time
	RefreshToken          string
	RefreshTokenExpiresAt time.Time
}

// errBadLogin is the one answer for an unknown account and a wrong password.
var errBadLogin = apperr.New(apperr.Unauthenticated, "wrong login or password")

// LogIn checks a login (email or phone) and password and opens a session.
// An unknown account costs a password verification too, so that it cannot
// be told from a wrong password by time. Attempts are limited per client
// address, and failures per account.
func (s *Service) LogIn(ctx context.Context, login, password string) (*Tokens, *account.Account, error) {
	email, phone, err := account.NormalizeLogin(login)
	if err != nil {
		return nil, nil, err
	}
	client := reqlog.ClientFrom(ctx)
	window := s.cfg.LoginWindow
	if err := s.Limiter.Hit(ctx, "login-ip:"+client.IP, ratelimit.Limit{Max: s.cfg.LoginMaxPerIP, Window: window}); err != nil {
		return nil, nil, err
	}
	// Every attempt on an account counts before its password is checked,
	// so that parallel guesses cannot all slip under the limit; a success
	// clears the count.
	failKey := "login-fail:" + hashHex(email+"|"+phone)
	failLimit := ratelimit.Limit{Max: s.cfg.LoginMaxFailures, Window: window}
	if err := s.Limiter.Hit(ctx, failKey, failLimit); err != nil {
		return nil, nil, err
	}
	a, err := s.Accounts.ByLogin(ctx, email, phone)
	switch {
	case apperr.Is(err, apperr.NotFound):
		account.VerifyAgainstNothing(password)
		return nil, nil, errBadLogin
	case err != nil:
		return nil, nil, err
	case !account.VerifyPassword(a.PasswordHash, password):
		return nil, nil, errBadLogin
	case a.Status != account.Active:
		return nil, nil, apperr.New(apperr.Forbidden, "this account is disabled; contact the platform's operators")
	}
	if err := s.Limiter.Reset(ctx, failKey, failLimit); err != nil {
		return nil, nil, err
	}
	var t *Tokens
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var sid int64
		if err := tx.GetContext(ctx, &sid, `INSERT INTO sessions (account_id, expires_at, user_agent)
			VALUES ($1, now() + $2 * interval '1 second', $3) RETURNING id`,
			a.ID, s.cfg.RefreshTokenTTL.Seconds(), truncate(client.UserAgent, 300)); err != nil {
			return err
		}
		t, err = s.issue(ctx, tx, a.ID, sid)
		return err
	})
	if err != nil {
		return nil, nil, postgres.MapError(err, "open session", "")
	}
	return t, a, nil
}

// issue makes a new refresh token for the session (extending it) and an
// access token.
func (s *Service) issue(ctx context.Context, tx *sqlx.Tx, accountID, sessionID int64) (*Tokens, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	refresh := "kr1_" + base64.RawURLEncoding.EncodeToString(raw)
	var expires time.Time
	// Each refresh extends the session, but never past its maximum age.
	if err := tx.GetContext(ctx, &expires, `UPDATE sessions SET expires_at = LEAST(now() + $2 * interval '1 second',
			created_at + $3 * interval '1 second')
		WHERE id = $1 RETURNING expires_at`, sessionID, s.cfg.RefreshTokenTTL.Seconds(), maxAge(s.cfg).Seconds()); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`,
		hash(refresh), sessionID); err != nil {
		return nil, err
	}
	access, accessExp, err := s.sign(accountID, sessionID)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, AccessTokenExpiresAt: accessExp, RefreshToken: refresh, RefreshTokenExpiresAt: expires}, nil
}

var errReused = errors.New("refresh token reused")

// Refresh trades a refresh token for new tokens. The old one is spent; a
// spent one presented again means it was copied, and the whole session ends.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Tokens, *account.Account, error) {
	var t *Tokens
	var accountID, sessionID int64
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &sessionID, `UPDATE refresh_tokens SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id`, hash(refreshToken))
		if errors.Is(err, sql.ErrNoRows) {
			// Spent already. Within the grace period it is a client
			// resending a refresh whose answer it lost (a dropped
			// connection): answer again. After it, a copy is in use.
			var recent bool
			err = tx.QueryRowxContext(ctx, `SELECT session_id, used_at > now() - $2 * interval '1 second'
				FROM refresh_tokens WHERE token_hash = $1`, hash(refreshToken), s.cfg.RefreshReuseGrace.Seconds()).Scan(&sessionID, &recent)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.Unauthenticated, "the refresh token is not valid; sign in again")
			}
			if err == nil && !recent {
				return errReused
			}
		}
		if err != nil {
			return err
		}
		var live bool
		err = tx.QueryRowxContext(ctx, `SELECT s.account_id,
				s.revoked_at IS NULL AND s.expires_at > now() AND a.status = 'ACTIVE'
			FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1`, sessionID).Scan(&accountID, &live)
		if err != nil {
			return err
		}
		if !live {
			return apperr.New(apperr.Unauthenticated, "the session has ended; sign in again")
		}
		t, err = s.issue(ctx, tx, accountID, sessionID)
		return err
	})
	if errors.Is(err, errReused) {
		if _, rerr := s.DB.ExecContext(ctx, `UPDATE sessions SET revoked_at = now(), revoke_reason = 'refresh token reused'
			WHERE id = $1 AND revoked_at IS NULL`, sessionID); rerr != nil {
			return nil, nil, postgres.MapError(rerr, "revoke session", "")
		}
		return nil, nil, apperr.New(apperr.Unauthenticated,
			"this refresh token was already used, so it may have been copied: the session is ended; sign in again")
	}
	if err != nil {
		return nil, nil, postgres.MapError(err, "refresh session", "")
	}
	a, err := s.Accounts.Get(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	return t, a, nil
}

// LogOut ends the actor's current session.
func (s *Service) LogOut(ctx context.Context, actor access.Actor) error {
	if !actor.SignedIn() {
		return apperr.New(apperr.Unauthenticated, "sign in first")
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE sessions SET revoked_at = now(), revoke_reason = 'log out'
		WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`, actor.SessionID, actor.AccountID)
	return postgres.MapError(err, "log out", "")
}

// LogOutEverywhere ends every session of the actor's account and returns
// how many were open.
func (s *Service) LogOutEverywhere(ctx context.Context, actor access.Actor) (int, error) {
	if !actor.SignedIn() {
		return 0, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE sessions SET revoked_at = now(), revoke_reason = 'log out everywhere'
		WHERE account_id = $1 AND revoked_at IS NULL`, actor.AccountID)
	if err != nil {
		return 0, postgres.MapError(err, "log out everywhere", "")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

type claims struct {
	SessionID int64 `json:"sid"`
	jwt.RegisteredClaims
}

func (s *Service) sign(accountID, sessionID int64) (string, time.Time, error) {
	now := time.Now()
	exp := now.Add(s.cfg.AccessTokenTTL)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		SessionID: sessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: strconv.FormatInt(accountID, 10),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	signed, err := tok.SignedString(s.secret)
	return signed, exp, err
}

var errBadToken = apperr.New(apperr.Unauthenticated, "the access token is not valid or has expired; refresh it or sign in again")

// Authenticate turns an access token into the request's actor. The token's
// signature and expiry are checked, and then its session and account, so
// that logging out, a replayed refresh token or a disabled account end
// access at once rather than at the token's expiry.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Actor, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil {
		return access.Anonymous, errBadToken
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || c.SessionID == 0 {
		return access.Anonymous, errBadToken
	}
	// One statement: the session, the account and its active grants.
	var row struct {
		Superadmin bool   `db:"superadmin"`
		Live       bool   `db:"live"`
		Grants     []byte `db:"grants"`
	}
	err = s.DB.GetContext(ctx, &row, `SELECT a.superadmin,
			s.revoked_at IS NULL AND s.expires_at > now() AND a.status = 'ACTIVE' AS live,
			`+grant.ActiveJSON("a.id")+` AS grants
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.id = $1 AND s.account_id = $2`, c.SessionID, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !row.Live) {
		return access.Anonymous, apperr.New(apperr.Unauthenticated, "the session has ended; sign in again")
	}
	if err != nil {
		return access.Anonymous, postgres.MapError(err, "authenticate", "")
	}
	grants, err := grant.DecodeActive(row.Grants)
	if err != nil {
		return access.Anonymous, apperr.Wrap(err, "authenticate")
	}
	if len(grants) == 0 {
		grants = nil
	}
	return access.Actor{AccountID: id, SessionID: c.SessionID, Superadmin: row.Superadmin, Grants: grants}, nil
}

// maxAge is the configured maximum age of a session (90 days if unset).
func maxAge(c config.Auth) time.Duration {
	if c.SessionMaxAge <= 0 {
		return 90 * 24 * time.Hour
	}
	return c.SessionMaxAge
}

// Prune deletes sessions (and their refresh tokens) that ended more than a
// month ago: a replayed token of theirs would find nothing to revoke anyway.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	res, err := s.DB.ExecContext(ctx, `DELETE FROM sessions
		WHERE COALESCE(revoked_at, expires_at) < now() - interval '30 days'`)
	if err != nil {
		return 0, postgres.MapError(err, "prune sessions", "")
	}
	return res.RowsAffected()
}

func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func hashHex(s string) string { return hex.EncodeToString(hash(s)) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
