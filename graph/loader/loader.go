// Package loader batches the database reads of one GraphQL request.
//
// Every relation field (Region.parent, Region.children, and those of later
// types) loads through a per-request loader instead of querying on its own,
// and every list a request fetches records its nodes as siblings
// (siblings.go): what they will ask for, a page each (PageLoader) or an
// object or list by key (Keyed), is fetched for all of them in one
// statement (`= ANY($1)`) as soon as the first asks. Keys that no list
// announced (a root field's single object) are collected over a short wait
// into a batch. A dashboard query costs a number of SQL statements that
// grows with its depth, not with its rows, however busy the machine.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
	Region         *Keyed[string, *region.Region]
	RegionChildren *PageLoader[string, *region.Region]
	Account        *Keyed[int64, *account.Account]
	// ActiveGrants are an account's active grants (unfiltered: the caller
	// asks the policy which of them the viewer may see).
	ActiveGrants *Keyed[int64, []access.Grant]
	// MediaVariants are an asset's derived image sizes.
	MediaVariants *Keyed[int64, []media.VariantInfo]
	// MediaAsset loads assets unchecked: callers ask media.CheckRead.
	MediaAsset *Keyed[int64, *media.Asset]

	// Community loads communities unchecked: callers ask community.MayView.
	Community       *Keyed[int64, *community.Community]
	CommunityFields *Keyed[int64, []string]
	Field           *Keyed[string, *community.Field]
	// ViewerRole is the request's actor's role in a community ("" if none).
	ViewerRole *Keyed[int64, access.CommunityRole]
	// RegionCommunities pages the communities of a region's subtree; Extra
	// is the encoded CommunityQuery.
	RegionCommunities *PageLoader[string, *community.Community]
	// CommunityMembers pages a community's members.
	CommunityMembers *PageLoader[int64, *community.Membership]
	// MembershipRequests pages a community's open invitations and
	// requests, read only for communities the caller may admit to
	// (Requests).
	MembershipRequests *PageLoader[int64, *community.Membership]
	AccountMemberships *Keyed[int64, []community.Membership]

	PostTags  *Keyed[int64, []string]
	PostMedia *Keyed[int64, []int64]
	// RegionPosts and CommunityPosts page published feeds; Extra is the
	// encoded FeedFilter.
	RegionPosts    *PageLoader[string, *publishing.Post]
	CommunityPosts *PageLoader[string, *publishing.Post]

	ShowcaseGallery *Keyed[int64, []int64]

	ProgramTargets     *Keyed[int64, []string]
	ProgramAttachments *Keyed[int64, []int64]
	// Program loads programmes unchecked: reports exist only on published
	// (public) ones.
	Program *Keyed[int64, *program.Program]
	// AspirationResponses are threads, unchecked: callers have read the
	// aspiration.
	AspirationResponses *Keyed[int64, []*aspiration.Response]
	// ResponseFiles are a thread response's files, read through its
	// aspiration (aspiration.Service.Files).
	ResponseFiles         *Keyed[int64, []*media.Asset]
	DisseminationEvidence *Keyed[int64, []int64]
	// ProgramDisseminations pages a programme's reports.
	ProgramDisseminations *PageLoader[int64, *dissemination.Dissemination]
	// ProgramFeed pages the programmes for a community (with its domicile).
	ProgramFeed        *PageLoader[CommunityAt, *program.Program]
	CommunityShowcases *PageLoader[string, *publishing.Showcase]
	// CommunityActivity is a community's activity index as of a day
	// (unchecked: callers ask stats.MayReadActivity; Activity records
	// its siblings).
	CommunityActivity *Keyed[ActivityKey, *stats.CommunityActivity]

	mu sync.Mutex
	// communityGroups are the communities each community was listed with
	// (CommunitySiblings), for Activity and Requests, which read for the
	// siblings that a permission check allows.
	communityGroups map[int64][]*community.Community
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

func decodeFeed(s string) publishing.FeedFilter {
	var f publishing.FeedFilter
	_ = json.Unmarshal([]byte(s), &f)
	return f
}

func feedLoader(s Stores, by publishing.By, l *Loaders) *PageLoader[string, *publishing.Post] {
	return newPageLoader(func(extra string) string {
		return publishing.FeedCursorKind(publishing.Posts, decodeFeed(extra).Search)
	},
		func(ctx context.Context, keys []string, p relay.Page, extra string) (map[string]relay.Connection[*publishing.Post], error) {
			conns, err := s.Posts.Feed(ctx, by, keys, decodeFeed(extra), p)
			if err != nil {
				return nil, err
			}
			l.PostSiblings(nodesOf(conns))
			return conns, nil
		}, nil)
}

// WithAccounts is the Extra of a CommunityMembers or MembershipRequests
// key whose page shows the members' accounts: they are read along
// (community.Service.Members); WithBylines, of one whose page shows no
// more of them than their bylines.
const (
	WithAccounts = "accounts"
	WithBylines  = "bylines"
)

// along is what a members page key's Extra asks to read along.
func along(extra string) community.Along {
	switch extra {
	case WithAccounts:
		return community.WholeAccounts
	case WithBylines:
		return community.Bylines
	}
	return community.NoAccounts
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
		communityGroups: map[int64][]*community.Community{},
		Region: newObjectLoader(s.Regions.ByCodes, func(m map[string]*region.Region) {
			l.RegionSiblings(fresh(m, func(r *region.Region) bool { return l.RegionChildren.listed(r.Code) }))
		}),
		RegionChildren: newPageLoader(fixed(region.CursorKind), func(ctx context.Context, parents []string, p relay.Page, _ string) (map[string]relay.Connection[*region.Region], error) {
			return s.Regions.Children(ctx, parents, p)
		}, func(conns map[string]relay.Connection[*region.Region]) { l.RegionSiblings(nodesOf(conns)) }),
		Account: newObjectLoader(s.Accounts.ByIDs, func(m map[int64]*account.Account) {
			l.AccountSiblings(fresh(m, func(a *account.Account) bool { return l.ActiveGrants.expected(a.ID) }))
		}),
		ActiveGrants:  newListLoader(s.Grants.Active, func(v []access.Grant) { l.GrantSiblings(v) }),
		MediaVariants: newListLoader(s.Media.Variants, nil),
		MediaAsset: newObjectLoader(s.Media.ByIDs, func(m map[int64]*media.Asset) {
			l.AssetSiblings(fresh(m, func(a *media.Asset) bool { return l.MediaVariants.expected(a.ID) }))
		}),
		Community: newObjectLoader(s.Communities.ByIDs, func(m map[int64]*community.Community) {
			l.CommunitySiblings(fresh(m, func(c *community.Community) bool { return l.CommunityMembers.listed(c.ID) }))
		}),
		CommunityFields: newListLoader(s.Communities.FieldsOf, func(v []string) { l.Field.Expect(v) }),
		Field:           newObjectLoader(s.Communities.FieldsByCode, nil),
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
				return s.Communities.Members(ctx, ids, false, along(extra), p)
			}, func(conns map[int64]relay.Connection[*community.Membership]) { l.MembershipSiblings(nodesOf(conns)) }),
		MembershipRequests: newPageLoader(fixed(community.MemberCursorKind),
			func(ctx context.Context, ids []int64, p relay.Page, extra string) (map[int64]relay.Connection[*community.Membership], error) {
				return s.Communities.Members(ctx, ids, true, along(extra), p)
			}, func(conns map[int64]relay.Connection[*community.Membership]) { l.MembershipSiblings(nodesOf(conns)) }),
		AccountMemberships: newListLoader(s.Communities.MembershipsOf, func(v []community.Membership) {
			l.MembershipSiblings(each(v, func(m community.Membership) *community.Membership { return &m }))
		}),
		PostTags:           newListLoader(s.Posts.TagsOf, nil),
		PostMedia:          newListLoader(s.Posts.MediaOf, func(v []int64) { l.MediaAsset.Expect(v) }),
		ShowcaseGallery:    newListLoader(s.Posts.GalleryOf, func(v []int64) { l.MediaAsset.Expect(v) }),
		ProgramTargets:     newListLoader(s.Programs.Targets, func(v []string) { l.Region.Expect(v) }),
		ProgramAttachments: newListLoader(s.Programs.Attachments, func(v []int64) { l.MediaAsset.Expect(v) }),
		Program: newObjectLoader(s.Programs.ByIDs, func(m map[int64]*program.Program) {
			l.ProgramSiblings(fresh(m, func(p *program.Program) bool { return l.ProgramTargets.expected(p.ID) }))
		}),
		AspirationResponses:   newListLoader(s.Aspirations.Responses, func(v []*aspiration.Response) { l.ResponseSiblings(v) }),
		ResponseFiles:         newListLoader(s.Aspirations.Files, func(v []*media.Asset) { l.AssetSiblings(v) }),
		DisseminationEvidence: newListLoader(s.Disseminations.Evidence, func(v []int64) { l.MediaAsset.Expect(v) }),
		ProgramDisseminations: newPageLoader(fixed(dissemination.CursorKind),
			func(ctx context.Context, keys []int64, p relay.Page, _ string) (map[int64]relay.Connection[*dissemination.Dissemination], error) {
				return s.Disseminations.ByPrograms(ctx, keys, p)
			}, func(conns map[int64]relay.Connection[*dissemination.Dissemination]) {
				l.DisseminationSiblings(nodesOf(conns))
			}),
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
			}, func(conns map[CommunityAt]relay.Connection[*program.Program]) { l.ProgramSiblings(nodesOf(conns)) }),
		CommunityShowcases: newPageLoader(func(extra string) string {
			return publishing.FeedCursorKind(publishing.Showcases, decodeFeed(extra).Search)
		},
			func(ctx context.Context, keys []string, p relay.Page, extra string) (map[string]relay.Connection[*publishing.Showcase], error) {
				return s.Posts.ShowcaseFeed(ctx, publishing.ByCommunity, keys, decodeFeed(extra), p)
			}, func(conns map[string]relay.Connection[*publishing.Showcase]) { l.ShowcaseSiblings(nodesOf(conns)) }),
		CommunityActivity: activityLoader(s.Stats),
	}
	l.RegionPosts = feedLoader(s, publishing.ByRegion, l)
	l.CommunityPosts = feedLoader(s, publishing.ByCommunity, l)
	return l
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
func Get[K comparable, V any](ctx context.Context, l *Keyed[K, V], key K, notFound string) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, apperr.NotFoundf("%s", notFound)
	}
	return v, err
}

// fixed is the cursor kind of a list whose kind does not depend on extra.
func fixed(kind string) func(string) string { return func(string) string { return kind } }

// activityLoader loads the activity index of communities, one fetch per
// day asked for (a key whose community has no index gets nil).
func activityLoader(s *stats.Service) *Keyed[ActivityKey, *stats.CommunityActivity] {
	return newValueLoader(func(ctx context.Context, keys []ActivityKey) (map[ActivityKey]*stats.CommunityActivity, error) {
		out := make(map[ActivityKey]*stats.CommunityActivity, len(keys))
		byDay := map[time.Time][]int64{}
		for _, k := range keys {
			byDay[k.AsOf] = append(byDay[k.AsOf], k.ID)
		}
		for day, ids := range byDay {
			m, err := s.OfCommunities(ctx, ids, day)
			if err != nil {
				return nil, err
			}
			for id, a := range m {
				out[ActivityKey{id, day}] = a
			}
		}
		return out, nil
	})
}

// Requests loads a page of c's open invitations and requests: for c and,
// in the same statement, for the communities it was listed with that may
// (the caller's check, community.MayAdmit) allows; others are not read.
func (l *Loaders) Requests(ctx context.Context, c *community.Community, args relay.ArgsKey, may func(*community.Community) bool) (relay.Connection[*community.Membership], error) {
	if !l.MembershipRequests.listed(c.ID) {
		l.MembershipRequests.siblingsUnlessListed(c.ID, l.admissible(c, may))
	}
	return l.MembershipRequests.Load(ctx, PageKey[int64]{Parent: c.ID, Args: args})
}

// admissible lists c and the communities it was listed with that may
// allows.
func (l *Loaders) admissible(c *community.Community, may func(*community.Community) bool) []int64 {
	l.mu.Lock()
	group := l.communityGroups[c.ID]
	l.mu.Unlock()
	ids := []int64{c.ID}
	for _, s := range group {
		if s.ID != c.ID && may(s) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Activity loads c's activity index as of day: for c and, in the same
// statement, for the communities it was listed with that may (the caller's
// permission check) allows; others are not read.
func (l *Loaders) Activity(ctx context.Context, c *community.Community, day time.Time, may func(*community.Community) bool) (*stats.CommunityActivity, error) {
	key := ActivityKey{c.ID, day}
	if !l.CommunityActivity.expected(key) {
		keys := each(l.admissible(c, may), func(id int64) ActivityKey { return ActivityKey{id, day} })
		l.CommunityActivity.expectUnless(key, keys)
	}
	return l.CommunityActivity.Load(ctx, key)
}
