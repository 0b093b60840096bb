// Package ratelimit counts hits per key in fixed time windows kept in
// PostgreSQL, so that every server instance sees the same counts.
package ratelimit

import (
	"context"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
)

// Limit is at most Max hits per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Limiter counts hits.
type Limiter struct {
	DB  *sqlx.DB
	Now func() time.Time // time.Now when nil
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Limiter) window(lim Limit) (start time.Time, retryAfter time.Duration) {
	now := l.now()
	start = now.Truncate(lim.Window)
	return start, start.Add(lim.Window).Sub(now)
}

// Hit counts one hit on key and returns RATE_LIMITED, with the seconds to
// wait in extensions.retryAfter, once the window's count passes lim.Max.
func (l *Limiter) Hit(ctx context.Context, key string, lim Limit) error {
	start, retry := l.window(lim)
	var hits int
	err := l.DB.GetContext(ctx, &hits, `INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
		RETURNING hits`, key, start)
	if err != nil {
		return postgres.MapError(err, "rate limit", "")
	}
	if hits > lim.Max {
		return Exceeded(retry)
	}
	return nil
}

// Check returns RATE_LIMITED if key has already used up its window,
// without counting a hit.
func (l *Limiter) Check(ctx context.Context, key string, lim Limit) error {
	start, retry := l.window(lim)
	var hits int
	err := l.DB.GetContext(ctx, &hits, `SELECT COALESCE(max(hits), 0) FROM rate_limits WHERE key = $1 AND window_start = $2`, key, start)
	if err != nil {
		return postgres.MapError(err, "rate limit", "")
	}
	if hits >= lim.Max {
		return Exceeded(retry)
	}
	return nil
}

// Reset forgets key's hits in the current window (after a successful login,
// say).
func (l *Limiter) Reset(ctx context.Context, key string, lim Limit) error {
	start, _ := l.window(lim)
	_, err := l.DB.ExecContext(ctx, `DELETE FROM rate_limits WHERE key = $1 AND window_start = $2`, key, start)
	return postgres.MapError(err, "rate limit reset", "")
}

// Prune deletes the counters of windows that ended before cutoff.
func (l *Limiter) Prune(ctx context.Context, cutoff time.Time) error {
	_, err := l.DB.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, cutoff)
	return postgres.MapError(err, "rate limit prune", "")
}

// Exceeded is the RATE_LIMITED error with its retry-after hint in whole
// seconds.
func Exceeded(retry time.Duration) error {
	secs := int(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return apperr.New(apperr.RateLimited, "too many attempts; try again in %d seconds", secs).With("retryAfter", secs)
}
