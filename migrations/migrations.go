// Package migrations embeds the SQL migrations, applied in file-name order by
// internal/postgres.Migrate (pressly/goose v3 annotations).
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
