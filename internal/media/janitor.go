package media

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/storage"
)

// JanitorReport counts what a janitor run removed.
type JanitorReport struct {
	ExpiredUploads int // PENDING assets past their expiry, with their bytes
	OrphanObjects  int // objects in the bucket that no row names
}

// orphanGrace spares objects younger than this: an upload through GraphQL
// writes its object a moment before its row.
const orphanGrace = time.Hour

// Janitor removes expired PENDING uploads (row, bytes, unfinished
// multipart parts) and objects under the media prefixes that no row names.
func (s *Service) Janitor(ctx context.Context, now time.Time) (JanitorReport, error) {
	var rep JanitorReport
	var expired []*Asset
	if err := s.DB.SelectContext(ctx, &expired, `SELECT `+assetColumns+` FROM media_assets
		WHERE status = 'PENDING' AND expires_at < $1`, now); err != nil {
		return rep, postgres.MapError(err, "expired media", "")
	}
	for _, a := range expired {
		if a.UploadID != nil {
			if err := s.Store.AbortMultipart(ctx, a.ObjectKey, *a.UploadID); err != nil {
				return rep, err
			}
		}
		if err := s.Store.Remove(ctx, a.ObjectKey); err != nil {
			return rep, err
		}
		if _, err := s.DB.ExecContext(ctx, `DELETE FROM media_assets WHERE id = $1 AND status = 'PENDING'`, a.ID); err != nil {
			return rep, postgres.MapError(err, "drop expired media", "")
		}
		rep.ExpiredUploads++
	}
	for _, prefix := range []string{PublicPrefix, PrivatePrefix} {
		var batch []storage.ObjectInfo
		flush := func() error {
			n, err := s.removeOrphans(ctx, batch)
			rep.OrphanObjects += n
			batch = batch[:0]
			return err
		}
		err := s.Store.List(ctx, prefix, func(o storage.ObjectInfo) error {
			if now.Sub(o.LastModified) < orphanGrace {
				return nil
			}
			batch = append(batch, o)
			if len(batch) == 500 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// removeOrphans deletes the objects of batch that no asset or variant names.
func (s *Service) removeOrphans(ctx context.Context, batch []storage.ObjectInfo) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	keys := make([]string, len(batch))
	for i, o := range batch {
		keys[i] = o.Key
	}
	var known []string
	if err := s.DB.SelectContext(ctx, &known, `SELECT object_key FROM media_assets WHERE object_key = ANY($1)
		UNION SELECT object_key FROM media_variants WHERE object_key = ANY($1)`, pq.Array(keys)); err != nil {
		return 0, postgres.MapError(err, "known media keys", "")
	}
	isKnown := make(map[string]bool, len(known))
	for _, k := range known {
		isKnown[k] = true
	}
	n := 0
	for _, k := range keys {
		if !isKnown[k] {
			if err := s.Store.Remove(ctx, k); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
