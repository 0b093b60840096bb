package postgres_test

import (
	"testing"

	"github.com/kimhub/kimhub/internal/postgres"
)

func TestWithParams(t *testing.T) {
	for _, c := range []struct{ url, params, want string }{
		{"postgres://h/db", "", "postgres://h/db"},
		{"postgres://h/db", "statement_timeout=100", "postgres://h/db?statement_timeout=100"},
		{"postgres://h/db?sslmode=disable", "a=1&b=2", "postgres://h/db?sslmode=disable&a=1&b=2"},
	} {
		if got := postgres.WithParams(c.url, c.params); got != c.want {
			t.Errorf("WithParams(%q, %q) = %q; want %q", c.url, c.params, got, c.want)
		}
	}
}
