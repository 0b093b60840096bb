package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/graph/model"
	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
)

// draftInput turns the shared fields of createPost and updatePost into a
// publishing.DraftInput.
func draftInput(title, body, excerpt *string, tags []string, coverID *string, mediaIDs []string, regionCode *string) (publishing.DraftInput, error) {
	in := publishing.DraftInput{Title: title, Body: body, Excerpt: excerpt, Tags: tags, RegionCode: regionCode}
	if coverID != nil {
		id, err := int64ID(*coverID, typeMediaAsset, "coverId")
		if err != nil {
			return in, err
		}
		in.CoverID = &id
	}
	if mediaIDs != nil {
		in.MediaIDs = []int64{}
		for _, m := range mediaIDs {
			id, err := int64ID(m, typeMediaAsset, "mediaIds")
			if err != nil {
				return in, err
			}
			in.MediaIDs = append(in.MediaIDs, id)
		}
	}
	return in, nil
}

// feedFilter splits a PostFilter (and showcase kinds) into the feed's key
// and its filter.
func feedFilter(f *model.PostFilter, kinds ...publishing.ShowcaseKind) (publishing.By, []string, publishing.FeedFilter, error) {
	if f == nil {
		return publishing.Everywhere, nil, publishing.FeedFilter{Kinds: kinds}, nil
	}
	ff := publishing.FeedFilter{Tags: f.Tags, Kinds: kinds, Featured: f.Featured, From: f.From, To: f.To, Search: deref(f.Search, "")}
	switch {
	case f.RegionCode != nil && f.CommunityID != nil:
		return 0, nil, ff, apperr.Invalid("filter", "give regionCode or communityId, not both")
	case f.RegionCode != nil:
		return publishing.ByRegion, []string{*f.RegionCode}, ff, nil
	case f.CommunityID != nil:
		id, err := int64ID(*f.CommunityID, typeCommunity, "communityId")
		if err != nil {
			return 0, nil, ff, err
		}
		return publishing.ByCommunity, []string{itoa64(id)}, ff, nil
	}
	return publishing.Everywhere, nil, ff, nil
}

// showcaseFilter splits a ShowcaseFilter into the feed's key and filter.
func showcaseFilter(f *model.ShowcaseFilter) (publishing.By, []string, publishing.FeedFilter, error) {
	if f == nil {
		return publishing.Everywhere, nil, publishing.FeedFilter{}, nil
	}
	return feedFilter(&model.PostFilter{RegionCode: f.RegionCode, CommunityID: f.CommunityID, Featured: f.Featured,
		From: f.From, To: f.To, Search: f.Search}, f.Kinds...)
}

// readableAssets loads assets for a nested list, leaving out those the
// caller may not read.
func (r *Resolver) readableAssets(ctx context.Context, ids []int64) ([]*media.Asset, error) {
	all, err := loader.For(ctx).MediaAsset.LoadAll(ctx, ids) // one batch for the whole list
	if err != nil {
		return nil, err
	}
	out := []*media.Asset{}
	for _, a := range all {
		if r.Svc.Media.CheckRead(ctx, access.ActorFrom(ctx), a) == nil {
			out = append(out, a)
		}
	}
	return out, nil
}

// readableAsset loads an asset for a nested field; nil if the caller may
// not read it.
func (r *Resolver) readableAsset(ctx context.Context, id int64) (*media.Asset, error) {
	a, err := loader.Get(ctx, loader.For(ctx).MediaAsset, id, "the media asset is missing")
	if err != nil || r.Svc.Media.CheckRead(ctx, access.ActorFrom(ctx), a) != nil {
		return nil, err
	}
	return a, nil
}

// showcaseInput turns the fields of createShowcase and updateShowcase into a
// publishing.ShowcaseInput.
func showcaseInput(kind *publishing.ShowcaseKind, title, description *string, lat, lng *float64, contact, coverID *string,
	galleryIDs []string, regionCode *string) (publishing.ShowcaseInput, error) {
	in := publishing.ShowcaseInput{Kind: kind, Title: title, Description: description, Latitude: lat, Longitude: lng,
		Contact: contact, RegionCode: regionCode}
	if coverID != nil {
		id, err := int64ID(*coverID, typeMediaAsset, "coverId")
		if err != nil {
			return in, err
		}
		in.CoverID = &id
	}
	if galleryIDs != nil {
		in.GalleryIDs = []int64{}
		for _, g := range galleryIDs {
			id, err := int64ID(g, typeMediaAsset, "galleryIds")
			if err != nil {
				return in, err
			}
			in.GalleryIDs = append(in.GalleryIDs, id)
		}
	}
	return in, nil
}

// programInput turns the fields of createProgram and updateProgram into a
// program.Input.
func programInput(title, summary, body, category *string, targets []string, startsOn, endsOn *model.Date, attachmentIDs []string) (program.Input, error) {
	in := program.Input{Title: title, Summary: summary, Body: body, Category: category, Targets: targets}
	if startsOn != nil {
		t := time.Time(*startsOn)
		in.StartsOn = &t
	}
	if endsOn != nil {
		t := time.Time(*endsOn)
		in.EndsOn = &t
	}
	if attachmentIDs != nil {
		in.AttachmentIDs = []int64{}
		for _, a := range attachmentIDs {
			id, err := int64ID(a, typeMediaAsset, "attachmentIds")
			if err != nil {
				return in, err
			}
			in.AttachmentIDs = append(in.AttachmentIDs, id)
		}
	}
	return in, nil
}

// disseminationInput turns reportDissemination's input into a
// dissemination.Input.
func disseminationInput(input model.ReportDisseminationInput) (dissemination.Input, error) {
	in := dissemination.Input{Channel: dissemination.Channel(input.Channel), On: time.Time(input.DisseminatedOn),
		Reach: input.Reach, Note: deref(input.Note, "")}
	var err error
	if in.ProgramID, err = int64ID(input.ProgramID, typeProgram, "programId"); err != nil {
		return in, err
	}
	if in.CommunityID, err = int64ID(input.CommunityID, typeCommunity, "communityId"); err != nil {
		return in, err
	}
	for _, a := range input.EvidenceIds {
		id, err := int64ID(a, typeMediaAsset, "evidenceIds")
		if err != nil {
			return in, err
		}
		in.EvidenceIDs = append(in.EvidenceIDs, id)
	}
	return in, nil
}

// postFeed completes a posts feed filter for the current connection field,
// whose nodes select nodes (nodeFields): the bodies are left out unless
// selected.
func postFeed(f publishing.FeedFilter, nodes selected) publishing.FeedFilter {
	f.OmitBodies = !nodes.has("body") && !nodes.has("bodyHtml")
	return readAlong(f, nodes)
}

// showcaseFeed is postFeed for showcases.
func showcaseFeed(f publishing.FeedFilter, nodes selected) publishing.FeedFilter {
	f.OmitBodies = !nodes.has("description") && !nodes.has("descriptionHtml")
	return readAlong(f, nodes)
}

// readAlong sets what a feed reads besides its items' bodies: headline
// columns only when that is all the nodes show, and the authors (whole
// accounts, or bylines when the nodes ask only bylineFields of them) and
// communities (whole, or their headlines when the nodes ask only
// communityHeadlineFields of them) they select.
func readAlong(f publishing.FeedFilter, nodes selected) publishing.FeedFilter {
	f.Headlines = headlinesOnly(nodes)
	if nodes.has("community") {
		f.CommunityHeadlines = nodes.within("community", communityHeadlineFields)
		f.Communities = !f.CommunityHeadlines
	}
	if nodes.has("author") {
		f.Bylines = nodes.within("author", bylineFields)
		f.Authors = !f.Bylines
	}
	return f
}

// bylineFields are the fields of an Account that a byline
// (publishing.Item.Byline: account.BylineColumns) answers.
var bylineFields = map[string]bool{"__typename": true, "id": true, "name": true}

// itemAuthor is an item's author: its byline when its feed read only that
// (publishing.FeedFilter.Bylines, chosen when this field asks for no more),
// otherwise the whole account, through the request's loader.
func itemAuthor(ctx context.Context, it *publishing.Item) (*account.Account, error) {
	if it.Byline != nil {
		return it.Byline, nil
	}
	return loader.Get(ctx, loader.For(ctx).Account, it.AuthorID, "the author is missing")
}

// itemCommunity is an item's community: its headline when its feed read
// only that (publishing.FeedFilter.CommunityHeadlines; a feed shows only
// items of ACTIVE communities, which anyone may view), otherwise the whole
// community through the request's loader, if the caller may view it.
func itemCommunity(ctx context.Context, it *publishing.Item) (*community.Community, error) {
	if c := it.CommunityHeadline; c != nil && community.Public(c) {
		return c, nil
	}
	c, err := visibleCommunity(ctx, it.CommunityID)
	if err == nil && c == nil {
		err = apperr.NotFoundf("no such community")
	}
	return c, err
}

// headlineFields are the fields of a post or showcase that resolve from
// publishing.HeadlineColumns alone (or through loaders keyed by them).
var headlineFields = map[string]bool{"__typename": true, "id": true, "title": true, "slug": true, "publishAt": true,
	"author": true, "community": true, "cover": true, "region": true, "status": true}

// headlinesOnly reports whether a list's nodes select headline fields only
// (publishing.FeedFilter.Headlines); any other field reads every column.
func headlinesOnly(nodes selected) bool { return nodes.only(headlineFields) }

// feedExtra encodes a posts feed filter as a loader key part (postFeed:
// what the query selects of the posts, their authors and communities
// read in the feed's statement when it selects them).
func feedExtra(ctx context.Context, f publishing.FeedFilter) string {
	return loader.EncodeFeed(postFeed(f, nodeFields(ctx)))
}

// selected is what a connection field selects on its nodes: the name of
// each field, with the names of the fields it selects in turn (an object's,
// read along with the nodes; nil for a scalar), through fragments and
// every occurrence of the field (aliases) together.
type selected map[string]map[string]bool

// has reports whether the nodes select field f.
func (s selected) has(f string) bool {
	_, ok := s[f]
	return ok
}

// within reports whether the nodes select field f and ask nothing of it
// beyond the fields allowed.
func (s selected) within(f string, allowed map[string]bool) bool {
	sub, ok := s[f]
	return ok && onlyOf(sub, allowed)
}

// only reports whether the nodes select no field beyond the fields allowed.
func (s selected) only(allowed map[string]bool) bool {
	return onlyOf(s, allowed)
}

// onlyOf reports whether every name in names is allowed.
func onlyOf[V any](names map[string]V, allowed map[string]bool) bool {
	for n := range names {
		if !allowed[n] {
			return false
		}
	}
	return true
}

// nodeFields returns what the current connection field selects on its
// nodes (nodes { … } and edges { node { … } }, through fragments too).
func nodeFields(ctx context.Context) selected {
	oc := graphql.GetOperationContext(ctx)
	out := selected{}
	add := func(set ast.SelectionSet) {
		for _, f := range graphql.CollectFields(oc, set, nil) {
			sub := out[f.Name]
			if len(f.Selections) > 0 {
				if sub == nil {
					sub = map[string]bool{}
				}
				for _, g := range graphql.CollectFields(oc, f.Selections, nil) {
					sub[g.Name] = true
				}
			}
			out[f.Name] = sub
		}
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "nodes":
			add(f.Selections)
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, nil) {
				if e.Name == "node" {
					add(e.Selections)
				}
			}
		}
	}
	return out
}
