-- A new post's or showcase's free slug is looked up as "slug = base OR slug
-- LIKE base-%" within its community (publishing.freeSlug). The unique
-- (community_id, slug) index cannot serve LIKE under a non-C collation, so
-- the lookup read every item of the community: 160 ms for one with 5,000
-- posts. These indexes serve the prefix.

-- +goose Up
CREATE INDEX posts_community_slug_prefix_idx ON posts (community_id, slug text_pattern_ops);
CREATE INDEX showcases_community_slug_prefix_idx ON showcases (community_id, slug text_pattern_ops);

-- +goose Down
DROP INDEX showcases_community_slug_prefix_idx;
DROP INDEX posts_community_slug_prefix_idx;
