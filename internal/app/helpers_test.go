package app_test

import (
	"os"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/storage"
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
