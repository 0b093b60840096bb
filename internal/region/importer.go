package region

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
)

// ImportResult counts what an import did.
type ImportResult struct {
	Rows      int // data rows in the file
	Inserted  int // codes that were new
	Updated   int // codes whose name changed
	Unchanged int
	Took      time.Duration
}

// importRow is one validated data row.
type importRow struct {
	line   int
	code   string
	name   string
	level  Level
	parent string
}

// Import reads the official CSV of region codes (a header row "code,name",
// then one region a row) and upserts it: new codes are inserted, changed
// names updated, nothing duplicated, nothing deleted. It is all or nothing:
// a bad row imports nothing, and the error names its line and the reason.
// Progress lines go to progress (nil for none).
func (s *Store) Import(ctx context.Context, r io.Reader, progress io.Writer) (ImportResult, error) {
	start := time.Now()
	say := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format+"\n", args...)
		}
	}
	rows, err := parseCSV(r, say)
	if err != nil {
		return ImportResult{}, err
	}
	say("read %d rows; checking parents", len(rows))
	if err := s.checkParents(ctx, rows); err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(rows)}
	err = postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE region_import (
			code text COLLATE "C", name text, level text, parent_code text COLLATE "C"
		) ON COMMIT DROP`); err != nil {
			return err
		}
		if err := copyRows(ctx, tx, rows, say); err != nil {
			return err
		}
		say("copied %d rows; merging into the region tree", len(rows))
		return tx.QueryRowxContext(ctx, `
			WITH merged AS (
				INSERT INTO regions AS r (code, name, level, parent_code)
				SELECT code, name, level, NULLIF(parent_code, '') FROM region_import
				ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
				WHERE r.name IS DISTINCT FROM EXCLUDED.name
				RETURNING (xmax = 0) AS inserted
			)
			SELECT count(*) FILTER (WHERE inserted) AS inserted,
			       count(*) FILTER (WHERE NOT inserted) AS updated
			FROM merged`).Scan(&res.Inserted, &res.Updated)
	})
	if err != nil {
		return ImportResult{}, postgres.MapError(err, "import regions", "")
	}
	res.Unchanged = res.Rows - res.Inserted - res.Updated
	res.Took = time.Since(start)
	say("done: %d rows, %d new, %d renamed, %d unchanged, in %s",
		res.Rows, res.Inserted, res.Updated, res.Unchanged, res.Took.Round(time.Millisecond))
	return res, nil
}

// lineError reports a bad row of the file.
func lineError(line int, format string, args ...any) error {
	return apperr.Invalid("file", "line %d: %s", line, fmt.Sprintf(format, args...))
}

func parseCSV(r io.Reader, say func(string, ...any)) ([]importRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked below, to name the line
	cr.ReuseRecord = true
	var rows []importRow
	seen := make(map[string]int)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, lineError(pe.Line, "%v", pe.Err)
			}
			return nil, apperr.Wrap(err, "read region file")
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return nil, lineError(line, "want 2 columns (code,name), found %d", len(rec))
		}
		code, name := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if line == 1 && strings.EqualFold(strings.TrimPrefix(code, "\ufeff"), "code") && strings.EqualFold(name, "name") {
			continue // the header row
		}
		level, err := LevelOf(code)
		if err != nil {
			e, _ := apperr.As(err)
			return nil, lineError(line, "%s", e.Message)
		}
		if name == "" {
			return nil, lineError(line, "region %s has no name", code)
		}
		if first, dup := seen[code]; dup {
			return nil, lineError(line, "region %s appears again (first on line %d)", code, first)
		}
		seen[code] = line
		rows = append(rows, importRow{line: line, code: code, name: name, level: level, parent: ParentOf(code)})
		if len(rows)%20000 == 0 {
			say("read %d rows", len(rows))
		}
	}
	if len(rows) == 0 {
		return nil, apperr.Invalid("file", "the file holds no regions (want a header code,name and one region a row)")
	}
	return rows, nil
}

// checkParents makes sure every row's parent is in the file or already in
// the database, naming the first row whose parent is nowhere.
func (s *Store) checkParents(ctx context.Context, rows []importRow) error {
	inFile := make(map[string]bool, len(rows))
	for _, r := range rows {
		inFile[r.code] = true
	}
	var missing []string
	firstLine := map[string]int{}
	for _, r := range rows {
		if r.parent != "" && !inFile[r.parent] {
			if _, ok := firstLine[r.parent]; !ok {
				firstLine[r.parent] = r.line
				missing = append(missing, r.parent)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var found []string
	if err := s.DB.SelectContext(ctx, &found, `SELECT code FROM regions WHERE code = ANY($1)`, pq.Array(missing)); err != nil {
		return postgres.MapError(err, "check region parents", "")
	}
	known := make(map[string]bool, len(found))
	for _, c := range found {
		known[c] = true
	}
	bad, badLine := "", 0
	for _, p := range missing {
		if !known[p] && (badLine == 0 || firstLine[p] < badLine) {
			bad, badLine = p, firstLine[p]
		}
	}
	if bad != "" {
		return lineError(badLine, "parent region %s is neither in the file nor already imported", bad)
	}
	return nil
}

func copyRows(ctx context.Context, tx *sqlx.Tx, rows []importRow, say func(string, ...any)) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("region_import", "code", "name", "level", "parent_code"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, r := range rows {
		if _, err := stmt.ExecContext(ctx, r.code, r.name, string(r.level), r.parent); err != nil {
			return err
		}
		if (i+1)%20000 == 0 {
			say("copied %d rows", i+1)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	return nil
}
