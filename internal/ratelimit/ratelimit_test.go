package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/ratelimit"
	"github.com/kimhub/kimhub/internal/testenv"
)

func TestFixedWindow(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 10, 0, time.UTC)
	l := &ratelimit.Limiter{DB: testenv.DB(t), Now: func() time.Time { return now }}
	ctx := context.Background()
	lim := ratelimit.Limit{Max: 3, Window: time.Minute}
	for i := 0; i < 3; i++ {
		if err := l.Hit(ctx, "k", lim); err != nil {
			t.Fatalf("hit %d: %v", i+1, err)
		}
	}
	err := l.Hit(ctx, "k", lim)
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.RateLimited || e.Extensions["retryAfter"] != 50 {
		t.Fatalf("fourth hit: %v %+v", err, e)
	}
	if err := l.Check(ctx, "k", lim); !apperr.Is(err, apperr.RateLimited) {
		t.Fatalf("check: %v", err)
	}
	if err := l.Hit(ctx, "other", lim); err != nil {
		t.Fatalf("another key: %v", err)
	}
	now = now.Add(time.Minute) // the next window
	if err := l.Hit(ctx, "k", lim); err != nil {
		t.Fatalf("next window: %v", err)
	}
	if err := l.Reset(ctx, "k", lim); err != nil {
		t.Fatal(err)
	}
	if err := l.Prune(ctx, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := l.DB.Get(&n, `SELECT count(*) FROM rate_limits`); err != nil || n != 0 {
		t.Fatalf("%d counters left after reset and prune (%v)", n, err)
	}
}
