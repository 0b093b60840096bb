package graph

import (
	"context"

	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/graph/model"
	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/media"
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

// feedFilter splits a PostFilter into the feed's key and its filter.
func feedFilter(f *model.PostFilter) (publishing.By, []string, publishing.FeedFilter, error) {
	if f == nil {
		return publishing.Everywhere, nil, publishing.FeedFilter{}, nil
	}
	ff := publishing.FeedFilter{Tags: f.Tags, Featured: f.Featured, From: f.From, To: f.To, Search: deref(f.Search, "")}
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

// readableAsset loads an asset for a nested field; nil if the caller may
// not read it.
func (r *Resolver) readableAsset(ctx context.Context, id int64) (*media.Asset, error) {
	a, err := loader.Get(ctx, loader.For(ctx).MediaAsset, id, "the media asset is missing")
	if err != nil || r.Svc.Media.CheckRead(ctx, access.ActorFrom(ctx), a) != nil {
		return nil, err
	}
	return a, nil
}
