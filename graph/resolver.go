package graph

import (
	"github.com/kimhub/kimhub/internal/region"
)

// Resolver holds the services the resolvers call. Resolvers stay thin: they
// unpack arguments, call one service method or loader, and return domain
// types; rules live in internal/.
type Resolver struct {
	Svc Services
}

// Services are kimhub's domain services, as the resolvers see them.
type Services struct {
	Regions *region.Store
}
