package media

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/apperr"

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
// It claims expired rows by deleting them first, so that a confirmation
// holding a row is waited for (and then the row is READY, not expired), and
// only then removes their bytes.
func (s *Service) Janitor(ctx context.Context, now time.Time) (JanitorReport, error) {
	var rep JanitorReport
	var expired []*Asset
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &expired, `DELETE FROM media_assets
			WHERE status = 'PENDING' AND expires_at < $1 RETURNING `+assetColumns, now); err != nil {
			return err
		}
		ids := make([]int64, len(expired))
		for i, a := range expired {
			ids[i] = a.ID
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE operation IN ($2, $3) AND result_id = ANY($1)`,
			pq.Array(ids), opUpload, opRequest)
		return err
	})
	if err != nil {
		return rep, postgres.MapError(err, "claim expired media", "")
	}
	for _, a := range expired {
		if a.UploadID != nil {
			if err := s.Store.AbortMultipart(ctx, stagingKey(a), *a.UploadID); err != nil && !apperr.Is(err, apperr.NotFound) {
				return rep, err
			}
		}
		for _, k := range []string{stagingKey(a), a.ObjectKey} {
			if err := s.Store.Remove(ctx, k); err != nil {
				return rep, err
			}
		}
		rep.ExpiredUploads++
	}
	for _, prefix := range []string{PublicPrefix, PrivatePrefix, StagingPrefix} {
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
	// A staged object is known while its PENDING row stands.
	finals := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, StagingPrefix); ok {
			finals = append(finals, PublicPrefix+rest, PrivatePrefix+rest)
		}
	}
	var known []string
	if err := s.DB.SelectContext(ctx, &known, `SELECT object_key FROM media_assets WHERE object_key = ANY($1)
		UNION SELECT object_key FROM media_variants WHERE object_key = ANY($1)
		UNION SELECT $3 || substr(object_key, strpos(object_key, '/') + 1) FROM media_assets
			WHERE status = 'PENDING' AND object_key = ANY($2)`, pq.Array(keys), pq.Array(finals), StagingPrefix); err != nil {
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
