package publishing

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
)

// ShowcaseKind is what a showcase of local potential (potensi daerah) shows.
type ShowcaseKind string

// The kinds of local potential.
const (
	Product     ShowcaseKind = "PRODUCT"
	UMKM        ShowcaseKind = "UMKM" // a micro or small business
	Tourism     ShowcaseKind = "TOURISM"
	Culture     ShowcaseKind = "CULTURE"
	Culinary    ShowcaseKind = "CULINARY"
	Agriculture ShowcaseKind = "AGRICULTURE"
	Craft       ShowcaseKind = "CRAFT"
	OtherKind   ShowcaseKind = "OTHER"
)

func (k ShowcaseKind) valid() bool {
	switch k {
	case Product, UMKM, Tourism, Culture, Culinary, Agriculture, Craft, OtherKind:
		return true
	}
	return false
}

// Showcase presents a village's product, business, destination, tradition
// or dish, to bring in business and visitors. It goes through the same
// review as a post.
type Showcase struct {
	Item
	Kind            ShowcaseKind `db:"kind"`
	Description     string       `db:"description"`
	DescriptionHTML string       `db:"description_html"`
	Latitude        *float64     `db:"latitude"`
	Longitude       *float64     `db:"longitude"`
	Contact         string       `db:"contact"`
}

const (
	showcaseColumns     = itemColumns + `, kind, description, description_html, latitude, longitude, contact`
	showcaseListColumns = itemColumns + `, kind, latitude, longitude, contact`
)

// ShowcaseInput is what a writer sets; a nil field is left as it is.
type ShowcaseInput struct {
	Kind                *ShowcaseKind
	Title               *string
	Description         *string
	Latitude, Longitude *float64
	Contact             *string
	CoverID             *int64
	GalleryIDs          []int64 // nil: unchanged
	RegionCode          *string
}

func (in *ShowcaseInput) normalize() error {
	if in.Kind != nil && !in.Kind.valid() {
		return apperr.Invalid("kind", "unknown kind %q", *in.Kind)
	}
	if in.Title != nil {
		t := strings.Join(strings.Fields(*in.Title), " ")
		if t == "" || utf8.RuneCountInString(t) > MaxTitle {
			return apperr.Invalid("title", "the title must have 1 to %d characters", MaxTitle)
		}
		in.Title = &t
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > MaxBody {
		return apperr.Invalid("description", "the description may have at most %d characters", MaxBody)
	}
	if (in.Latitude == nil) != (in.Longitude == nil) {
		return apperr.Invalid("latitude", "give latitude and longitude together")
	}
	if in.Latitude != nil && (*in.Latitude < -90 || *in.Latitude > 90 || *in.Longitude < -180 || *in.Longitude > 180) {
		return apperr.Invalid("latitude", "latitude must be within ±90 and longitude within ±180")
	}
	if in.Contact != nil && utf8.RuneCountInString(*in.Contact) > 200 {
		return apperr.Invalid("contact", "the contact may have at most 200 characters")
	}
	if len(in.GalleryIDs) > MaxMedia {
		return apperr.Invalid("galleryIds", "at most %d pictures", MaxMedia)
	}
	return nil
}

// CreateShowcase writes a DRAFT showcase by a member of an ACTIVE
// community; idempotent like Create.
func (s *Service) CreateShowcase(ctx context.Context, actor access.Actor, communityID int64, in ShowcaseInput, idemKey string) (*Showcase, error) {
	if in.Kind == nil {
		return nil, apperr.Invalid("kind", "say what the showcase presents")
	}
	if in.Title == nil {
		return nil, apperr.Invalid("title", "give the showcase a title")
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	var v Showcase
	desc := deref(in.Description)
	html := RenderHTML(desc)
	return create(ctx, s.DB, actor, &v, newItem{
		communityID: communityID, title: *in.Title, regionCode: in.RegionCode, idemKey: idemKey,
		insert: func(slug, region string) (string, []any, string) {
			return `INSERT INTO showcases (community_id, author_id, kind, title, slug, description,
					description_html, latitude, longitude, contact, region_code)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				[]any{communityID, actor.AccountID, *in.Kind, *in.Title, slug, desc, html, in.Latitude, in.Longitude,
					strings.TrimSpace(deref(in.Contact)), region}, ""
		},
		after: withMedia(in.CoverID, in.GalleryIDs, func(ctx context.Context, tx *sqlx.Tx) error {
			return setMedia(ctx, tx, actor, showTable, &v.Item, in.CoverID, in.GalleryIDs)
		}),
	})
}

// UpdateShowcase edits the author's own DRAFT or REJECTED showcase.
func (s *Service) UpdateShowcase(ctx context.Context, actor access.Actor, id int64, in ShowcaseInput) (*Showcase, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	return revise(ctx, s.DB, actor, id, in.Title, in.RegionCode, func(ctx context.Context, tx *sqlx.Tx, v *Showcase, sets []string, args []any) error {
		set := func(col string, val any) {
			args = append(args, val)
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		if in.Kind != nil {
			set("kind", *in.Kind)
		}
		if in.Description != nil {
			set("description", *in.Description)
			set("description_html", RenderHTML(*in.Description))
		}
		if in.Latitude != nil {
			set("latitude", *in.Latitude)
			set("longitude", *in.Longitude)
		}
		if in.Contact != nil {
			set("contact", strings.TrimSpace(*in.Contact))
		}
		if err := update(ctx, tx, v, sets, args); err != nil {
			return err
		}
		return setMedia(ctx, tx, actor, showTable, &v.Item, in.CoverID, in.GalleryIDs)
	})
}

// GetShowcase returns a showcase the actor may read; NOT_FOUND otherwise.
func (s *Service) GetShowcase(ctx context.Context, actor access.Actor, id int64) (*Showcase, error) {
	return get[Showcase](ctx, s.DB, actor, id)
}

// ShowcaseSlug is the slug a showcase title gives (see Slugify).
func ShowcaseSlug(title string) string { return slugify(title, showTable.fallbackSlug) }

// ShowcaseBySlug returns a community's showcase by slug, if the actor may
// read it.
func (s *Service) ShowcaseBySlug(ctx context.Context, actor access.Actor, communityID int64, slug string) (*Showcase, error) {
	return bySlug[Showcase](ctx, s.DB, actor, communityID, slug)
}

// SubmitShowcase sends the author's DRAFT for review.
func (s *Service) SubmitShowcase(ctx context.Context, actor access.Actor, id int64) (*Showcase, error) {
	return step[Showcase](ctx, s.DB, actor, id, submitMove, "", nil)
}

// PublishShowcase publishes a showcase in review, now or at publishAt.
func (s *Service) PublishShowcase(ctx context.Context, actor access.Actor, id int64, publishAt *time.Time) (*Showcase, error) {
	return step[Showcase](ctx, s.DB, actor, id, publishMove, "", publishAt)
}

// RejectShowcase returns a showcase in review to its author with a note.
func (s *Service) RejectShowcase(ctx context.Context, actor access.Actor, id int64, note string) (*Showcase, error) {
	return step[Showcase](ctx, s.DB, actor, id, rejectMove, note, nil)
}

// ArchiveShowcase takes a published showcase out of the feeds.
func (s *Service) ArchiveShowcase(ctx context.Context, actor access.Actor, id int64) (*Showcase, error) {
	return step[Showcase](ctx, s.DB, actor, id, archiveMove, "", nil)
}

// TakeDownShowcase removes a showcase from public view with a reason.
func (s *Service) TakeDownShowcase(ctx context.Context, actor access.Actor, id int64, reason string) (*Showcase, error) {
	return step[Showcase](ctx, s.DB, actor, id, takeDownMove, reason, nil)
}

// FeatureShowcase marks or unmarks a published showcase as an example.
func (s *Service) FeatureShowcase(ctx context.Context, actor access.Actor, id int64, featured bool) (*Showcase, error) {
	return feature[Showcase](ctx, s.DB, actor, id, featured)
}
