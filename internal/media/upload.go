package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/postgres"
)

// opUpload and opRequest name the creating operations for idempotency keys.
const (
	opUpload  = "media.upload"
	opRequest = "media.request_upload"
)

// Upload stores a file sent through the GraphQL multipart request (path A).
// gqlgen has already spooled the part (to a temporary file past its memory
// limit), so the size is known and goes to PutObject. The type comes from
// the bytes; the object is written first and the row after, and a failed
// row removes the object again.
func (s *Service) Upload(ctx context.Context, actor access.Actor, file io.ReadSeeker, size int64, n NewAsset) (*Asset, error) {
	if err := access.Check(actor, access.UploadMedia, access.Resource{}); err != nil {
		return nil, err
	}
	if err := n.validate(ctx, s.DB); err != nil {
		return nil, err
	}
	key, err := idempotency.Check(n.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	if id, err := idempotency.Lookup(ctx, s.DB, actor.AccountID, opUpload, key); err != nil || id != 0 {
		if err != nil {
			return nil, err
		}
		return s.Get(ctx, actor, id)
	}
	if size <= 0 {
		return nil, apperr.Invalid("file", "the file is empty")
	}
	head := make([]byte, sniffLen)
	m, err := io.ReadFull(file, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, apperr.Wrap(err, "read upload")
	}
	facts, err := s.Inspect(head[:m], file, size)
	if err != nil {
		return nil, err
	}
	if err := CheckName(n.Filename, facts.ContentType); err != nil {
		return nil, err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, apperr.Wrap(err, "rewind upload")
	}

	a := &Asset{OwnerID: actor.AccountID, Filename: safeFilename(n.Filename, &facts.ContentType), Visibility: n.Visibility,
		UploadMethod: "GRAPHQL", ContentType: &facts.ContentType, SizeBytes: size}
	if n.RegionCode != "" {
		a.RegionCode = &n.RegionCode
	}
	a.ObjectKey = newKey(n.Visibility, time.Now()) + extension(facts.ContentType)
	if facts.Kind == KindImage {
		a.Width, a.Height = &facts.Width, &facts.Height
	}

	written, variants, err := s.storeObjects(ctx, a, file, facts)
	if err != nil {
		s.removeAll(written)
		return nil, err
	}
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if err := insertReady(ctx, tx, a, variants); err != nil {
			return err
		}
		return idempotency.Record(ctx, tx, actor.AccountID, opUpload, key, a.ID)
	})
	if err != nil {
		s.removeAll(written) // nothing may linger without its row
		var replay idempotency.ErrReplayed
		if errors.As(err, &replay) {
			return s.Get(ctx, actor, replay.ResultID)
		}
		return nil, postgres.MapError(err, "record media", "")
	}
	return a, nil
}

// storeObjects writes the original (stripped of camera metadata when it is
// a public JPEG) and, for an image, its variants; it returns every key it
// wrote, so that a failure later can remove them.
func (s *Service) storeObjects(ctx context.Context, a *Asset, file io.ReadSeeker, facts Facts) (written []string, variants []VariantInfo, err error) {
	if facts.Kind != KindImage {
		// Hash first, then hand minio-go the spooled file itself: it reads
		// a file in place, where behind a wrapper it would buffer a part.
		h := sha256.New()
		if _, err := io.Copy(h, file); err != nil {
			return nil, nil, apperr.Wrap(err, "read upload")
		}
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			return nil, nil, apperr.Wrap(err, "rewind upload")
		}
		if err := s.Store.Put(ctx, a.ObjectKey, file, a.SizeBytes, facts.ContentType); err != nil {
			return nil, nil, err
		}
		sum := hex.EncodeToString(h.Sum(nil))
		a.SHA256 = &sum
		return []string{a.ObjectKey}, nil, nil
	}
	// Images are small (capped): hold them to strip and to derive variants.
	data, err := io.ReadAll(io.LimitReader(file, a.SizeBytes))
	if err != nil {
		return nil, nil, apperr.Wrap(err, "read upload")
	}
	if a.Visibility == Public && facts.ContentType == "image/jpeg" {
		data = StripJPEGMetadata(data)
	}
	a.SizeBytes = int64(len(data))
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	a.SHA256 = &hexSum
	if err := s.Store.Put(ctx, a.ObjectKey, bytes.NewReader(data), a.SizeBytes, facts.ContentType); err != nil {
		return nil, nil, err
	}
	written = append(written, a.ObjectKey)
	more, vs, err := s.storeVariants(ctx, data, strings.TrimSuffix(a.ObjectKey, path.Ext(a.ObjectKey)))
	return append(written, more...), vs, err
}

// storeVariants derives and writes an image's variants.
func (s *Service) storeVariants(ctx context.Context, data []byte, baseKey string) (written []string, variants []VariantInfo, err error) {
	enc, err := s.deriveVariants(ctx, bytes.NewReader(data), baseKey)
	if err != nil {
		return nil, nil, apperr.Invalid("file", "the image could not be decoded")
	}
	for _, e := range enc {
		if err := s.Store.Put(ctx, e.ObjectKey, bytes.NewReader(e.data), e.SizeBytes, "image/jpeg"); err != nil {
			return written, nil, err
		}
		written = append(written, e.ObjectKey)
		variants = append(variants, e.VariantInfo)
	}
	return written, variants, nil
}

// insertReady writes a READY asset and its variants.
func insertReady(ctx context.Context, tx *sqlx.Tx, a *Asset, variants []VariantInfo) error {
	a.Status = Ready
	err := tx.GetContext(ctx, a, `INSERT INTO media_assets (owner_id, community_id, region_code, object_key, filename,
			visibility, status, upload_method, content_type, size_bytes, sha256, width, height, ready_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'READY', $7, $8, $9, $10, $11, $12, now())
		RETURNING `+assetColumns,
		a.OwnerID, a.CommunityID, a.RegionCode, a.ObjectKey, a.Filename, a.Visibility, a.UploadMethod,
		a.ContentType, a.SizeBytes, a.SHA256, a.Width, a.Height)
	if err != nil {
		return err
	}
	return insertVariants(ctx, tx, a.ID, variants)
}

func insertVariants(ctx context.Context, tx *sqlx.Tx, assetID int64, variants []VariantInfo) error {
	for _, v := range variants {
		if _, err := tx.ExecContext(ctx, `INSERT INTO media_variants (asset_id, variant, object_key, width, height, size_bytes)
			VALUES ($1, $2, $3, $4, $5, $6)`, assetID, v.Variant, v.ObjectKey, v.Width, v.Height, v.SizeBytes); err != nil {
			return err
		}
	}
	return nil
}

// removeAll deletes objects after a failure, on a context of its own: the
// request's may be the thing that was cancelled. What it cannot delete, the
// janitor will.
func (s *Service) removeAll(keys []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, k := range keys {
		_ = s.Store.Remove(ctx, k)
	}
}
