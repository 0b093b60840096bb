package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.S3.Bucket != "kimhub-media" || !c.MigrateOnStart ||
		c.ShutdownTimeout != 15*time.Second || c.Limits.MaxDepth != 12 || c.Limits.MaxBodyBytes != 1<<20 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestOverrides(t *testing.T) {
	c, err := Load(env(map[string]string{
		"KIMHUB_ADDR": "0.0.0.0:9999", "S3_USE_SSL": "true", "KIMHUB_LOG_LEVEL": "debug",
		"KIMHUB_MAX_QUERY_DEPTH": "20", "DATABASE_URL": "postgresql://u:p@db:5432/x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9999" || !c.S3.UseSSL || c.LogLevel.String() != "DEBUG" || c.Limits.MaxDepth != 20 {
		t.Fatalf("got %+v", c)
	}
}

func TestInvalidSettingsNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"KIMHUB_ADDR":              "8080",
		"DATABASE_URL":             "mysql://u:secretpw@h/db",
		"KIMHUB_DB_MAX_OPEN_CONNS": "0",
		"KIMHUB_MIGRATE_ON_START":  "sometimes",
		"KIMHUB_SHUTDOWN_TIMEOUT":  "15",
		"KIMHUB_LOG_LEVEL":         "loud",
		"KIMHUB_LOG_FORMAT":        "xml",
		"S3_ENDPOINT":              "minio:nine",
		"S3_BUCKET":                "Kimhub_Media",
		"S3_USE_SSL":               "yes please",
		"KIMHUB_MAX_BODY_BYTES":    "lots",
		"KIMHUB_MAX_QUERY_DEPTH":   "1000",
	} {
		_, err := Load(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: want an error naming it, got %v", name, value, err)
		}
		if err != nil && strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
}

// TestREADMEDocumentsEveryVariable keeps the README's configuration table
// honest: every variable, with its default.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, v := range Vars {
		row := "| `" + v.Name + "` | `" + v.Default + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the row starting %s", row)
		}
	}
}
