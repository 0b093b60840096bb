package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/storage"
)

// PartSize is the size of each part of a multipart direct upload (the last
// may be smaller). A file of at most one part is sent as a single POST.
const PartSize = 16 << 20

// DirectUpload tells a client how to send bytes straight to storage (path
// B), so that they never pass through the server.
type DirectUpload struct {
	// Method is "POST" (a form upload to URL with Fields, then the file)
	// or "MULTIPART" (a PUT of each part to its URL).
	Method    string
	URL       string
	Fields    map[string]string
	PartSize  int64
	Parts     []PartURL // the parts still to send
	Completed []int     // the parts already received (on resume)
	ExpiresAt time.Time
}

// PartURL is where to PUT one part.
type PartURL struct {
	Number int
	URL    string
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// RequestUpload starts a direct upload of size bytes: a PENDING asset, and a
// presigned POST limited to exactly that size, or for a larger file a
// multipart upload with a presigned URL per part. The bytes are checked at
// ConfirmUpload; an upload never confirmed expires.
func (s *Service) RequestUpload(ctx context.Context, actor access.Actor, size int64, checksum string, n NewAsset) (*Asset, *DirectUpload, error) {
	if err := access.Check(actor, access.UploadMedia, access.Resource{}); err != nil {
		return nil, nil, err
	}
	if err := n.validate(ctx, s.DB); err != nil {
		return nil, nil, err
	}
	key, err := idempotency.Check(n.IdempotencyKey)
	if err != nil {
		return nil, nil, err
	}
	if id, err := idempotency.Lookup(ctx, s.DB, actor.AccountID, opRequest, key); err != nil || id != 0 {
		if err != nil {
			return nil, nil, err
		}
		return s.ResumeUpload(ctx, actor, id)
	}
	if size <= 0 {
		return nil, nil, apperr.Invalid("size", "give the file's size in bytes")
	}
	if max := maxInt64(s.Cfg.MaxImageBytes, s.Cfg.MaxDocumentBytes); size > max {
		return nil, nil, apperr.New(apperr.TooLarge, "the file has %d bytes; at most %d are accepted", size, max).
			With("field", "size").With("maxBytes", max)
	}
	checksum = strings.ToLower(strings.TrimSpace(checksum))
	if checksum != "" && !sha256Hex.MatchString(checksum) {
		return nil, nil, apperr.Invalid("sha256", "sha256 must be 64 hexadecimal digits")
	}
	a := &Asset{OwnerID: actor.AccountID, Filename: safeFilename(n.Filename, nil), Visibility: n.Visibility,
		SizeBytes: size, ObjectKey: newKey(n.Visibility, time.Now()), UploadMethod: "POST"}
	if checksum != "" {
		a.SHA256 = &checksum
	}
	if n.RegionCode != "" {
		a.RegionCode = &n.RegionCode
	}
	if size > PartSize {
		a.UploadMethod = "MULTIPART"
		id, err := s.Store.StartMultipart(ctx, stagingKey(a))
		if err != nil {
			return nil, nil, err
		}
		a.UploadID = &id
	}
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, a, `INSERT INTO media_assets (owner_id, region_code, object_key, filename, visibility,
				status, upload_method, upload_id, size_bytes, sha256, expires_at)
			VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, now() + $10 * interval '1 second')
			RETURNING `+assetColumns,
			a.OwnerID, a.RegionCode, a.ObjectKey, a.Filename, a.Visibility, a.UploadMethod, a.UploadID, a.SizeBytes,
			a.SHA256, s.Cfg.PendingTTL.Seconds())
		if err != nil {
			return err
		}
		return idempotency.Record(ctx, tx, actor.AccountID, opRequest, key, a.ID)
	})
	if err != nil {
		if a.UploadID != nil {
			s.abort(a)
		}
		var replay idempotency.ErrReplayed
		if errors.As(err, &replay) {
			return s.ResumeUpload(ctx, actor, replay.ResultID)
		}
		return nil, nil, postgres.MapError(err, "record pending media", "")
	}
	up, err := s.instructions(ctx, a, nil)
	return a, up, err
}

// ResumeUpload hands out fresh instructions for a PENDING upload of the
// actor's: for a multipart upload, URLs for the parts not yet received, so
// that an interrupted upload goes on from the last finished part.
func (s *Service) ResumeUpload(ctx context.Context, actor access.Actor, id int64) (*Asset, *DirectUpload, error) {
	a, err := s.ownPending(ctx, actor, id)
	if err != nil || a.Status == Ready {
		return a, nil, err
	}
	var done []storage.Part
	if a.UploadID != nil {
		if done, err = s.Store.Parts(ctx, stagingKey(a), *a.UploadID); err != nil {
			return nil, nil, err
		}
	}
	up, err := s.instructions(ctx, a, done)
	return a, up, err
}

// ownPending returns one of the actor's own assets; another's is NOT_FOUND.
func (s *Service) ownPending(ctx context.Context, actor access.Actor, id int64) (*Asset, error) {
	if !actor.SignedIn() {
		return nil, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	m, err := s.ByIDs(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	a, ok := m[id]
	if !ok || a.OwnerID != actor.AccountID {
		return nil, apperr.NotFoundf("no such media asset")
	}
	return a, nil
}

func (s *Service) instructions(ctx context.Context, a *Asset, done []storage.Part) (*DirectUpload, error) {
	expires := time.Now().Add(s.Cfg.URLTTL)
	if a.ExpiresAt != nil && a.ExpiresAt.Before(expires) {
		expires = *a.ExpiresAt
	}
	ttl := time.Until(expires)
	if ttl < time.Second {
		return nil, apperr.New(apperr.InvalidTransition, "the upload has expired; request a new one").With("state", "EXPIRED")
	}
	if a.UploadID == nil {
		u, fields, err := s.Store.PresignPost(ctx, stagingKey(a), a.SizeBytes, ttl)
		if err != nil {
			return nil, err
		}
		return &DirectUpload{Method: "POST", URL: u, Fields: fields, ExpiresAt: expires}, nil
	}
	have := map[int]bool{}
	up := &DirectUpload{Method: "MULTIPART", PartSize: PartSize, ExpiresAt: expires, Completed: []int{}}
	for _, p := range done {
		if p.Size != partSize(a.SizeBytes, p.Number) {
			continue // a part of the wrong size is sent again
		}
		have[p.Number] = true
		up.Completed = append(up.Completed, p.Number)
	}
	sort.Ints(up.Completed)
	for n := 1; n <= partCount(a.SizeBytes); n++ {
		if have[n] {
			continue
		}
		u, err := s.Store.PresignPart(ctx, stagingKey(a), *a.UploadID, n, ttl)
		if err != nil {
			return nil, err
		}
		up.Parts = append(up.Parts, PartURL{Number: n, URL: u})
	}
	return up, nil
}

func partCount(size int64) int { return int((size + PartSize - 1) / PartSize) }

// partSize is the size part n (from 1) of a file of size bytes must have.
func partSize(size int64, n int) int64 {
	return min(PartSize, size-int64(n-1)*PartSize)
}

// StagingPrefix holds direct uploads until they are confirmed: nobody may
// read it, and only confirmation copies an object out of it, so bytes that
// were not checked are never served, and bytes sent again after a
// confirmation change nothing.
const StagingPrefix = "incoming/"

// stagingKey is where the client sends a direct upload's bytes.
func stagingKey(a *Asset) string {
	return StagingPrefix + strings.TrimPrefix(strings.TrimPrefix(a.ObjectKey, PublicPrefix), PrivatePrefix)
}

// ConfirmUpload checks what the client sent straight to storage: every
// part there and of the right size, the size announced, an accepted type
// by its bytes, the checksum if one was given. Only then is the checked
// object copied (by storage, not through the server) from the staging
// prefix to its final key and the asset made READY, with its variants.
// Bytes that fail a check are deleted with their row, so the client starts
// over. Confirming a READY asset again returns it unchanged; two confirms
// at once get CONFLICT for the second.
func (s *Service) ConfirmUpload(ctx context.Context, actor access.Actor, id int64) (*Asset, error) {
	a, err := s.ownPending(ctx, actor, id)
	if err != nil || a.Status == Ready {
		return a, err
	}
	var written []string
	var rejected error
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		// Hold the row for the whole confirmation: a second confirm, and
		// the janitor, wait or step aside.
		err := tx.GetContext(ctx, a, `SELECT `+assetColumns+` FROM media_assets WHERE id = $1 FOR UPDATE NOWAIT`, id)
		if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "55P03" {
			return apperr.New(apperr.Conflict, "this upload is being confirmed already; ask again in a moment")
		}
		if err != nil {
			return postgres.MapError(err, "lock media", "no such media asset")
		}
		if a.Status == Ready {
			return nil
		}
		if a.ExpiresAt == nil || !a.ExpiresAt.After(time.Now()) {
			return apperr.New(apperr.InvalidTransition, "the upload has expired; request a new one").With("state", "EXPIRED")
		}
		if err := s.completeParts(ctx, a); err != nil {
			return err // parts to send again leave the upload open
		}
		info, err := s.Store.Stat(ctx, stagingKey(a))
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Invalid("assetId", "nothing has been uploaded for this asset yet")
		}
		if err != nil {
			return err
		}
		if info.Size != a.SizeBytes {
			rejected = apperr.Invalid("size", "%d bytes arrived; %d were announced", info.Size, a.SizeBytes)
			return rejected
		}
		facts, sum, data, err := s.verify(ctx, a)
		if err != nil {
			if apperr.Is(err, apperr.BadUserInput) || apperr.Is(err, apperr.TooLarge) {
				rejected = err
			}
			return err
		}
		// Copy exactly what was checked (the ETag) to the final key.
		if err := s.Store.Copy(ctx, stagingKey(a), a.ObjectKey, info.ETag, facts.ContentType); err != nil {
			return err
		}
		written = append(written, a.ObjectKey)
		a.ContentType = &facts.ContentType
		if sum != "" {
			a.SHA256 = &sum
		}
		var variants []VariantInfo
		if facts.Kind == KindImage {
			a.Width, a.Height = &facts.Width, &facts.Height
			if a.Visibility == Public && facts.ContentType == "image/jpeg" {
				if stripped := StripJPEGMetadata(data); len(stripped) != len(data) {
					if err := s.Store.Put(ctx, a.ObjectKey, bytes.NewReader(stripped), int64(len(stripped)), facts.ContentType); err != nil {
						return err
					}
					data = stripped
					a.SizeBytes = int64(len(stripped))
					h := sha256.Sum256(stripped)
					stored := hex.EncodeToString(h[:])
					a.SHA256 = &stored
				}
			}
			more, vs, err := s.storeVariants(ctx, data, a.ObjectKey)
			written = append(written, more...)
			if err != nil {
				return err
			}
			variants = vs
		}
		err = tx.GetContext(ctx, a, `UPDATE media_assets SET status = 'READY', content_type = $2, size_bytes = $3, sha256 = $4,
				width = $5, height = $6, ready_at = now(), expires_at = NULL, upload_id = NULL
			WHERE id = $1 AND status = 'PENDING' RETURNING `+assetColumns,
			a.ID, a.ContentType, a.SizeBytes, a.SHA256, a.Width, a.Height)
		if err != nil {
			return err
		}
		return insertVariants(ctx, tx, a.ID, variants)
	})
	if rejected != nil {
		return nil, s.reject(a, rejected)
	}
	if err != nil {
		s.removeAll(written)
		return nil, postgres.MapError(err, "confirm media", "")
	}
	s.removeAll([]string{stagingKey(a)}) // checked and copied
	return a, nil
}

// completeParts joins a multipart upload's parts once all have arrived with
// the right sizes; a part missing or of the wrong size is named, to be sent
// again. An upload completed by an earlier, failed confirmation is found as
// a whole object.
func (s *Service) completeParts(ctx context.Context, a *Asset) error {
	if a.UploadID == nil {
		return nil
	}
	parts, err := s.Store.Parts(ctx, stagingKey(a), *a.UploadID)
	if apperr.Is(err, apperr.NotFound) {
		if _, serr := s.Store.Stat(ctx, stagingKey(a)); serr == nil {
			return nil
		}
	}
	if err != nil {
		return err
	}
	var redo []int
	for _, p := range parts {
		if p.Number > partCount(a.SizeBytes) || p.Size != partSize(a.SizeBytes, p.Number) {
			redo = append(redo, p.Number)
		}
	}
	if missing := missingParts(parts, partCount(a.SizeBytes)); len(missing) > 0 || len(redo) > 0 {
		return apperr.Invalid("assetId", "parts %v have not arrived, and parts %v have the wrong size (each but the last must be %d bytes); send them again (resumeMediaUpload gives their URLs) and confirm again",
			missing, redo, int64(PartSize)).With("missingParts", missing).With("wrongSizeParts", redo)
	}
	return s.Store.CompleteMultipart(ctx, stagingKey(a), *a.UploadID, parts)
}

// verify reads the stored object, streaming: the type from its first
// bytes, the image header, and the SHA-256 of the whole. An image (small,
// capped) is read and returned whole, for its variants. A document is read
// whole only to check a checksum the client gave, and never held in memory;
// without one, only its first bytes cross the server.
func (s *Service) verify(ctx context.Context, a *Asset) (Facts, string, []byte, error) {
	obj, err := s.Store.Open(ctx, stagingKey(a), 0, 0)
	if err != nil {
		return Facts{}, "", nil, err
	}
	defer obj.Close()
	h := sha256.New()
	r := io.TeeReader(obj, h)
	head := make([]byte, sniffLen)
	m, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Facts{}, "", nil, apperr.Wrap(err, "read upload")
	}
	head = head[:m]
	var buf bytes.Buffer // the image's bytes past head, if it is one
	facts, err := s.Inspect(head, io.TeeReader(r, &buf), a.SizeBytes)
	if err == nil {
		err = CheckName(a.Filename, facts.ContentType)
	}
	if err != nil {
		return Facts{}, "", nil, err
	}
	var data []byte
	switch {
	case facts.Kind == KindImage:
		rest, err := io.ReadAll(r)
		if err != nil {
			return Facts{}, "", nil, apperr.Wrap(err, "read upload")
		}
		data = append(append(head, buf.Bytes()...), rest...)
	case a.SHA256 != nil:
		if _, err := io.Copy(io.Discard, r); err != nil {
			return Facts{}, "", nil, apperr.Wrap(err, "read upload")
		}
	default:
		return facts, "", nil, nil // no checksum to check, none computed
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if a.SHA256 != nil && *a.SHA256 != sum {
		return Facts{}, "", nil, apperr.Invalid("sha256", "the uploaded bytes do not match the SHA-256 given; upload again")
	}
	return facts, sum, data, nil
}

// reject deletes a failed upload's bytes and row (and the idempotency key
// that named it, so that the client can start over with it), and returns
// why.
func (s *Service) reject(a *Asset, why error) error {
	s.removeAll([]string{stagingKey(a), a.ObjectKey})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dropPending(ctx, s.DB, a.ID); err != nil {
		return err
	}
	return why
}

// dropPending deletes a PENDING asset's row and its idempotency keys.
func dropPending(ctx context.Context, db *sqlx.DB, id int64) error {
	return postgres.Transact(ctx, db, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE operation IN ($2, $3) AND result_id = $1`, id, opUpload, opRequest); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM media_assets WHERE id = $1 AND status = 'PENDING'`, id)
		return err
	})
}

// abort drops an unfinished multipart upload.
func (s *Service) abort(a *Asset) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.Store.AbortMultipart(ctx, stagingKey(a), *a.UploadID)
}

func missingParts(parts []storage.Part, n int) []int {
	have := map[int]bool{}
	for _, p := range parts {
		have[p.Number] = true
	}
	var missing []int
	for i := 1; i <= n; i++ {
		if !have[i] {
			missing = append(missing, i)
		}
	}
	return missing
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
