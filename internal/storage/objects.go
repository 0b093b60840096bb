package storage

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
)

// Put stores size bytes from r under key. The real size goes to minio-go:
// with -1 it would buffer up to a 0.5 GiB part in memory per upload.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if size < 0 {
		return fmt.Errorf("storage: Put %s without a size", key)
	}
	_, err := s.Client.PutObject(ctx, s.Bucket, key, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		// Parts of 16 MiB when an object is large enough to need them.
		PartSize: 16 << 20,
	})
	return s.mapError(err, "put object")
}

// Stat returns an object's size and ETag; NOT_FOUND when it is absent.
func (s *Store) Stat(ctx context.Context, key string) (minio.ObjectInfo, error) {
	info, err := s.Client.StatObject(ctx, s.Bucket, key, minio.StatObjectOptions{})
	return info, s.mapError(err, "stat object")
}

// Open streams an object (from offset, up to length bytes; length 0 means to
// the end). The caller closes it.
func (s *Store) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	if offset > 0 || length > 0 {
		end := int64(0)
		if length > 0 {
			end = offset + length - 1
		}
		if err := opts.SetRange(offset, end); err != nil {
			return nil, err
		}
	}
	obj, err := s.Client.GetObject(ctx, s.Bucket, key, opts)
	if err != nil {
		return nil, s.mapError(err, "get object")
	}
	// GetObject is lazy: Stat makes the request and surfaces a missing key.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.mapError(err, "get object")
	}
	return obj, nil
}

// Copy copies src to dst inside storage (the bytes do not pass through the
// server), only if src still has the ETag that was checked, and sets the
// content type.
func (s *Store) Copy(ctx context.Context, src, dst, etag, contentType string) error {
	_, err := s.Client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.Bucket, Object: dst, ReplaceMetadata: true, UserMetadata: map[string]string{"Content-Type": contentType}},
		minio.CopySrcOptions{Bucket: s.Bucket, Object: src, MatchETag: etag})
	return s.mapError(err, "copy object")
}

// Remove deletes an object; a missing one is not an error.
func (s *Store) Remove(ctx context.Context, key string) error {
	err := s.Client.RemoveObject(ctx, s.Bucket, key, minio.RemoveObjectOptions{})
	if minio.ToErrorResponse(err).Code == "NoSuchKey" {
		return nil
	}
	return s.mapError(err, "remove object")
}

// PresignGet returns a URL that reads key for ttl, without credentials.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error) {
	params := url.Values{}
	if filename != "" {
		params.Set("response-content-disposition", "inline; filename=\""+filename+"\"")
	}
	u, err := s.Client.PresignedGetObject(ctx, s.Bucket, key, ttl, params)
	if err != nil {
		return "", s.mapError(err, "presign get")
	}
	return u.String(), nil
}

// PresignPost returns a browser-style POST upload of exactly size bytes to
// key: the URL and the form fields to send before the file.
func (s *Store) PresignPost(ctx context.Context, key string, size int64, ttl time.Duration) (string, map[string]string, error) {
	p := minio.NewPostPolicy()
	if err := p.SetBucket(s.Bucket); err != nil {
		return "", nil, err
	}
	if err := p.SetKey(key); err != nil {
		return "", nil, err
	}
	if err := p.SetExpires(time.Now().UTC().Add(ttl)); err != nil {
		return "", nil, err
	}
	if err := p.SetContentLengthRange(size, size); err != nil {
		return "", nil, err
	}
	u, fields, err := s.Client.PresignedPostPolicy(ctx, p)
	if err != nil {
		return "", nil, s.mapError(err, "presign post")
	}
	return u.String(), fields, nil
}

// StartMultipart opens an S3 multipart upload for key.
func (s *Store) StartMultipart(ctx context.Context, key string) (string, error) {
	id, err := s.core().NewMultipartUpload(ctx, s.Bucket, key, minio.PutObjectOptions{})
	return id, s.mapError(err, "start multipart upload")
}

// PresignPart returns a URL to PUT one part of a multipart upload.
func (s *Store) PresignPart(ctx context.Context, key, uploadID string, part int, ttl time.Duration) (string, error) {
	u, err := s.Client.Presign(ctx, "PUT", s.Bucket, key, ttl, url.Values{
		"partNumber": {strconv.Itoa(part)}, "uploadId": {uploadID},
	})
	if err != nil {
		return "", s.mapError(err, "presign part")
	}
	return u.String(), nil
}

// Part is one finished part of a multipart upload.
type Part struct {
	Number int
	ETag   string
	Size   int64
}

// Parts lists the finished parts of a multipart upload.
func (s *Store) Parts(ctx context.Context, key, uploadID string) ([]Part, error) {
	var out []Part
	marker := 0
	for {
		res, err := s.core().ListObjectParts(ctx, s.Bucket, key, uploadID, marker, 1000)
		if err != nil {
			return nil, s.mapError(err, "list parts")
		}
		for _, p := range res.ObjectParts {
			out = append(out, Part{Number: p.PartNumber, ETag: p.ETag, Size: p.Size})
		}
		if !res.IsTruncated {
			return out, nil
		}
		marker = res.NextPartNumberMarker
	}
}

// CompleteMultipart joins the parts into the object.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) error {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := s.core().CompleteMultipartUpload(ctx, s.Bucket, key, uploadID, cp, minio.PutObjectOptions{})
	return s.mapError(err, "complete multipart upload")
}

// AbortMultipart drops an unfinished multipart upload and its parts.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	err := s.core().AbortMultipartUpload(ctx, s.Bucket, key, uploadID)
	if minio.ToErrorResponse(err).Code == "NoSuchUpload" {
		return nil
	}
	return s.mapError(err, "abort multipart upload")
}

// ObjectInfo is what the janitor needs of a stored object.
type ObjectInfo struct {
	Key          string
	LastModified time.Time
}

// List calls fn for every object under prefix.
func (s *Store) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	for obj := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return s.mapError(obj.Err, "list objects")
		}
		if err := fn(ObjectInfo{Key: obj.Key, LastModified: obj.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// SetPublicPrefix lets anyone read the objects under prefix (and nothing
// else), so that public media have stable URLs that need no token.
func (s *Store) SetPublicPrefix(ctx context.Context, prefix string) error {
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},`+
		`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/%s*"]}]}`, s.Bucket, prefix)
	return s.mapError(s.Client.SetBucketPolicy(ctx, s.Bucket, policy), "set bucket policy")
}

func (s *Store) core() minio.Core { return minio.Core{Client: s.Client} }
