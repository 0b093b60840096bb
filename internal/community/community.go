// Package community holds KIM communities: their profile, the registration
// workflow with the regency's Diskominfo (DRAFT → SUBMITTED → ACTIVE or
// REJECTED, ACTIVE ⇄ SUSPENDED), the Nomor Induk Komunitas issued on
// approval, and their members.
package community

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/region"
)

// Category is the kind of stakeholder partner (Permenkominfo 8/2019).
type Category string

// The four categories; a later amendment folds them under KIM, and the
// platform keeps the kind.
const (
	KIM                    Category = "KIM"
	TraditionalMedia       Category = "TRADITIONAL_MEDIA"
	PositiveContentCreator Category = "POSITIVE_CONTENT_CREATOR"
	StrategicGroup         Category = "STRATEGIC_GROUP"
)

func (c Category) valid() bool {
	return c == KIM || c == TraditionalMedia || c == PositiveContentCreator || c == StrategicGroup
}

// Status is where a community is in its registration.
type Status string

// The registration statuses.
const (
	Draft     Status = "DRAFT"
	Submitted Status = "SUBMITTED"
	Active    Status = "ACTIVE"
	Rejected  Status = "REJECTED"
	Suspended Status = "SUSPENDED"
)

// Community is a KIM (or another partner group) with its profile.
type Community struct {
	ID                 int64           `db:"id"`
	Name               string          `db:"name"`
	Slug               string          `db:"slug"`
	Category           Category        `db:"category"`
	DomicileCode       *string         `db:"domicile_code"`
	Description        string          `db:"description"`
	LogoID             *int64          `db:"logo_id"`
	DecreeID           *int64          `db:"decree_id"`
	ContactEmail       *string         `db:"contact_email"`
	ContactPhone       *string         `db:"contact_phone"`
	SocialLinks        json.RawMessage `db:"social_links"`
	Latitude           *float64        `db:"latitude"`
	Longitude          *float64        `db:"longitude"`
	FoundedOn          *time.Time      `db:"founded_on"`
	Status             Status          `db:"status"`
	StatusReason       string          `db:"status_reason"`
	RegistrationNumber *string         `db:"registration_number"`
	RegisteredAt       *time.Time      `db:"registered_at"`
	SubmittedAt        *time.Time      `db:"submitted_at"`
	MemberCount        int             `db:"member_count"`
	MembersMayReport   bool            `db:"members_may_report"`
	CreatedBy          int64           `db:"created_by"`
	CreatedAt          time.Time       `db:"created_at"`
	UpdatedAt          time.Time       `db:"updated_at"`
}

// Domain is the community's website name under .kim.id.
func (c *Community) Domain() string { return c.Slug + ".kim.id" }

// Columns are a community's columns, as its loaders read them (also in
// other packages' joins).
const Columns = `id, name, slug, category, domicile_code, description, logo_id, decree_id, contact_email, contact_phone,
	social_links, latitude, longitude, founded_on, status, status_reason, registration_number, registered_at,
	submitted_at, member_count, members_may_report, created_by, created_at, updated_at`

// HeadlineColumns are what names and places a community, with what its
// permission checks read (status, domicile) and what its lists sort by:
// for lists that show no more of it (Filter.Headlines), whose rows then
// carry eight of its columns. The other fields of a community read with
// them are zero.
const HeadlineColumns = `id, name, slug, category, domicile_code, status, member_count, created_at`

// reservedSlugs are names under .kim.id a community may not take.
var reservedSlugs = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`www admin administrator api mail email smtp imap pop pop3 ftp sftp ns ns1 ns2 dns mx
		webmail autodiscover autoconfig kim kominfo diskominfo kemkominfo komdigi pemda pemkab pemkot humas gov
		support help root static cdn media assets img images files blog app apps dev test staging status login auth
		register signup dashboard portal account accounts secure security localhost`) {
		reservedSlugs[w] = true
	}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// CheckSlug enforces the rules of a <slug>.kim.id name: a lowercase DNS
// label of 3–63 letters, digits and hyphens, not starting or ending with a
// hyphen, not a reserved word.
func CheckSlug(slug string) error {
	switch {
	case len(slug) < 3 || len(slug) > 63:
		return apperr.Invalid("slug", "the slug must have 3 to 63 characters")
	case !slugPattern.MatchString(slug):
		return apperr.Invalid("slug", "the slug may hold lowercase letters, digits and hyphens, and may not start or end with a hyphen")
	case strings.Contains(slug, "--"):
		return apperr.Invalid("slug", "the slug may not hold two hyphens in a row")
	case reservedSlugs[slug]:
		return apperr.Invalid("slug", "%q is reserved; choose another", slug)
	}
	return nil
}

// SocialLink is a link to one of the community's accounts elsewhere.
type SocialLink struct {
	Kind string `json:"kind"` // FACEBOOK, INSTAGRAM, YOUTUBE, TIKTOK, X, WEBSITE, OTHER
	URL  string `json:"url"`
}

var socialKinds = map[string]bool{"FACEBOOK": true, "INSTAGRAM": true, "YOUTUBE": true, "TIKTOK": true, "X": true, "WEBSITE": true, "OTHER": true}

// Profile is the editable part of a community. A nil field is left as it is.
type Profile struct {
	Name         *string
	Slug         *string
	Category     *Category
	Fields       []string // nil: unchanged
	DomicileCode *string
	Description  *string
	LogoID       *int64
	DecreeID     *int64
	ContactEmail *string
	ContactPhone *string
	SocialLinks  []SocialLink // nil: unchanged
	Latitude     *float64
	Longitude    *float64
	FoundedOn    *time.Time
	// MembersMayReport lets every member report disseminations, not only
	// the EDITORs and the CHAIR.
	MembersMayReport *bool
}

// normalize validates the profile's fields and puts them in stored form.
func (p *Profile) normalize() error {
	if p.Name != nil {
		n := strings.Join(strings.Fields(*p.Name), " ")
		if n == "" || utf8.RuneCountInString(n) > 120 {
			return apperr.Invalid("name", "the name must have 1 to 120 characters")
		}
		p.Name = &n
	}
	if p.Slug != nil {
		s := strings.ToLower(strings.TrimSpace(*p.Slug))
		if err := CheckSlug(s); err != nil {
			return err
		}
		p.Slug = &s
	}
	if p.Category != nil && !p.Category.valid() {
		return apperr.Invalid("category", "unknown category %q", *p.Category)
	}
	if p.DomicileCode != nil {
		level, err := region.LevelOf(*p.DomicileCode)
		if err != nil {
			return apperr.Invalid("domicileCode", "%q is not a region code", *p.DomicileCode)
		}
		if level == region.Province {
			return apperr.Invalid("domicileCode", "a community is domiciled in a village, a district or a regency, not a province")
		}
	}
	if p.Description != nil && utf8.RuneCountInString(*p.Description) > 5000 {
		return apperr.Invalid("description", "the description may have at most 5000 characters")
	}
	if p.ContactEmail != nil && *p.ContactEmail != "" {
		e, err := account.NormalizeEmail(*p.ContactEmail)
		if err != nil {
			return apperr.Invalid("contactEmail", "%q is not an email address", *p.ContactEmail)
		}
		p.ContactEmail = &e
	}
	if p.ContactPhone != nil && *p.ContactPhone != "" {
		ph, err := account.NormalizePhone(*p.ContactPhone)
		if err != nil {
			return apperr.Invalid("contactPhone", "%q is not an Indonesian mobile number", *p.ContactPhone)
		}
		p.ContactPhone = &ph
	}
	if len(p.SocialLinks) > 10 {
		return apperr.Invalid("socialLinks", "at most 10 links")
	}
	for _, l := range p.SocialLinks {
		u, err := url.Parse(l.URL)
		if !socialKinds[l.Kind] || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(l.URL) > 300 {
			return apperr.Invalid("socialLinks", "each link needs a kind (FACEBOOK, INSTAGRAM, …) and an http(s) URL")
		}
	}
	if (p.Latitude == nil) != (p.Longitude == nil) {
		return apperr.Invalid("latitude", "give latitude and longitude together")
	}
	if p.Latitude != nil && (*p.Latitude < -90 || *p.Latitude > 90 || *p.Longitude < -180 || *p.Longitude > 180) {
		return apperr.Invalid("latitude", "latitude must be within ±90 and longitude within ±180")
	}
	if p.FoundedOn != nil && p.FoundedOn.After(time.Now()) {
		return apperr.Invalid("foundedOn", "the founding date is in the future")
	}
	if len(p.Fields) > 8 {
		return apperr.Invalid("fields", "choose at most 8 fields")
	}
	return nil
}

// changed names the fields a profile edit sets, for the audit trail.
func (p Profile) changed() []string {
	var out []string
	for name, set := range map[string]bool{
		"name": p.Name != nil, "slug": p.Slug != nil, "category": p.Category != nil, "fields": p.Fields != nil,
		"domicileCode": p.DomicileCode != nil, "description": p.Description != nil, "logoId": p.LogoID != nil,
		"decreeId": p.DecreeID != nil, "contactEmail": p.ContactEmail != nil, "contactPhone": p.ContactPhone != nil,
		"socialLinks": p.SocialLinks != nil, "location": p.Latitude != nil, "foundedOn": p.FoundedOn != nil,
		"membersMayReport": p.MembersMayReport != nil,
	} {
		if set {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
