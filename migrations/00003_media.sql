-- Media assets in the S3 bucket, their derived image variants, and the
-- idempotency keys of creating mutations.

-- +goose Up
CREATE TABLE media_assets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id        bigint NOT NULL REFERENCES accounts (id),
    community_id    bigint,                         -- set when a community's asset (FK added with communities)
    region_code     text COLLATE "C" REFERENCES regions (code), -- whose admins may read a PRIVATE asset
    object_key      text NOT NULL UNIQUE,           -- chosen by the server
    filename        text NOT NULL DEFAULT '',       -- the client's name, for display only
    visibility      text NOT NULL CHECK (visibility IN ('PUBLIC', 'PRIVATE')),
    status          text NOT NULL CHECK (status IN ('PENDING', 'READY')),
    upload_method   text NOT NULL CHECK (upload_method IN ('GRAPHQL', 'POST', 'MULTIPART')),
    upload_id       text,                           -- the S3 multipart upload, while PENDING
    content_type    text,                           -- sniffed from the bytes; NULL while PENDING
    size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
    sha256          text,                           -- hex; the client's claim while PENDING, verified at READY
    width           integer,
    height          integer,
    expires_at      timestamptz,                    -- a PENDING upload is dropped after this
    created_at      timestamptz NOT NULL DEFAULT now(),
    ready_at        timestamptz,
    CHECK ((status = 'READY') = (content_type IS NOT NULL AND ready_at IS NOT NULL)),
    CHECK (status = 'READY' OR expires_at IS NOT NULL)
);
CREATE INDEX media_assets_owner_id_idx ON media_assets (owner_id, id);
CREATE INDEX media_assets_pending_idx ON media_assets (expires_at) WHERE status = 'PENDING';

CREATE TABLE media_variants (
    asset_id   bigint NOT NULL REFERENCES media_assets (id) ON DELETE CASCADE,
    variant    text NOT NULL CHECK (variant IN ('SMALL', 'MEDIUM')),
    object_key text NOT NULL UNIQUE,
    width      integer NOT NULL,
    height     integer NOT NULL,
    size_bytes bigint NOT NULL,
    PRIMARY KEY (asset_id, variant)
);

-- A creating mutation resent with the same key by the same account returns
-- the first result. The row is written in the same transaction as what it
-- creates, so a concurrent resend waits for it and then finds it.
CREATE TABLE idempotency_keys (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        text NOT NULL,
    operation  text NOT NULL,
    result_id  bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, operation, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE media_variants;
DROP TABLE media_assets;
