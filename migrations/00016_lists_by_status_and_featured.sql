-- Two lists whose plans read far more than their page once kimhub's
-- connections plan each statement once for all its values
-- (force_generic_plan), measured on the national data (1,000,000 posts):
--
--   - A community's items in one status (publishing.byStatus: drafts,
--     the review queue, published ones), newest first by id: no index
--     ordered a community's items by id, so PostgreSQL read all of a
--     community's items and sorted them (19,333 posts: 190-215 ms a page;
--     planned for its values it walked the primary key, 12-15 ms). Now
--     (community_id, status, id) gives the page as a range read backwards.
--   - The featured items of a feed (FeedFilter.Featured, the condition now
--     written into the statement): nothing indexed featured, and a feed of
--     the whole country walked every published item looking for some
--     (3.6 s when none are). Featured items are few: a partial index holds
--     only them, in the feeds' order.
--
-- Built CONCURRENTLY (outside a transaction), as 00013's: if the build is
-- interrupted, PostgreSQL leaves an INVALID index of that name: drop it and
-- migrate again.

-- +goose NO TRANSACTION

-- +goose Up
CREATE INDEX CONCURRENTLY posts_community_status_idx ON posts (community_id, status, id);
CREATE INDEX CONCURRENTLY showcases_community_status_idx ON showcases (community_id, status, id);
CREATE INDEX CONCURRENTLY posts_featured_idx ON posts (publish_at DESC, id DESC) WHERE status = 'PUBLISHED' AND featured;
CREATE INDEX CONCURRENTLY showcases_featured_idx ON showcases (publish_at DESC, id DESC) WHERE status = 'PUBLISHED' AND featured;

-- +goose Down
DROP INDEX showcases_featured_idx;
DROP INDEX posts_featured_idx;
DROP INDEX showcases_community_status_idx;
DROP INDEX posts_community_status_idx;
