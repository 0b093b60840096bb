-- A region's communities (community.List: Region.communities, and
-- Query.communities with a region) are a page of its subtree's communities,
-- by default in name order. They were read as a range of domicile codes
-- over the index of codes: PostgreSQL fetched every community of the
-- subtree and sorted them, region by region. A province → its regencies →
-- 10 communities each spent most of its time there (4.7 ms of the
-- statement's for Aceh's 23 regencies on the national data). A subtree is
-- now matched by its level's prefix of the domicile code, as the feeds'
-- are (00013), and each level's prefix has an index in name order: a page
-- reads its own rows. A village, the lowest level, is its own subtree and
-- uses communities_domicile_idx. Communities are few (one or two per
-- village), so the indexes are small and built in a moment.

-- +goose Up
CREATE INDEX communities_province_name_idx ON communities (left(domicile_code, 2), name, id);
CREATE INDEX communities_regency_name_idx ON communities (left(domicile_code, 5), name, id);
CREATE INDEX communities_district_name_idx ON communities (left(domicile_code, 8), name, id);

-- +goose Down
DROP INDEX communities_district_name_idx;
DROP INDEX communities_regency_name_idx;
DROP INDEX communities_province_name_idx;
