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
		id, err := s.Store.StartMultipart(ctx, a.ObjectKey)
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
		if done, err = s.Store.Parts(ctx, a.ObjectKey, *a.UploadID); err != nil {
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
		u, fields, err := s.Store.PresignPost(ctx, a.ObjectKey, a.SizeBytes, ttl)
		if err != nil {
			return nil, err
		}
		return &DirectUpload{Method: "POST", URL: u, Fields: fields, ExpiresAt: expires}, nil
	}
	have := map[int]bool{}
	up := &DirectUpload{Method: "MULTIPART", PartSize: PartSize, ExpiresAt: expires, Completed: []int{}}
	for _, p := range done {
		have[p.Number] = true
		up.Completed = append(up.Completed, p.Number)
	}
	sort.Ints(up.Completed)
	for n := 1; n <= partCount(a.SizeBytes); n++ {
		if have[n] {
			continue
		}
		u, err := s.Store.PresignPart(ctx, a.ObjectKey, *a.UploadID, n, ttl)
		if err != nil {
			return nil, err
		}
		up.Parts = append(up.Parts, PartURL{Number: n, URL: u})
	}
	return up, nil
}

func partCount(size int64) int { return int((size + PartSize - 1) / PartSize) }

// ConfirmUpload checks what the client sent straight to storage: every part
// there, the size announced, an accepted type by its bytes, the checksum if
// one was given. Only then is the asset READY (with its variants). Bytes
// that fail a check are deleted with their row, so the client starts over.
// Confirming a READY asset again returns it unchanged.
func (s *Service) ConfirmUpload(ctx context.Context, actor access.Actor, id int64) (*Asset, error) {
	a, err := s.ownPending(ctx, actor, id)
	if err != nil || a.Status == Ready {
		return a, err
	}
	if a.ExpiresAt != nil && a.ExpiresAt.Before(time.Now()) {
		return nil, apperr.New(apperr.InvalidTransition, "the upload has expired; request a new one").With("state", "EXPIRED")
	}
	if a.UploadID != nil {
		parts, err := s.Store.Parts(ctx, a.ObjectKey, *a.UploadID)
		if err != nil {
			return nil, err
		}
		if missing := missingParts(parts, partCount(a.SizeBytes)); len(missing) > 0 {
			return nil, apperr.Invalid("assetId", "parts %v have not arrived yet; send them (resumeMediaUpload gives their URLs) and confirm again", missing).
				With("missingParts", missing)
		}
		if err := s.Store.CompleteMultipart(ctx, a.ObjectKey, *a.UploadID, parts); err != nil {
			return nil, err
		}
	}
	info, err := s.Store.Stat(ctx, a.ObjectKey)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Invalid("assetId", "nothing has been uploaded for this asset yet")
	}
	if err != nil {
		return nil, err
	}
	if info.Size != a.SizeBytes {
		return nil, s.reject(a, apperr.Invalid("size", "%d bytes arrived; %d were announced", info.Size, a.SizeBytes))
	}
	facts, sum, data, err := s.verify(ctx, a)
	if err != nil {
		if apperr.Is(err, apperr.BadUserInput) || apperr.Is(err, apperr.TooLarge) {
			return nil, s.reject(a, err)
		}
		return nil, err
	}
	a.ContentType = &facts.ContentType
	if sum != "" {
		a.SHA256 = &sum
	}
	if facts.Kind == KindImage {
		a.Width, a.Height = &facts.Width, &facts.Height
	}
	var written []string
	var variants []VariantInfo
	if facts.Kind == KindImage {
		if a.Visibility == Public && facts.ContentType == "image/jpeg" {
			if stripped := StripJPEGMetadata(data); len(stripped) != len(data) {
				if err := s.Store.Put(ctx, a.ObjectKey, bytes.NewReader(stripped), int64(len(stripped)), facts.ContentType); err != nil {
					return nil, err
				}
				data = stripped
				a.SizeBytes = int64(len(stripped))
				h := sha256.Sum256(stripped)
				stored := hex.EncodeToString(h[:])
				a.SHA256 = &stored
			}
		}
		written, variants, err = s.storeVariants(ctx, data, a.ObjectKey)
		if err != nil {
			s.removeAll(written)
			return nil, err
		}
	}
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, a, `UPDATE media_assets SET status = 'READY', content_type = $2, size_bytes = $3, sha256 = $4,
				width = $5, height = $6, ready_at = now(), expires_at = NULL, upload_id = NULL
			WHERE id = $1 AND status = 'PENDING' RETURNING `+assetColumns,
			a.ID, a.ContentType, a.SizeBytes, a.SHA256, a.Width, a.Height)
		if err != nil {
			return err
		}
		return insertVariants(ctx, tx, a.ID, variants)
	})
	if err != nil {
		s.removeAll(written)
		return nil, postgres.MapError(err, "confirm media", "the upload was confirmed or dropped meanwhile")
	}
	return a, nil
}

// verify reads the stored object, streaming: the type from its first
// bytes, the image header, and the SHA-256 of the whole. An image (small,
// capped) is read and returned whole, for its variants. A document is read
// whole only to check a checksum the client gave, and never held in memory;
// without one, only its first bytes cross the server.
func (s *Service) verify(ctx context.Context, a *Asset) (Facts, string, []byte, error) {
	obj, err := s.Store.Open(ctx, a.ObjectKey, 0, 0)
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

// reject deletes a failed upload's bytes and row, and returns why.
func (s *Service) reject(a *Asset, why error) error {
	s.removeAll([]string{a.ObjectKey})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM media_assets WHERE id = $1 AND status = 'PENDING'`, a.ID); err != nil {
		return postgres.MapError(err, "drop rejected media", "")
	}
	return why
}

// abort drops an unfinished multipart upload.
func (s *Service) abort(a *Asset) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.Store.AbortMultipart(ctx, a.ObjectKey, *a.UploadID)
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
