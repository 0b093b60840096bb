-- What PostGraphile needs beside kimhub's tables: computed columns for what
-- kimhub's API computes (cmd/benchdash applies this before starting it).
-- SQL functions that PostgreSQL inlines, so they cost what a join costs.

-- Region.subtreeCommunities: the ACTIVE communities domiciled in a region or
-- anywhere below it (kimhub's Region.communities), the subtree as a range of
-- codes ('64.02' up to '64.02/': '/' sorts right after '.').
CREATE OR REPLACE FUNCTION regions_subtree_communities(r regions) RETURNS SETOF communities
LANGUAGE sql STABLE AS $$
  SELECT c.* FROM communities c
  WHERE c.domicile_code >= r.code AND c.domicile_code < r.code || '/' AND c.status = 'ACTIVE'
  ORDER BY c.name, c.id
$$;
