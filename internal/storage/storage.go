// Package storage is kimhub's S3-compatible object store (MinIO locally),
// reached through minio-go.
package storage

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
)

// Store is one bucket of an S3-compatible service.
type Store struct {
	Client *minio.Client
	Bucket string
	Region string
}

// Open makes a client for the configured bucket. It does not reach the
// service: call EnsureBucket or Ping for that.
func Open(cfg config.S3) (*Store, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("storage client for %s: %w", cfg.Endpoint, err)
	}
	return &Store{Client: c, Bucket: cfg.Bucket, Region: cfg.Region}, nil
}

// EnsureBucket creates the bucket if it does not exist yet.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.Client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return s.mapError(err, "check bucket")
	}
	if ok {
		return nil
	}
	err = s.Client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{Region: s.Region})
	if err != nil {
		// Another instance may have created it in the meantime.
		if r := minio.ToErrorResponse(err); r.Code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return s.mapError(err, "create bucket")
	}
	return nil
}

// Ping reports whether the service answers and the bucket exists.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.Client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return s.mapError(err, "ping storage")
	}
	if !ok {
		return &apperr.Error{Code: apperr.Unavailable, Message: "media storage is not ready",
			Err: fmt.Errorf("bucket %q does not exist", s.Bucket)}
	}
	return nil
}

// mapError maps a storage error once: a missing object → NOT_FOUND, anything
// else (unreachable service, refused credentials) → UNAVAILABLE.
func (s *Store) mapError(err error, op string) error {
	if err == nil {
		return nil
	}
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NoSuchObject", "NoSuchUpload":
		return &apperr.Error{Code: apperr.NotFound, Message: "the media object does not exist", Err: err}
	case "EntityTooSmall", "InvalidPart", "InvalidPartOrder":
		return &apperr.Error{Code: apperr.BadUserInput, Field: "parts", Message: "the uploaded parts do not fit together; send them again", Err: err}
	case "PreconditionFailed":
		return &apperr.Error{Code: apperr.Conflict, Message: "the upload changed while it was checked; confirm again", Err: err}
	}
	return &apperr.Error{Code: apperr.Unavailable, Message: "media storage is unavailable, try again shortly",
		Err: fmt.Errorf("%s (bucket %s): %w", op, s.Bucket, err)}
}
