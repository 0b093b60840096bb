// Package publishing holds what communities publish: news posts (berita),
// written by members, reviewed by EDITORs and CHAIRs (or an ADMIN over the
// region), moderated by the regency's Diskominfo.
//
// The workflow: DRAFT → IN_REVIEW → PUBLISHED or REJECTED (an edit returns
// a rejected post to DRAFT); PUBLISHED → ARCHIVED (by the community) or
// TAKEN_DOWN (by an ADMIN, with a reason). A published post with a
// publishAt in the future is invisible to the public until then: the feed
// compares publish_at with the clock, so no job has to wake it.
package publishing

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Status is where a post is in its workflow.
type Status string

// Post statuses.
const (
	Draft     Status = "DRAFT"
	InReview  Status = "IN_REVIEW"
	Published Status = "PUBLISHED"
	Rejected  Status = "REJECTED"
	Archived  Status = "ARCHIVED"
	TakenDown Status = "TAKEN_DOWN"
)

// Post is a news post of a community.
type Post struct {
	Item
	Body     string `db:"body"`
	BodyHTML string `db:"body_html"`
	Excerpt  string `db:"excerpt"`
}

const (
	postColumns     = itemColumns + `, body, body_html, excerpt`
	postListColumns = itemColumns + `, excerpt`
)

// Limits on what a post holds.
const (
	MaxTitle   = 200
	MaxBody    = 100_000
	MaxTags    = 10
	MaxTag     = 40
	MaxMedia   = 20
	excerptLen = 280
)

// Draft is what a writer sets; a nil field is left as it is.
type DraftInput struct {
	Title      *string
	Body       *string
	Excerpt    *string
	Tags       []string // nil: unchanged
	CoverID    *int64
	MediaIDs   []int64 // nil: unchanged
	RegionCode *string
}

func (d *DraftInput) normalize() error {
	if d.Title != nil {
		t := strings.Join(strings.Fields(*d.Title), " ")
		if t == "" || utf8.RuneCountInString(t) > MaxTitle {
			return apperr.Invalid("title", "the title must have 1 to %d characters", MaxTitle)
		}
		d.Title = &t
	}
	if d.Body != nil && utf8.RuneCountInString(*d.Body) > MaxBody {
		return apperr.Invalid("body", "the body may have at most %d characters", MaxBody)
	}
	if d.Excerpt != nil && utf8.RuneCountInString(*d.Excerpt) > 500 {
		return apperr.Invalid("excerpt", "the excerpt may have at most 500 characters")
	}
	if d.Tags != nil {
		seen := map[string]bool{}
		tags := []string{} // not nil: an empty list clears the tags
		for _, t := range d.Tags {
			t = strings.ToLower(strings.Join(strings.Fields(t), " "))
			if t == "" || utf8.RuneCountInString(t) > MaxTag {
				return apperr.Invalid("tags", "each tag must have 1 to %d characters", MaxTag)
			}
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
		if len(tags) > MaxTags {
			return apperr.Invalid("tags", "at most %d tags", MaxTags)
		}
		d.Tags = tags
	}
	if len(d.MediaIDs) > MaxMedia {
		return apperr.Invalid("mediaIds", "at most %d attachments", MaxMedia)
	}
	return nil
}

// Slugify makes a URL slug from a title: lowercase ASCII letters and digits
// joined by hyphens ("Panen Raya di Desa Jahab!" → "panen-raya-di-desa-jahab").
// A title with nothing to keep gives "berita".
func Slugify(title string) string { return slugify(title, "berita") }

func slugify(title, fallback string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			hyphen = false
		case unicode.Is(unicode.Mn, r): // accents dropped by the decomposition
		default:
			if !hyphen && b.Len() > 0 {
				b.WriteByte('-')
				hyphen = true
			}
		}
		if b.Len() >= 80 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = fallback
	}
	return s
}
