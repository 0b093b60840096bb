-- Government programmes (program kerja) published for the villages to
-- relay, by HUMAS or ADMIN of a region.

-- +goose Up
CREATE TABLE programs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    publisher_id bigint NOT NULL REFERENCES accounts (id),
    title        text NOT NULL CHECK (title <> ''),
    summary      text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',    -- Markdown
    body_html    text NOT NULL DEFAULT '',
    category     text REFERENCES fields (code),
    starts_on    date,
    ends_on      date,
    status       text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on),
    CHECK (status = 'DRAFT' OR published_at IS NOT NULL)
);
CREATE INDEX programs_published_idx ON programs (published_at DESC, id DESC) WHERE status = 'PUBLISHED';

-- The regions a programme is for; communities domiciled under any of them
-- see it.
CREATE TABLE program_targets (
    program_id  bigint NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    region_code text COLLATE "C" NOT NULL REFERENCES regions (code),
    PRIMARY KEY (program_id, region_code)
);
CREATE INDEX program_targets_region_idx ON program_targets (region_code, program_id);

CREATE TABLE program_attachments (
    program_id bigint NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    asset_id   bigint NOT NULL REFERENCES media_assets (id),
    position   integer NOT NULL,
    PRIMARY KEY (program_id, asset_id)
);

-- +goose Down
DROP TABLE program_attachments;
DROP TABLE program_targets;
DROP TABLE programs;
