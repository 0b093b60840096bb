package session_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/reqlog"
	"github.com/kimhub/kimhub/internal/session"
	"github.com/kimhub/kimhub/internal/testenv"
)

// testAuth is the tests' configuration: limits out of the way, and one
// secret, so that a service over another database accepts the same
// tokens.
var testAuth = config.Auth{AccessTokenTTL: time.Minute, RefreshTokenTTL: time.Hour,
	LoginMaxFailures: 1 << 30, LoginMaxPerIP: 1 << 30, LoginWindow: time.Minute,
	TokenSecret: "a-secret-of-at-least-32-characters-for-tests"}

func newService(tb testing.TB) *session.Service {
	tb.Helper()
	db := testenv.DB(tb)
	accounts := &account.Service{DB: db}
	if _, err := accounts.SignUp(context.Background(), account.SignUpInput{Name: "Budi", Email: "budi@desa.id", Password: "kabut-mahakam-2026"}); err != nil {
		tb.Fatal(err)
	}
	return session.New(db, accounts, testAuth, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestAccessTokenExpires(t *testing.T) {
	s := newService(t)
	ctx := reqlog.WithClient(context.Background(), reqlog.Client{IP: "10.0.0.1"})
	tok, _, err := s.LogIn(ctx, "budi@desa.id", "kabut-mahakam-2026")
	if err != nil {
		t.Fatal(err)
	}
	actor, err := s.Authenticate(ctx, tok.AccessToken)
	if err != nil || actor.AccountID == 0 {
		t.Fatalf("fresh token: %+v %v", actor, err)
	}
	// A token signed by another server's secret is refused.
	other := session.New(s.DB, s.Accounts, config.Auth{AccessTokenTTL: time.Minute, RefreshTokenTTL: time.Hour,
		LoginMaxFailures: 100, LoginMaxPerIP: 100, LoginWindow: time.Minute, TokenSecret: "another-secret-of-at-least-32-characters"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := other.Authenticate(ctx, tok.AccessToken); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("a token of another secret: %v", err)
	}
	// An expired session (no refresh within its lifetime) ends access.
	s.DB.MustExec(`UPDATE sessions SET expires_at = now() - interval '1 second'`)
	if _, err := s.Authenticate(ctx, tok.AccessToken); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("after the session expired: %v", err)
	}
	if _, _, err := s.Refresh(ctx, tok.RefreshToken); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("refreshing an expired session: %v", err)
	}
}

// The actor a token gives carries the account's active grants, read with
// the session in one statement: a grant counts at once, a revoked one no
// more.
func TestAuthenticateCarriesTheActiveGrants(t *testing.T) {
	s := newService(t)
	ctx := reqlog.WithClient(context.Background(), reqlog.Client{IP: "10.0.0.1"})
	tok, _, err := s.LogIn(ctx, "budi@desa.id", "kabut-mahakam-2026")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.Authenticate(ctx, tok.AccessToken); err != nil || a.Grants != nil {
		t.Fatalf("no grants yet: %+v %v", a.Grants, err)
	}
	s.DB.MustExec(`INSERT INTO regions (code, name, level) VALUES ('64', 'Kalimantan Timur', 'PROVINCE'), ('63', 'Kalimantan Selatan', 'PROVINCE')
		ON CONFLICT DO NOTHING`)
	s.DB.MustExec(`INSERT INTO grants (account_id, role, region_code, granted_by) VALUES (1, 'HUMAS', '64', 1), (1, 'ADMIN', '64', NULL), (1, 'ADMIN', '63', 1)`)
	s.DB.MustExec(`UPDATE grants SET revoked_at = now(), revoked_by = 1 WHERE region_code = '63'`)
	a, err := s.Authenticate(ctx, tok.AccessToken)
	if err != nil || len(a.Grants) != 2 {
		t.Fatalf("grants: %+v %v", a.Grants, err)
	}
	admin, humas := a.Grants[0], a.Grants[1] // by region, then role
	if admin.Role != access.Admin || admin.RegionCode != "64" || admin.GrantedBy != nil || admin.AccountID != 1 || admin.ID == 0 ||
		humas.Role != access.Humas || humas.GrantedBy == nil || *humas.GrantedBy != 1 || time.Since(humas.CreatedAt) > time.Hour {
		t.Fatalf("grants: %+v", a.Grants)
	}
	s.DB.MustExec(`UPDATE grants SET revoked_at = now(), revoked_by = 1 WHERE role = 'HUMAS'`)
	if a, err = s.Authenticate(ctx, tok.AccessToken); err != nil || len(a.Grants) != 1 || a.Grants[0].Role != access.Admin {
		t.Fatalf("after a revocation: %+v %v", a.Grants, err)
	}
}

// BenchmarkFailedLogin times the two failures an attacker would compare: an
// unknown account and a known account with a wrong password. Both verify a
// password hash, so they take the same time; the README reports the ratio.
func BenchmarkFailedLogin(b *testing.B) {
	s := newService(b)
	ctx := reqlog.WithClient(context.Background(), reqlog.Client{IP: "10.0.0.2"})
	for _, bc := range []struct{ name, login string }{
		{"unknown-account", "nobody@desa.id"},
		{"wrong-password", "budi@desa.id"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := s.LogIn(ctx, bc.login, "not-the-password-1"); !apperr.Is(err, apperr.Unauthenticated) {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSessionsHaveAMaximumAge(t *testing.T) {
	db := testenv.DB(t)
	cfg := config.Auth{AccessTokenTTL: time.Minute, RefreshTokenTTL: 30 * 24 * time.Hour, SessionMaxAge: 40 * 24 * time.Hour,
		LoginMaxFailures: 100, LoginMaxPerIP: 100, LoginWindow: time.Minute}
	accounts := &account.Service{DB: db}
	if _, err := accounts.SignUp(context.Background(), account.SignUpInput{Name: "Budi", Email: "budi@desa.id", Password: "kabut-mahakam-2026"}); err != nil {
		t.Fatal(err)
	}
	s := session.New(db, accounts, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := reqlog.WithClient(context.Background(), reqlog.Client{IP: "10.0.0.3"})
	tok, _, err := s.LogIn(ctx, "budi@desa.id", "kabut-mahakam-2026")
	if err != nil {
		t.Fatal(err)
	}
	// Logged in 35 days ago: a refresh extends it only to day 40.
	db.MustExec(`UPDATE sessions SET created_at = now() - interval '35 days'`)
	next, _, err := s.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(next.RefreshTokenExpiresAt); left > 5*24*time.Hour+time.Minute || left < 5*24*time.Hour-time.Hour {
		t.Fatalf("the session ends in %v; want about 5 days", left)
	}
	// Pruning forgets sessions that ended a month ago, not live ones.
	db.MustExec(`INSERT INTO sessions (account_id, expires_at, revoked_at) SELECT id, now(), now() - interval '31 days' FROM accounts`)
	if n, err := s.Prune(ctx); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v)", n, err)
	}
	if _, err := s.Authenticate(ctx, next.AccessToken); err != nil {
		t.Fatalf("the live session was pruned: %v", err)
	}
}

// TestMiddlewareLogsFaultsOnly: a token that could not be checked answers
// 503 UNAVAILABLE in every case, but only a fault is logged as an error: a
// request whose client has gone logs nothing (under a load that clients
// give up on, that was an ERROR line a request), a statement PostgreSQL
// cancelled logs a warning, a database that cannot be used an error.
func TestMiddlewareLogsFaultsOnly(t *testing.T) {
	s := newService(t)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	tok, _, err := s.LogIn(reqlog.WithClient(t.Context(), reqlog.Client{IP: "10.0.0.1"}), "budi@desa.id", "kabut-mahakam-2026")
	if err != nil {
		t.Fatal(err)
	}
	ask := func(svc *session.Service, ctx context.Context) (int, string) {
		t.Helper()
		var logged bytes.Buffer
		ctx = reqlog.With(ctx, slog.New(slog.NewTextHandler(&logged, nil)), "req-1")
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil).WithContext(ctx)
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		w := httptest.NewRecorder()
		svc.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the handler ran") })).ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), `"code":"UNAVAILABLE"`) {
			t.Errorf("answer: %d %s", w.Code, w.Body)
		}
		return w.Code, logged.String()
	}

	gone, cancel := context.WithCancel(t.Context())
	cancel()
	if code, logged := ask(s, gone); code != http.StatusServiceUnavailable || logged != "" {
		t.Errorf("a request whose client has gone: %d, logged %q", code, logged)
	}

	// PostgreSQL cancels the statement (statement_timeout) while the
	// sessions table is locked.
	slow, err := sqlx.Open("postgres", postgres.WithParams(testenv.DatabaseURL(t), "statement_timeout=100"))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	lock, err := s.DB.BeginTxx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lock.MustExec(`LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE`)
	code, logged := ask(session.New(slow, s.Accounts, testAuth, discard), t.Context())
	_ = lock.Rollback()
	if code != http.StatusServiceUnavailable || !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "authenticate") {
		t.Errorf("a statement PostgreSQL cancelled: %d, logged %q", code, logged)
	}

	closed, err := sqlx.Open("postgres", testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if code, logged := ask(session.New(closed, s.Accounts, testAuth, discard), t.Context()); code != http.StatusServiceUnavailable ||
		!strings.Contains(logged, "level=ERROR") || !strings.Contains(logged, "authenticate") {
		t.Errorf("a closed database: %d, logged %q", code, logged)
	}
}
