// Package loader batches the database reads of one GraphQL request.
//
// Every relation field (Region.parent, Region.children, and those of later
// types) loads through a per-request loader instead of querying on its own:
// the loader collects the keys that sibling fields ask for in the same tick
// and fetches them in one statement (`= ANY($1)`). A page of children
// whose parents came in one list (PageLoader's sibling groups) is fetched
// for all of them as soon as the first asks, without waiting to collect
// keys. A dashboard query costs a number of SQL statements that grows with
// its depth, not with its rows.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/stats"
)

// Wait is how long a loader collects keys before it fetches. gqlgen starts
// sibling resolvers at once, so a short wait catches them all. A variable
// only for cmd/benchdash, which measures other waits; set it before serving.
var Wait = 2 * time.Millisecond

// Stores are what the loaders read from.
type Stores struct {
	Regions        *region.Store
	Accounts       *account.Service
	Grants         *grant.Service
	Media          *media.Service
	Communities    *community.Service
	Posts          *publishing.Service
	Programs       *program.Service
	Disseminations *dissemination.Service
	Aspirations    *aspiration.Service
	Stats          *stats.Service
}

// Loaders are one request's batched readers.
type Loaders struct {
	Region         *dataloadgen.Loader[string, *region.Region]
	RegionChildren *PageLoader[string, *region.Region]
	Account        *dataloadgen.Loader[int64, *account.Account]
	// ActiveGrants are an account's active grants (unfiltered: the caller
	// asks the policy which of them the viewer may see).
	ActiveGrants *dataloadgen.Loader[int64, []access.Grant]
	// MediaVariants are an asset's derived image sizes.
	MediaVariants *dataloadgen.Loader[int64, []media.VariantInfo]
	// MediaAsset loads assets unchecked: callers ask media.CheckRead.
	MediaAsset *dataloadgen.Loader[int64, *media.Asset]

	// Community loads communities unchecked: callers ask community.MayView.
	Community       *dataloadgen.Loader[int64, *community.Community]
	CommunityFields *dataloadgen.Loader[int64, []string]
	Field           *dataloadgen.Loader[string, *community.Field]
	// ViewerRole is the request's actor's role in a community ("" if none).
	ViewerRole *dataloadgen.Loader[int64, access.CommunityRole]
	// RegionCommunities pages the communities of a region's subtree; Extra
	// is the encoded CommunityQuery.
	RegionCommunities *PageLoader[string, *community.Community]
	// CommunityMembers pages a community's members; Extra is "pending" for
	// the open invitations and requests.
	CommunityMembers   *PageLoader[int64, *community.Membership]
	AccountMemberships *dataloadgen.Loader[int64, []community.Membership]

	PostTags  *dataloadgen.Loader[int64, []string]
	PostMedia *dataloadgen.Loader[int64, []int64]
	// RegionPosts and CommunityPosts page published feeds; Extra is the
	// encoded FeedFilter.
	RegionPosts    *PageLoader[string, *publishing.Post]
	CommunityPosts *PageLoader[string, *publishing.Post]

	ShowcaseGallery *dataloadgen.Loader[int64, []int64]

	ProgramTargets     *dataloadgen.Loader[int64, []string]
	ProgramAttachments *dataloadgen.Loader[int64, []int64]
	// Program loads programmes unchecked: reports exist only on published
	// (public) ones.
	Program *dataloadgen.Loader[int64, *program.Program]
	// AspirationResponses are threads, unchecked: callers have read the
	// aspiration.
	AspirationResponses *dataloadgen.Loader[int64, []*aspiration.Response]
	// ResponseFiles are a thread response's files, read through its
	// aspiration (aspiration.Service.Files).
	ResponseFiles         *dataloadgen.Loader[int64, []*media.Asset]
	DisseminationEvidence *dataloadgen.Loader[int64, []int64]
	// ProgramDisseminations pages a programme's reports.
	ProgramDisseminations *PageLoader[int64, *dissemination.Dissemination]
	// ProgramFeed pages the programmes for a community (with its domicile).
	ProgramFeed        *PageLoader[CommunityAt, *program.Program]
	CommunityShowcases *PageLoader[string, *publishing.Showcase]
	// CommunityActivity is a community's activity index as of a day
	// (unchecked: callers ask stats.MayReadActivity).
	CommunityActivity *dataloadgen.Loader[ActivityKey, *stats.CommunityActivity]

	stores Stores
}

// ActivityKey asks for a community's activity index as of a day.
type ActivityKey struct {
	ID   int64
	AsOf time.Time
}

// CommunityAt is a community with its domicile, the key of its programme
// feed.
type CommunityAt struct {
	ID       int64
	Domicile string
}

// EncodeFeed makes a feed filter a loader key part.
func EncodeFeed(f publishing.FeedFilter) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// withAuthors marks a feed key whose posts' authors are asked for.
const withAuthors = "\x00authors"

// WithAuthors marks an encoded feed key: the fetch also loads the posts'
// authors, in one statement, into the Account loader. Without it the
// authors of hundreds of posts (a province's regencies → communities →
// posts) arrive at the Account loader over more than its wait, and split
// into many batches.
func WithAuthors(extra string) string { return extra + withAuthors }

func decodeFeed(s string) publishing.FeedFilter {
	var f publishing.FeedFilter
	_ = json.Unmarshal([]byte(strings.TrimSuffix(s, withAuthors)), &f)
	return f
}

func feedLoader(s Stores, by publishing.By, l *Loaders) *PageLoader[string, *publishing.Post] {
	return newPageLoader(func(extra string) string {
		return publishing.FeedCursorKind(publishing.Posts, decodeFeed(extra).Search)
	},
		func(ctx context.Context, keys []string, p relay.Page, extra string) (map[string]relay.Connection[*publishing.Post], error) {
			conns, err := s.Posts.Feed(ctx, by, keys, decodeFeed(extra), p)
			if err == nil && strings.HasSuffix(extra, withAuthors) {
				err = primeAuthors(ctx, s.Accounts, l.Account, conns)
			}
			return conns, err
		}, nil)
}

// primeAuthors loads the authors of the posts in conns, in one statement,
// and primes the Account loader with them.
func primeAuthors(ctx context.Context, accounts *account.Service, into *dataloadgen.Loader[int64, *account.Account],
	conns map[string]relay.Connection[*publishing.Post]) error {
	var ids []int64
	for _, c := range conns {
		for _, e := range c.Edges {
			ids = append(ids, e.Node.AuthorID)
		}
	}
	return prime(ctx, accounts.ByIDs, into, ids)
}

// CommunityQuery is the filter and order of a community list, as a
// RegionCommunities key carries it.
type CommunityQuery struct {
	Filter community.Filter
	Order  community.Order
}

// Encode makes the query a loader key part.
func (q CommunityQuery) Encode() string {
	b, _ := json.Marshal(q)
	return string(b)
}

func decodeQuery(s string) CommunityQuery {
	var q CommunityQuery
	_ = json.Unmarshal([]byte(s), &q)
	return q
}

// New makes a fresh set of loaders; each request gets its own, so nothing
// cached outlives the request or crosses between callers.
func New(s Stores) *Loaders {
	// The closures below record the nodes of each page fetch as siblings
	// (PageLoader); they capture l, which is filled in before any runs.
	l := &Loaders{}
	*l = Loaders{
		Region: dataloadgen.NewMappedLoader(s.Regions.ByCodes, dataloadgen.WithWait(Wait)),
		RegionChildren: newPageLoader(fixed(region.CursorKind), func(ctx context.Context, parents []string, p relay.Page, _ string) (map[string]relay.Connection[*region.Region], error) {
			return s.Regions.Children(ctx, parents, p)
		}, func(conns map[string]relay.Connection[*region.Region]) { l.RegionSiblings(nodesOf(conns)) }),
		Account:         dataloadgen.NewMappedLoader(s.Accounts.ByIDs, dataloadgen.WithWait(Wait)),
		ActiveGrants:    newListLoader(s.Grants.Active),
		MediaVariants:   newListLoader(s.Media.Variants),
		MediaAsset:      dataloadgen.NewMappedLoader(s.Media.ByIDs, dataloadgen.WithWait(Wait)),
		Community:       dataloadgen.NewMappedLoader(s.Communities.ByIDs, dataloadgen.WithWait(Wait)),
		CommunityFields: newListLoader(s.Communities.FieldsOf),
		Field:           dataloadgen.NewMappedLoader(s.Communities.FieldsByCode, dataloadgen.WithWait(Wait)),
		ViewerRole: newValueLoader(func(ctx context.Context, ids []int64) (map[int64]access.CommunityRole, error) {
			return s.Communities.Roles(ctx, access.ActorFrom(ctx).AccountID, ids)
		}),
		RegionCommunities: newPageLoader(func(extra string) string { return community.CursorKind(decodeQuery(extra).Order) },
			func(ctx context.Context, regions []string, p relay.Page, extra string) (map[string]relay.Connection[*community.Community], error) {
				q := decodeQuery(extra)
				return s.Communities.List(ctx, access.ActorFrom(ctx), regions, q.Filter, q.Order, p)
			}, func(conns map[string]relay.Connection[*community.Community]) { l.CommunitySiblings(nodesOf(conns)) }),
		CommunityMembers: newPageLoader(fixed(community.MemberCursorKind),
			func(ctx context.Context, ids []int64, p relay.Page, extra string) (map[int64]relay.Connection[*community.Membership], error) {
				return s.Communities.Members(ctx, ids, extra == "pending", p)
			}, nil),
		AccountMemberships:    newListLoader(s.Communities.MembershipsOf),
		PostTags:              newListLoader(s.Posts.TagsOf),
		PostMedia:             newListLoader(s.Posts.MediaOf),
		ShowcaseGallery:       newListLoader(s.Posts.GalleryOf),
		ProgramTargets:        newListLoader(s.Programs.Targets),
		ProgramAttachments:    newListLoader(s.Programs.Attachments),
		Program:               dataloadgen.NewMappedLoader(s.Programs.ByIDs, dataloadgen.WithWait(Wait)),
		AspirationResponses:   newListLoader(s.Aspirations.Responses),
		ResponseFiles:         newListLoader(s.Aspirations.Files),
		DisseminationEvidence: newListLoader(s.Disseminations.Evidence),
		ProgramDisseminations: newPageLoader(fixed(dissemination.CursorKind),
			func(ctx context.Context, keys []int64, p relay.Page, _ string) (map[int64]relay.Connection[*dissemination.Dissemination], error) {
				return s.Disseminations.ByPrograms(ctx, keys, p)
			}, nil),
		ProgramFeed: newPageLoader(fixed(program.CursorKind),
			func(ctx context.Context, keys []CommunityAt, p relay.Page, _ string) (map[CommunityAt]relay.Connection[*program.Program], error) {
				m := make(map[int64]string, len(keys))
				for _, k := range keys {
					m[k.ID] = k.Domicile
				}
				byID, err := s.Programs.Feed(ctx, m, p)
				out := make(map[CommunityAt]relay.Connection[*program.Program], len(keys))
				for _, k := range keys {
					out[k] = byID[k.ID]
				}
				return out, err
			}, nil),
		CommunityShowcases: newPageLoader(func(extra string) string {
			return publishing.FeedCursorKind(publishing.Showcases, decodeFeed(extra).Search)
		},
			func(ctx context.Context, keys []string, p relay.Page, extra string) (map[string]relay.Connection[*publishing.Showcase], error) {
				return s.Posts.ShowcaseFeed(ctx, publishing.ByCommunity, keys, decodeFeed(extra), p)
			}, nil),
		CommunityActivity: activityLoader(s.Stats),
	}
	// Open invitations and requests are read only for the communities
	// whose field passed community.MayAdmit.
	l.CommunityMembers.batchOnly = func(extra string) bool { return extra == "pending" }
	l.RegionPosts = feedLoader(s, publishing.ByRegion, l)
	l.CommunityPosts = feedLoader(s, publishing.ByCommunity, l)
	l.stores = s
	return l
}

// RegionSiblings records regions returned together (a page of them, or
// the one region a root field found): the pages their fields ask for
// (children, communities, posts) are each read for all of them at once,
// without waiting for a batch (PageLoader).
func (l *Loaders) RegionSiblings(regions []*region.Region) {
	codes := make([]string, len(regions))
	for i, r := range regions {
		codes[i] = r.Code
	}
	l.RegionChildren.Siblings(codes)
	l.RegionCommunities.Siblings(codes)
	l.RegionPosts.Siblings(codes)
}

// CommunitySiblings is RegionSiblings for communities (their members,
// posts, showcases and programme feed).
func (l *Loaders) CommunitySiblings(communities []*community.Community) {
	ids := make([]int64, len(communities))
	keys := make([]string, len(communities))
	var at []CommunityAt
	for i, c := range communities {
		ids[i], keys[i] = c.ID, strconv.FormatInt(c.ID, 10)
		if c.DomicileCode != nil {
			at = append(at, CommunityAt{c.ID, *c.DomicileCode})
		}
	}
	l.CommunityMembers.Siblings(ids)
	l.CommunityPosts.Siblings(keys)
	l.CommunityShowcases.Siblings(keys)
	l.ProgramFeed.Siblings(at)
}

// nodesOf lists the nodes of a fetch's pages.
func nodesOf[P comparable, T any](conns map[P]relay.Connection[T]) []T {
	var out []T
	for _, c := range conns {
		for _, e := range c.Edges {
			out = append(out, e.Node)
		}
	}
	return out
}

// PostRelations says which of its posts' relations a page selects.
type PostRelations struct{ Authors, Communities, Covers bool }

// PrimePosts fetches, at once and side by side, the relations a page of
// posts selects (their authors, communities and cover assets, unchecked
// like the loaders' own), and primes the loaders with them: the posts'
// fields then find them without waiting for a batch to gather. For a
// root list, whose posts are all known when it returns (nested lists get
// their authors with their feed, WithAuthors). A fetch that fails primes
// nothing: the fields then load through the loaders, which report it.
func (l *Loaders) PrimePosts(ctx context.Context, posts []*publishing.Post, want PostRelations) {
	var authors, communities, covers []int64
	for _, p := range posts {
		authors = append(authors, p.AuthorID)
		communities = append(communities, p.CommunityID)
		if p.CoverID != nil {
			covers = append(covers, *p.CoverID)
		}
	}
	var wg sync.WaitGroup
	if want.Authors {
		wg.Go(func() { _ = prime(ctx, l.stores.Accounts.ByIDs, l.Account, authors) })
	}
	if want.Communities {
		wg.Go(func() { _ = prime(ctx, l.stores.Communities.ByIDs, l.Community, communities) })
	}
	if want.Covers {
		wg.Go(func() { _ = prime(ctx, l.stores.Media.ByIDs, l.MediaAsset, covers) })
	}
	wg.Wait()
}

// prime fetches keys (each once) in one statement and primes into with
// what it found (Prime keeps a value into already has).
func prime[K comparable, V any](ctx context.Context, fetch func(context.Context, []K) (map[K]V, error),
	into *dataloadgen.Loader[K, V], keys []K) error {
	set := make(map[K]struct{}, len(keys))
	for _, k := range keys {
		set[k] = struct{}{}
	}
	if len(set) == 0 {
		return nil
	}
	found, err := fetch(ctx, slices.Collect(maps.Keys(set)))
	for k, v := range found {
		into.Prime(k, v)
	}
	return err
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
	}, dataloadgen.WithWait(Wait))
}

// newValueLoader batches a lookup whose missing keys mean the zero value.
func newValueLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) *dataloadgen.Loader[K, V] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []K) ([]V, []error) {
		m, err := fetch(ctx, keys)
		out := make([]V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			out[i], errs[i] = m[k], err
		}
		return out, errs
	}, dataloadgen.WithWait(Wait))
}

// fixed is the cursor kind of a list whose kind does not depend on extra.
func fixed(kind string) func(string) string { return func(string) string { return kind } }

// activityLoader batches the activity index of communities, one fetch per
// day asked for.
func activityLoader(s *stats.Service) *dataloadgen.Loader[ActivityKey, *stats.CommunityActivity] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []ActivityKey) ([]*stats.CommunityActivity, []error) {
		out := make([]*stats.CommunityActivity, len(keys))
		errs := make([]error, len(keys))
		byDay := map[time.Time][]int{}
		for i, k := range keys {
			byDay[k.AsOf] = append(byDay[k.AsOf], i)
		}
		for day, idx := range byDay {
			ids := make([]int64, len(idx))
			for j, i := range idx {
				ids[j] = keys[i].ID
			}
			m, err := s.OfCommunities(ctx, ids, day)
			for _, i := range idx {
				out[i], errs[i] = m[keys[i].ID], err
			}
		}
		return out, errs
	}, dataloadgen.WithWait(Wait))
}
