package graph

import (
	"sort"

	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/session"
	"github.com/kimhub/kimhub/internal/stats"
)

// Resolver holds the services the resolvers call. Resolvers stay thin: they
// unpack arguments, call one service method or loader, and return domain
// types; rules live in internal/.
type Resolver struct {
	Svc Services
	// Views records who reads a post (nil: views are not counted).
	Views *publishing.ViewRecorder
}

// Services are kimhub's domain services, as the resolvers see them.
type Services struct {
	Regions        *region.Store
	Accounts       *account.Service
	Grants         *grant.Service
	Sessions       *session.Service
	Audit          *audit.Store
	Media          *media.Service
	Communities    *community.Service
	Notifications  *notify.Store
	Posts          *publishing.Service
	Programs       *program.Service
	Disseminations *dissemination.Service
	Aspirations    *aspiration.Service
	Stats          *stats.Service
}

// deref returns what an optional argument points to, or def.
func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// sortedKeys returns a map's keys in order, for stable output.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
