package graph

import (
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/session"
)

// Resolver holds the services the resolvers call. Resolvers stay thin: they
// unpack arguments, call one service method or loader, and return domain
// types; rules live in internal/.
type Resolver struct {
	Svc Services
}

// Services are kimhub's domain services, as the resolvers see them.
type Services struct {
	Regions  *region.Store
	Accounts *account.Service
	Grants   *grant.Service
	Sessions *session.Service
	Audit    *audit.Store
}

// deref returns the string an optional argument points to, or "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
