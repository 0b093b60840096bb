package loader

import (
	"context"
	"slices"
	"strconv"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/stats"
)

// The functions below record the objects of one list as siblings: what
// their fields load (their pages, and the objects and lists they point to)
// is then read for all of them at once, when the first of them asks
// (PageLoader.Siblings, Keyed.Expect). Every list a query returns goes
// through one of them: page fetches and keyed loads call them for what
// they fetched, root fields for their lists.

// RegionSiblings records regions returned together (a page of them, or
// the one region a root field found): their children, communities, posts
// and ancestors.
func (l *Loaders) RegionSiblings(regions []*region.Region) {
	codes := each(regions, func(r *region.Region) string { return r.Code })
	l.RegionChildren.Siblings(codes)
	l.RegionCommunities.Siblings(codes)
	l.RegionPosts.Siblings(codes)
	// Their ancestors (their parents among them): Region.parent and
	// Region.ancestors.
	l.Region.Expect(slices.Concat(each(regions, func(r *region.Region) []string { return region.AncestorsOf(r.Code) })...))
}

// CommunitySiblings records communities returned together: their members,
// posts, showcases and programme feed, domiciles, logos and decrees,
// fields, and the viewer's role in each.
func (l *Loaders) CommunitySiblings(communities []*community.Community) {
	type c = *community.Community
	ids := each(communities, func(x c) int64 { return x.ID })
	keys := each(communities, func(x c) string { return strconv.FormatInt(x.ID, 10) })
	l.CommunityMembers.Siblings(ids)
	l.CommunityPosts.Siblings(keys)
	l.CommunityShowcases.Siblings(keys)
	l.ProgramFeed.Siblings(some(communities, func(x c) *CommunityAt {
		if x.DomicileCode == nil {
			return nil
		}
		return &CommunityAt{x.ID, *x.DomicileCode}
	}))
	l.Region.Expect(some(communities, func(x c) *string { return x.DomicileCode }))
	l.MediaAsset.Expect(append(some(communities, func(x c) *int64 { return x.LogoID }),
		some(communities, func(x c) *int64 { return x.DecreeID })...))
	l.CommunityFields.Expect(ids)
	l.ViewerRole.Expect(ids)
	l.mu.Lock()
	for _, x := range communities {
		l.communityGroups[x.ID] = communities
	}
	l.mu.Unlock()
}

// PostSiblings records posts returned together: their authors,
// communities, covers, regions, tags and media.
func (l *Loaders) PostSiblings(posts []*publishing.Post) {
	ids := each(posts, func(p *publishing.Post) int64 { return p.ID })
	l.itemSiblings(each(posts, func(p *publishing.Post) *publishing.Item { return &p.Item }))
	l.PostTags.Expect(ids)
	l.PostMedia.Expect(ids)
}

// PreloadCovers fetches now the covers of posts (recorded as siblings
// already): a page's authors and communities came with its posts
// (FeedFilter.Authors, FeedFilter.Communities), its covers are the one
// statement left, started before the fields resolve (Keyed.Preload).
func (l *Loaders) PreloadCovers(ctx context.Context, posts []*publishing.Post) {
	l.MediaAsset.Preload(ctx, some(posts, func(x *publishing.Post) *int64 { return x.CoverID }))
}

// ShowcaseSiblings records showcases returned together: their authors,
// communities, covers, regions and galleries.
func (l *Loaders) ShowcaseSiblings(showcases []*publishing.Showcase) {
	l.itemSiblings(each(showcases, func(s *publishing.Showcase) *publishing.Item { return &s.Item }))
	l.ShowcaseGallery.Expect(each(showcases, func(s *publishing.Showcase) int64 { return s.ID }))
}

func (l *Loaders) itemSiblings(items []*publishing.Item) {
	type i = *publishing.Item
	// Authors and communities a feed read with its items (FeedFilter.Authors,
	// FeedFilter.Communities) are known now: no statement fetches them.
	authors, communities := map[int64]*account.Account{}, map[int64]*community.Community{}
	var headlines []*community.Community
	seen := map[int64]bool{}
	for _, it := range items {
		if it.Author != nil {
			authors[it.AuthorID] = it.Author
		}
		if it.Community != nil {
			communities[it.CommunityID] = it.Community
		}
		if c := it.CommunityHeadline; c != nil && !seen[c.ID] {
			seen[c.ID] = true
			headlines = append(headlines, c)
		}
	}
	l.Account.PrimeAll(authors)
	l.Community.PrimeAll(communities)
	// An item with a byline answers its author field itself, one with a
	// community headline its community field; the headlines' own
	// relations are one group, as a fetched community's are.
	l.Account.Expect(some(items, func(x i) *int64 {
		if x.Byline != nil {
			return nil
		}
		return &x.AuthorID
	}))
	l.expectCommunities(some(items, func(x i) *int64 {
		if x.CommunityHeadline != nil {
			return nil
		}
		return &x.CommunityID
	}))
	if len(headlines) > 0 {
		l.CommunitySiblings(headlines)
	}
	l.MediaAsset.Expect(some(items, func(x i) *int64 { return x.CoverID }))
	l.Region.Expect(each(items, func(x i) string { return x.RegionCode }))
}

// ProgramSiblings records programmes returned together: their publishers,
// categories, targets, attachments and reports.
func (l *Loaders) ProgramSiblings(programs []*program.Program) {
	ids := each(programs, func(p *program.Program) int64 { return p.ID })
	l.Account.Expect(each(programs, func(p *program.Program) int64 { return p.PublisherID }))
	l.Field.Expect(some(programs, func(p *program.Program) *string { return p.Category }))
	l.ProgramTargets.Expect(ids)
	l.ProgramAttachments.Expect(ids)
	l.ProgramDisseminations.Siblings(ids)
}

// DisseminationSiblings records reports returned together: their
// reporters, programmes, communities and evidence.
func (l *Loaders) DisseminationSiblings(reports []*dissemination.Dissemination) {
	type d = *dissemination.Dissemination
	l.Account.Expect(each(reports, func(r d) int64 { return r.ReporterID }))
	l.Program.Expect(each(reports, func(r d) int64 { return r.ProgramID }))
	l.expectCommunities(each(reports, func(r d) int64 { return r.CommunityID }))
	l.DisseminationEvidence.Expect(each(reports, func(r d) int64 { return r.ID }))
}

// AspirationSiblings records aspirations returned together: their
// authors, communities, programmes, regencies and threads.
func (l *Loaders) AspirationSiblings(aspirations []*aspiration.Aspiration) {
	type a = *aspiration.Aspiration
	l.Account.Expect(each(aspirations, func(x a) int64 { return x.AuthorID }))
	l.expectCommunities(each(aspirations, func(x a) int64 { return x.CommunityID }))
	l.Program.Expect(some(aspirations, func(x a) *int64 { return x.ProgramID }))
	l.Region.Expect(each(aspirations, func(x a) string { return x.RegencyCode }))
	l.AspirationResponses.Expect(each(aspirations, func(x a) int64 { return x.ID }))
}

// ResponseSiblings records an aspiration thread's responses: their
// authors and files.
func (l *Loaders) ResponseSiblings(responses []*aspiration.Response) {
	type r = *aspiration.Response
	l.Account.Expect(each(responses, func(x r) int64 { return x.AuthorID }))
	l.ResponseFiles.Expect(each(responses, func(x r) int64 { return x.ID }))
}

// MembershipSiblings records memberships returned together: their
// accounts and communities.
func (l *Loaders) MembershipSiblings(ms []*community.Membership) {
	type m = *community.Membership
	accounts := map[int64]*account.Account{} // read along (WithAccounts)
	for _, x := range ms {
		if x.Account != nil {
			accounts[x.AccountID] = x.Account
		}
	}
	l.Account.PrimeAll(accounts)
	// A membership with a byline answers its account field itself.
	l.Account.Expect(some(ms, func(x m) *int64 {
		if x.Byline != nil {
			return nil
		}
		return &x.AccountID
	}))
	l.expectCommunities(each(ms, func(x m) int64 { return x.CommunityID }))
}

// GrantSiblings records grants returned together: their regions, accounts
// and granting accounts.
func (l *Loaders) GrantSiblings(grants []access.Grant) {
	l.Region.Expect(each(grants, func(g access.Grant) string { return g.RegionCode }))
	l.Account.Expect(append(each(grants, func(g access.Grant) int64 { return g.AccountID }),
		some(grants, func(g access.Grant) *int64 { return g.GrantedBy })...))
}

// AccountSiblings records accounts returned together: their grants and
// memberships.
func (l *Loaders) AccountSiblings(accounts []*account.Account) {
	ids := each(accounts, func(a *account.Account) int64 { return a.ID })
	l.ActiveGrants.Expect(ids)
	l.AccountMemberships.Expect(ids)
}

// AssetSiblings records media assets returned together: their owners,
// regions and sizes.
func (l *Loaders) AssetSiblings(assets []*media.Asset) {
	type a = *media.Asset
	l.MediaVariants.Expect(each(assets, func(x a) int64 { return x.ID }))
	l.Account.Expect(each(assets, func(x a) int64 { return x.OwnerID }))
	l.Region.Expect(some(assets, func(x a) *string { return x.RegionCode }))
}

// ActivitySiblings records the rows of a ranking: their communities.
func (l *Loaders) ActivitySiblings(rows []*stats.CommunityActivity) {
	l.expectCommunities(each(rows, func(r *stats.CommunityActivity) int64 { return r.CommunityID }))
}

// StatsSiblings records the rows of childrenStats: their regions.
func (l *Loaders) StatsSiblings(rows []*stats.Stats) {
	l.Region.Expect(each(rows, func(r *stats.Stats) string { return r.Code }))
}

// RegionActivitySiblings records the rows of a region ranking: their
// regions.
func (l *Loaders) RegionActivitySiblings(rows []*stats.RegionActivity) {
	l.Region.Expect(each(rows, func(r *stats.RegionActivity) string { return r.Code }))
}

// AuditSiblings records audit entries returned together: their actors and
// regions.
func (l *Loaders) AuditSiblings(entries []*audit.Entry) {
	l.Account.Expect(some(entries, func(e *audit.Entry) *int64 { return e.ActorID }))
	l.Region.Expect(some(entries, func(e *audit.Entry) *string { return e.RegionCode }))
}

// expectCommunities records communities that rows point to: the rows'
// fields read them, and the viewer's role in them, to check visibility.
func (l *Loaders) expectCommunities(ids []int64) {
	l.Community.Expect(ids)
	l.ViewerRole.Expect(ids)
}

// each lists f of every item.
func each[T, K any](items []T, f func(T) K) []K {
	out := make([]K, len(items))
	for i, x := range items {
		out[i] = f(x)
	}
	return out
}

// some lists f of every item where f gives one.
func some[T, K any](items []T, f func(T) *K) []K {
	var out []K
	for _, x := range items {
		if k := f(x); k != nil {
			out = append(out, *k)
		}
	}
	return out
}

// fresh lists the objects a fetch by key found that no list has recorded
// yet, for the fetch's hook to record. An object already listed (a region
// in a page, found again as a district's parent) keeps its list's groups:
// were it recorded again, which group a page of its is read for would
// depend on which field asked first.
func fresh[K comparable, V any](m map[K]V, listed func(V) bool) []V {
	var out []V
	for _, v := range m {
		if !listed(v) {
			out = append(out, v)
		}
	}
	return out
}
