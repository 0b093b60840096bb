// Package loader batches the database reads of one GraphQL request.
//
// Every relation field (Region.parent, Region.children, and those of later
// types) loads through a per-request loader instead of querying on its own:
// the loader collects the keys that sibling fields ask for in the same tick
// and fetches them in one statement (`= ANY($1)`). A dashboard query costs a
// number of SQL statements that grows with its depth, not with its rows.
package loader

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// wait is how long a loader collects keys before it fetches. gqlgen starts
// sibling resolvers at once, so a short wait catches them all.
const wait = 2 * time.Millisecond

// Stores are what the loaders read from.
type Stores struct {
	Regions  *region.Store
	Accounts *account.Service
	Grants   *grant.Service
	Media    *media.Service
}

// Loaders are one request's batched readers.
type Loaders struct {
	Region         *dataloadgen.Loader[string, *region.Region]
	RegionChildren *dataloadgen.Loader[PageKey[string], relay.Connection[*region.Region]]
	Account        *dataloadgen.Loader[int64, *account.Account]
	// ActiveGrants are an account's active grants (unfiltered: the caller
	// asks the policy which of them the viewer may see).
	ActiveGrants *dataloadgen.Loader[int64, []access.Grant]
	// MediaVariants are an asset's derived image sizes.
	MediaVariants *dataloadgen.Loader[int64, []media.VariantInfo]
}

// New makes a fresh set of loaders; each request gets its own, so nothing
// cached outlives the request or crosses between callers.
func New(s Stores) *Loaders {
	return &Loaders{
		Region:         dataloadgen.NewMappedLoader(s.Regions.ByCodes, dataloadgen.WithWait(wait)),
		RegionChildren: newPageLoader(region.CursorKind, s.Regions.Children),
		Account:        dataloadgen.NewMappedLoader(s.Accounts.ByIDs, dataloadgen.WithWait(wait)),
		ActiveGrants:   newListLoader(s.Grants.Active),
		MediaVariants:  newListLoader(s.Media.Variants),
	}
}

type ctxKey struct{}

// Middleware gives each request its own loaders.
func Middleware(s Stores, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(s))))
	})
}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loader: no loaders in the context; is loader.Middleware installed?")
	}
	return l
}

// Get loads one object by key through l, mapping a missing key to NOT_FOUND
// with the message notFound.
func Get[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K, notFound string) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, apperr.NotFoundf("%s", notFound)
	}
	return v, err
}

// PageKey asks for one page of the children of a parent.
type PageKey[P comparable] struct {
	Parent P
	Args   relay.ArgsKey
}

// newPageLoader batches "one page of children per parent": keys with the same
// page arguments go to one fetch, so a list of N parents, each asking
// children(first: 5), costs one statement.
func newPageLoader[P comparable, T any](kind string,
	fetch func(ctx context.Context, parents []P, p relay.Page) (map[P]relay.Connection[T], error),
) *dataloadgen.Loader[PageKey[P], relay.Connection[T]] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []PageKey[P]) ([]relay.Connection[T], []error) {
		out := make([]relay.Connection[T], len(keys))
		errs := make([]error, len(keys))
		groups := map[relay.ArgsKey][]int{}
		for i, k := range keys {
			groups[k.Args] = append(groups[k.Args], i)
		}
		for args, idx := range groups {
			page, err := relay.NewPage(kind, args.Args())
			var conns map[P]relay.Connection[T]
			if err == nil {
				parents := make([]P, len(idx))
				for j, i := range idx {
					parents[j] = keys[i].Parent
				}
				conns, err = fetch(ctx, parents, page)
			}
			for _, i := range idx {
				out[i], errs[i] = conns[keys[i].Parent], err
			}
		}
		return out, errs
	}, dataloadgen.WithWait(wait))
}

// newListLoader batches "the list of X for each key": a key with no rows
// gets an empty list, not NOT_FOUND.
func newListLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K][]V, error)) *dataloadgen.Loader[K, []V] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []K) ([][]V, []error) {
		m, err := fetch(ctx, keys)
		out := make([][]V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			out[i], errs[i] = m[k], err
		}
		return out, errs
	}, dataloadgen.WithWait(wait))
}
