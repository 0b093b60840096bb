-- Showcases of local potential (potensi daerah): products, small
-- businesses, tourism, culture, culinary, agriculture, crafts. The same
-- review as posts.

-- +goose Up
CREATE TABLE showcases (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id     bigint NOT NULL REFERENCES communities (id),
    author_id        bigint NOT NULL REFERENCES accounts (id),
    kind             text NOT NULL CHECK (kind IN ('PRODUCT', 'UMKM', 'TOURISM', 'CULTURE', 'CULINARY', 'AGRICULTURE', 'CRAFT', 'OTHER')),
    title            text NOT NULL CHECK (title <> ''),
    slug             text NOT NULL,
    description      text NOT NULL DEFAULT '',   -- Markdown
    description_html text NOT NULL DEFAULT '',
    cover_id         bigint REFERENCES media_assets (id),
    latitude         double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude        double precision CHECK (longitude BETWEEN -180 AND 180),
    contact          text NOT NULL DEFAULT '',   -- a phone, a WhatsApp number, an address
    region_code      text COLLATE "C" NOT NULL REFERENCES regions (code),
    status           text NOT NULL DEFAULT 'DRAFT'
                     CHECK (status IN ('DRAFT', 'IN_REVIEW', 'PUBLISHED', 'REJECTED', 'ARCHIVED', 'TAKEN_DOWN')),
    status_note      text NOT NULL DEFAULT '',
    publish_at       timestamptz,
    featured         boolean NOT NULL DEFAULT false,
    view_count       bigint NOT NULL DEFAULT 0,
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('indonesian', title), 'A') || setweight(to_tsvector('indonesian', description), 'B')) STORED,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (community_id, slug),
    CHECK (status <> 'PUBLISHED' OR publish_at IS NOT NULL),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX showcases_published_idx ON showcases (publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX showcases_feed_idx ON showcases (region_code, publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX showcases_community_idx ON showcases (community_id, publish_at DESC, id DESC);
CREATE INDEX showcases_search_idx ON showcases USING gin (search);

-- The gallery, in order.
CREATE TABLE showcase_media (
    showcase_id bigint NOT NULL REFERENCES showcases (id) ON DELETE CASCADE,
    asset_id    bigint NOT NULL REFERENCES media_assets (id),
    position    integer NOT NULL,
    PRIMARY KEY (showcase_id, asset_id)
);

CREATE TABLE showcase_views (
    showcase_id bigint NOT NULL REFERENCES showcases (id) ON DELETE CASCADE,
    viewer      text NOT NULL,
    day         date NOT NULL,
    counted     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (showcase_id, viewer, day)
);
CREATE INDEX showcase_views_uncounted_idx ON showcase_views (showcase_id) WHERE NOT counted;

-- +goose Down
DROP TABLE showcase_views;
DROP TABLE showcase_media;
DROP TABLE showcases;
