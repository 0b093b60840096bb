-- News posts (berita) of communities, with review, scheduling, tags,
-- attached media, full-text search in Indonesian and view counting.

-- +goose Up
CREATE TABLE posts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id bigint NOT NULL REFERENCES communities (id),
    author_id    bigint NOT NULL REFERENCES accounts (id),
    title        text NOT NULL CHECK (title <> ''),
    slug         text NOT NULL,
    body         text NOT NULL DEFAULT '',         -- Markdown
    body_html    text NOT NULL DEFAULT '',         -- rendered and sanitised when written
    excerpt      text NOT NULL DEFAULT '',
    cover_id     bigint REFERENCES media_assets (id),
    region_code  text COLLATE "C" NOT NULL REFERENCES regions (code),  -- what it is about; the community's domicile by default
    status       text NOT NULL DEFAULT 'DRAFT'
                 CHECK (status IN ('DRAFT', 'IN_REVIEW', 'PUBLISHED', 'REJECTED', 'ARCHIVED', 'TAKEN_DOWN')),
    status_note  text NOT NULL DEFAULT '',
    publish_at   timestamptz,   -- when a PUBLISHED post becomes visible (now, or a scheduled time)
    featured     boolean NOT NULL DEFAULT false,
    view_count   bigint NOT NULL DEFAULT 0,   -- aggregated from post_views, not bumped per view
    search       tsvector GENERATED ALWAYS AS (
                     setweight(to_tsvector('indonesian', title), 'A') || setweight(to_tsvector('indonesian', body), 'B')) STORED,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (community_id, slug),
    CHECK (status <> 'PUBLISHED' OR publish_at IS NOT NULL)
);
-- Feeds: published posts of a region subtree, newest first.
CREATE INDEX posts_feed_idx ON posts (region_code, publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX posts_published_idx ON posts (publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX posts_community_idx ON posts (community_id, publish_at DESC, id DESC);
CREATE INDEX posts_author_idx ON posts (author_id, id);
CREATE INDEX posts_search_idx ON posts USING gin (search);

CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag     text NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag_idx ON post_tags (tag, post_id);

CREATE TABLE post_media (
    post_id  bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    asset_id bigint NOT NULL REFERENCES media_assets (id),
    position integer NOT NULL,
    PRIMARY KEY (post_id, asset_id)
);

-- One row per viewer, per post, per day; a periodic job adds new rows to
-- posts.view_count, so that reading never updates a hot row.
CREATE TABLE post_views (
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    viewer     text NOT NULL,       -- "a:<account id>" or a hash of address and user agent
    day        date NOT NULL,
    counted    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (post_id, viewer, day)
);
CREATE INDEX post_views_uncounted_idx ON post_views (post_id) WHERE NOT counted;

-- +goose Down
DROP TABLE post_views;
DROP TABLE post_media;
DROP TABLE post_tags;
DROP TABLE posts;
