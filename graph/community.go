package graph

import (
	"context"
	"time"

	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/graph/model"
	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/relay"
)

// profileInput is what RegisterCommunityInput and UpdateCommunityInput
// share, for turning either into a community.Profile.
type profileInput struct {
	Name, Slug, DomicileCode, Description, ContactEmail, ContactPhone *string
	Category                                                          *community.Category
	Fields                                                            []string
	SocialLinks                                                       []*model.SocialLinkInput
	Latitude, Longitude                                               *float64
	FoundedOn                                                         *model.Date
	LogoID, DecreeID                                                  *string
	MembersMayReport                                                  *bool
}

func (in profileInput) profile() (community.Profile, error) {
	p := community.Profile{
		Name: in.Name, Slug: in.Slug, Category: in.Category, Fields: in.Fields, DomicileCode: in.DomicileCode,
		Description: in.Description, ContactEmail: in.ContactEmail, ContactPhone: in.ContactPhone,
		Latitude: in.Latitude, Longitude: in.Longitude, MembersMayReport: in.MembersMayReport,
	}
	if in.SocialLinks != nil {
		p.SocialLinks = []community.SocialLink{}
		for _, l := range in.SocialLinks {
			p.SocialLinks = append(p.SocialLinks, community.SocialLink{Kind: string(l.Kind), URL: l.URL})
		}
	}
	if in.FoundedOn != nil {
		t := time.Time(*in.FoundedOn)
		p.FoundedOn = &t
	}
	for _, a := range []struct {
		id    *string
		dst   **int64
		field string
	}{{in.LogoID, &p.LogoID, "logoId"}, {in.DecreeID, &p.DecreeID, "decreeId"}} {
		if a.id != nil {
			n, err := int64ID(*a.id, typeMediaAsset, a.field)
			if err != nil {
				return p, err
			}
			*a.dst = &n
		}
	}
	return p, nil
}

// communityQuery turns the list arguments into the loader's query, for
// the current connection field: its communities' headline columns only
// when that is all its nodes show (communityHeadlineFields).
func communityQuery(ctx context.Context, filter *model.CommunityFilter, orderBy *community.Order) (loader.CommunityQuery, *string) {
	q := loader.CommunityQuery{Order: deref(orderBy, community.ByName)}
	var regionCode *string
	if filter != nil {
		q.Filter = community.Filter{Category: filter.Category, Fields: filter.Fields, Status: filter.Status, Search: deref(filter.Search, "")}
		regionCode = filter.RegionCode
	}
	q.Filter.Headlines = communityHeadlinesOnly(nodeFields(ctx))
	return q, regionCode
}

// communityHeadlineFields are the fields of a Community that resolve from
// community.HeadlineColumns alone, or through loaders keyed by them (its
// id and domicile), with its permission checks (which read its status and
// domicile). A field left out reads every column: the safe default.
var communityHeadlineFields = map[string]bool{"__typename": true, "id": true, "name": true, "slug": true, "domain": true,
	"category": true, "domicile": true, "status": true, "memberCount": true, "createdAt": true, "fields": true,
	"viewerRole": true, "posts": true, "showcases": true, "programFeed": true, "members": true, "activity": true}

// communityHeadlinesOnly reports whether a list's nodes select community
// headline fields only (community.Filter.Headlines).
func communityHeadlinesOnly(nodes selected) bool { return nodes.only(communityHeadlineFields) }

// visibleCommunity loads a community for a nested field, nil if the actor
// may not see it. The viewer's role is read only for a community that is
// not public (community.Public), the only one whose visibility it decides.
func visibleCommunity(ctx context.Context, id int64) (*community.Community, error) {
	l := loader.For(ctx)
	c, err := loader.Get(ctx, l.Community, id, "no such community")
	if err != nil || community.Public(c) {
		return c, err
	}
	role, err := l.ViewerRole.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !community.MayView(access.ActorFrom(ctx), c, role) {
		return nil, nil
	}
	return c, nil
}

func communityID(id string) (int64, error) { return int64ID(id, typeCommunity, "communityId") }

func accountID(id string) (int64, error) { return int64ID(id, typeAccount, "accountId") }

// pageArgs bundles the Relay arguments.
func pageArgs(first *int, after *string, last *int, before *string) relay.Args {
	return relay.Args{First: first, After: after, Last: last, Before: before}
}

// membersExtra is the Extra of a members page's key: its members' accounts
// are read along when the page shows them, their bylines alone when it
// shows no more of them (bylineFields).
func membersExtra(ctx context.Context) string {
	nodes := nodeFields(ctx)
	switch {
	case nodes.within("account", bylineFields):
		return loader.WithBylines
	case nodes.has("account"):
		return loader.WithAccounts
	}
	return ""
}
