package app_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/kimhub/kimhub/internal/app"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/storage"
	"github.com/kimhub/kimhub/internal/testenv"
)

func relayID(typ, key string) string { return relay.ID(typ, key) }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func storageClient(t *testing.T, cfg config.S3) (*minio.Client, *storage.Store) {
	t.Helper()
	st, err := storage.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st.Client, st
}

// servicesFor builds the services over the test database and bucket, for
// calling them directly.
func servicesFor(t *testing.T) *app.Services {
	t.Helper()
	s3 := testenv.S3Settings(t) // as it is: not emptied
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "S3_ENDPOINT": s3.Endpoint,
		"S3_ACCESS_KEY": s3.AccessKey, "S3_SECRET_KEY": s3.SecretKey, "S3_BUCKET": s3.Bucket}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(cfg.S3)
	if err != nil {
		t.Fatal(err)
	}
	return app.NewServices(testenv.Shared(t), st, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}
