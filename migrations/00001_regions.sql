-- The official region tree (kode wilayah of the Ministry of Home Affairs).
-- Codes use the "C" collation so that ORDER BY code walks the tree depth-first
-- and `code LIKE '64.02.%'` (a whole subtree) can use the primary key index.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE regions (
    code        text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL CHECK (name <> ''),
    level       text NOT NULL CHECK (level IN ('PROVINCE', 'REGENCY', 'DISTRICT', 'VILLAGE')),
    parent_code text COLLATE "C" REFERENCES regions (code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((level = 'PROVINCE') = (parent_code IS NULL))
);

CREATE INDEX regions_parent_code_idx ON regions (parent_code, code);
CREATE INDEX regions_level_code_idx ON regions (level, code);
CREATE INDEX regions_name_trgm_idx ON regions USING gin (name gin_trgm_ops);

-- +goose Down
DROP TABLE regions;
