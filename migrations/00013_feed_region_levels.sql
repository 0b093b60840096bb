-- A region's feed (publishing.feed) is the newest published items of the
-- region's subtree. It read them as a range of codes (region_code >=
-- '64.02' AND < '64.02/') over an index of codes, which cannot give them in
-- publish order: PostgreSQL either sorted the whole subtree or walked the
-- country's newest items and kept the subtree's. A regency that holds many
-- items got the walk, and once other places had published a few thousand
-- items since its last one, its feed was ten times slower (2,966 -> 369
-- per second for the busiest regency on the national data). A subtree is
-- now matched by its level's prefix of the code (left(region_code, 5) =
-- '64.02'), and each level's prefix has an index in publish order; a
-- village, the lowest level, is its own subtree and uses the index of
-- codes.
--
-- The indexes are built CONCURRENTLY (outside a transaction), so that
-- posting goes on while they are built on a large table. If the build is
-- interrupted, PostgreSQL leaves an INVALID index of that name: drop it
-- and migrate again.

-- +goose NO TRANSACTION

-- +goose Up
CREATE INDEX CONCURRENTLY posts_feed_province_idx ON posts (left(region_code, 2), publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX CONCURRENTLY posts_feed_regency_idx ON posts (left(region_code, 5), publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX CONCURRENTLY posts_feed_district_idx ON posts (left(region_code, 8), publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX CONCURRENTLY showcases_feed_province_idx ON showcases (left(region_code, 2), publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX CONCURRENTLY showcases_feed_regency_idx ON showcases (left(region_code, 5), publish_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX CONCURRENTLY showcases_feed_district_idx ON showcases (left(region_code, 8), publish_at DESC, id DESC) WHERE status = 'PUBLISHED';

-- +goose Down
DROP INDEX showcases_feed_district_idx;
DROP INDEX showcases_feed_regency_idx;
DROP INDEX showcases_feed_province_idx;
DROP INDEX posts_feed_district_idx;
DROP INDEX posts_feed_regency_idx;
DROP INDEX posts_feed_province_idx;
