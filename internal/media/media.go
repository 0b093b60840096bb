// Package media keeps kimhub's media assets (photos, logos, evidence, the
// village head's decree) in the S3 bucket: uploads through GraphQL or
// straight to storage, type sniffing and size caps, image variants for weak
// connections, access by stable public URLs or short-lived presigned ones,
// and a janitor that leaves nothing orphaned.
package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/storage"
)

// Visibility is who may read an asset.
type Visibility string

// Visibilities.
const (
	Public  Visibility = "PUBLIC"  // anyone, by a stable URL
	Private Visibility = "PRIVATE" // the owner, the community's CHAIR, admins in scope; by presigned URL
)

// Status is where an asset is in its upload.
type Status string

// Statuses.
const (
	Pending Status = "PENDING" // handed a direct upload, not yet confirmed
	Ready   Status = "READY"   // verified; usable
)

// Asset is one stored file.
type Asset struct {
	ID           int64      `db:"id"`
	OwnerID      int64      `db:"owner_id"`
	CommunityID  *int64     `db:"community_id"`
	RegionCode   *string    `db:"region_code"`
	ObjectKey    string     `db:"object_key"`
	Filename     string     `db:"filename"`
	Visibility   Visibility `db:"visibility"`
	Status       Status     `db:"status"`
	UploadMethod string     `db:"upload_method"`
	UploadID     *string    `db:"upload_id"`
	ContentType  *string    `db:"content_type"`
	SizeBytes    int64      `db:"size_bytes"`
	SHA256       *string    `db:"sha256"`
	Width        *int       `db:"width"`
	Height       *int       `db:"height"`
	ExpiresAt    *time.Time `db:"expires_at"`
	CreatedAt    time.Time  `db:"created_at"`
	ReadyAt      *time.Time `db:"ready_at"`
}

const assetColumns = `id, owner_id, community_id, region_code, object_key, filename, visibility, status,
	upload_method, upload_id, content_type, size_bytes, sha256, width, height, expires_at, created_at, ready_at`

// Service stores and serves media.
type Service struct {
	DB    *sqlx.DB
	Store *storage.Store
	Cfg   config.Media
	// CommunityRole looks up the actor's role in a community, for the
	// CHAIR's access to a community's private assets; nil until communities
	// exist.
	CommunityRole func(ctx context.Context, accountID, communityID int64) (access.CommunityRole, error)

	decodeSlots chan struct{}
}

// NewService returns a Service. At most two images are decoded at once.
func NewService(db *sqlx.DB, store *storage.Store, cfg config.Media) *Service {
	return &Service{DB: db, Store: store, Cfg: cfg, decodeSlots: make(chan struct{}, 2)}
}

// Object keys: public assets live under a prefix anyone may read, private
// ones under one nobody may read without a presigned URL.
const (
	PublicPrefix  = "public/"
	PrivatePrefix = "private/"
)

// newKey chooses an object key: never the client's name, so that nothing a
// client sends can address another object.
func newKey(v Visibility, now time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	prefix := PublicPrefix
	if v == Private {
		prefix = PrivatePrefix
	}
	return fmt.Sprintf("%s%s/%s", prefix, now.UTC().Format("2006/01"), hex.EncodeToString(b[:]))
}

// Get returns an asset to an actor who may see it; NOT_FOUND otherwise (a
// private asset of someone else is as good as absent). Every path to an
// asset (node(id:), a nested field) comes through here.
func (s *Service) Get(ctx context.Context, actor access.Actor, id int64) (*Asset, error) {
	m, err := s.ByIDs(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	a, ok := m[id]
	if !ok {
		return nil, apperr.NotFoundf("no such media asset")
	}
	if err := s.CheckRead(ctx, actor, a); err != nil {
		return nil, apperr.NotFoundf("no such media asset")
	}
	// By ID, even a PUBLIC asset is only for those who manage it: the
	// public reaches a photo through the published post that shows it, so
	// the cover of a draft is not found by counting IDs.
	if err := access.Check(actor, access.LookUpMedia, s.resource(ctx, actor, a)); err != nil {
		return nil, apperr.NotFoundf("no such media asset")
	}
	return a, nil
}

// resource is an asset as the policy sees it for actor.
func (s *Service) resource(ctx context.Context, actor access.Actor, a *Asset) access.Resource {
	res := access.Resource{OwnerID: a.OwnerID}
	if a.RegionCode != nil {
		res.RegionCode = *a.RegionCode
	}
	if a.CommunityID != nil && s.CommunityRole != nil && actor.SignedIn() {
		if role, err := s.CommunityRole(ctx, actor.AccountID, *a.CommunityID); err == nil {
			res.CommunityRole = role
		}
	}
	return res
}

// ByIDs returns the assets among ids, unchecked: callers filter with
// CheckRead (the batch behind the asset loader).
func (s *Service) ByIDs(ctx context.Context, ids []int64) (map[int64]*Asset, error) {
	var rows []*Asset
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+assetColumns+` FROM media_assets WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, postgres.MapError(err, "media by id", "")
	}
	out := make(map[int64]*Asset, len(rows))
	for _, a := range rows {
		out[a.ID] = a
	}
	return out, nil
}

// CheckRead returns nil when actor may see a: anyone for a READY public
// asset; the owner for anything of theirs; for a private one the
// community's CHAIR and the ADMINs over its region (access.ReadPrivateMedia).
func (s *Service) CheckRead(ctx context.Context, actor access.Actor, a *Asset) error {
	if a.OwnerID == actor.AccountID && actor.SignedIn() {
		return nil
	}
	if a.Status != Ready {
		return apperr.NotFoundf("no such media asset")
	}
	if a.Visibility == Public {
		return nil
	}
	return access.Check(actor, access.ReadPrivateMedia, s.resource(ctx, actor, a))
}

// Variants returns the derived variants of each asset.
func (s *Service) Variants(ctx context.Context, ids []int64) (map[int64][]VariantInfo, error) {
	var rows []VariantInfo
	if err := s.DB.SelectContext(ctx, &rows, `SELECT asset_id, variant, object_key, width, height, size_bytes
		FROM media_variants WHERE asset_id = ANY($1) ORDER BY asset_id, width`, pq.Array(ids)); err != nil {
		return nil, postgres.MapError(err, "media variants", "")
	}
	out := make(map[int64][]VariantInfo, len(ids))
	for _, v := range rows {
		out[v.AssetID] = append(out[v.AssetID], v)
	}
	return out, nil
}

// URL returns where to fetch an asset the actor may read (check with
// CheckRead first): a stable public URL, or for a private asset a presigned
// one that works for Cfg.URLTTL. A variant an asset lacks (a PDF has no
// SMALL) gives the original. A PENDING asset has no URL yet.
func (s *Service) URL(ctx context.Context, a *Asset, variants []VariantInfo, v Variant) (*string, error) {
	if a.Status != Ready {
		return nil, nil
	}
	key := a.ObjectKey
	for _, x := range variants {
		if x.Variant == v {
			key = x.ObjectKey
		}
	}
	if a.Visibility == Public {
		u := strings.TrimRight(s.Cfg.PublicURL, "/") + "/" + key
		return &u, nil
	}
	u, err := s.Store.PresignGet(ctx, key, s.Cfg.URLTTL, safeFilename(a.Filename, a.ContentType))
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// safeFilename keeps a client's file name for display, without anything
// that could break a header or a path.
func safeFilename(name string, contentType *string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" ._-()", r) {
			return r
		}
		return '_'
	}, name)
	if len(name) > 120 {
		name = name[:120]
	}
	if name == "" || name == "." || name == "/" {
		name = "file"
		if contentType != nil {
			name += extension(*contentType)
		}
	}
	return name
}

// NewAsset are the client's choices for an upload.
type NewAsset struct {
	Filename       string
	Visibility     Visibility
	RegionCode     string // optional: whose admins may read a PRIVATE asset
	IdempotencyKey string
}

func (n *NewAsset) validate(ctx context.Context, db *sqlx.DB) error {
	if n.Visibility == "" {
		n.Visibility = Public
	}
	if n.Visibility != Public && n.Visibility != Private {
		return apperr.Invalid("visibility", "visibility must be PUBLIC or PRIVATE")
	}
	if n.RegionCode != "" {
		if _, err := region.LevelOf(n.RegionCode); err != nil {
			return apperr.Invalid("regionCode", "%q is not a region code", n.RegionCode)
		}
		var ok bool
		if err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`, n.RegionCode); err != nil {
			return postgres.MapError(err, "check region", "")
		}
		if !ok {
			return apperr.Invalid("regionCode", "no region has code %s", n.RegionCode)
		}
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// idString is an asset's ID in logs and audit.
func idString(id int64) string { return strconv.FormatInt(id, 10) }
