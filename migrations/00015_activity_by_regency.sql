-- Dashboards at national scale (issue 8): a regency's figures over a period
-- were summed from activity_daily one community at a time (the busiest
-- regency: 858 communities, 6.5 ms of a 30-day regionStats's ~8 ms of
-- SQL). A second summary, activity_regency_daily, holds the same counters
-- per regency per day, so that a regency's period is its days (at most
-- 480 rows for 30 days: see the stripes below) and a province's is its
-- regencies' days.
--
-- The key is the community's domicile cut to the regency level,
-- left(domicile_code, 5): a regency's code, or a province's for a
-- community domiciled at a province (a null domicile counts nowhere, as
-- in the statistics). Each activity_daily row records that key
-- (regency_code, filled on insert from its community), and row triggers
-- on activity_daily add each row's change to its regency's day, in the
-- same transaction: the two summaries agree at every commit.
--   - A community that moves to another regency takes its history along:
--     its activity_daily rows get the new key, and the triggers move their
--     counters from one regency's days to the other's.
--   - A deleted community's rows are deleted by the cascade, and the
--     triggers subtract them.
--   - A move and a first write of a day for the same community at once
--     (found by a review): the writer's new row would read the key before
--     the move committed, and the move's re-keying, begun before that row
--     existed, would never see it. So a write that reads a key holds a
--     shared advisory lock for its transaction, and a move takes it
--     exclusively before it re-keys: a writer during a move waits for its
--     commit and then reads the new key; a move during a write waits for
--     the write's commit and then sees its rows (each statement of a
--     trigger reads what has committed before it began: kimhub's
--     transactions are READ COMMITTED). Writers do not wait for each other.
--     One lock for all communities, not one each: the view aggregator
--     writes thousands of communities' days in one statement, and a lock
--     per community would fill PostgreSQL's lock table (sized for 64 a
--     connection by default) until its commit. The price: a move waits for
--     the activity writes in progress, and those that come meanwhile wait
--     for it, for moves that are rare (a DRAFT or REJECTED community's
--     domicile, an officer's re-coding). The key is a pair of 32-bit
--     numbers, a space apart from the idempotency keys' 64-bit ones.
--   - activity_rebuild() is now 00010's rebuild of activity_daily
--     (renamed activity_daily_rebuild, its rows keyed by the trigger on
--     insert) and then the regency summary recomputed from it; the row
--     triggers that keep the regency summary are off meanwhile, for its
--     own transaction (kimhub.activity_rebuild): they would subtract every
--     row and add it back. Keying each row on insert costs time (the
--     national data: 47–55 s against 30 s), spent only after a bulk load
--     or for a repair.
-- The price is one more row updated per contribution (a post published
-- updates its community's day and its regency's). A single row per
-- regency and day would make every writer of the regency wait for the
-- commit of the one before (the bench's write mix, eight communities of
-- one village: 150 mixes a second held without this summary, not with a
-- row per regency and day). So each regency's day is striped: 16 rows,
-- one per community_id % 16, summed by the readers (30 days × 16 rows at
-- most for a regency's month). Writers in different communities of a
-- regency then meet on a row only as often as two of them share a stripe,
-- and writers in one community already met on its day's row.

-- +goose Up
ALTER TABLE activity_daily ADD COLUMN regency_code text COLLATE "C";
UPDATE activity_daily a SET regency_code = left(c.domicile_code, 5) FROM communities c WHERE c.id = a.community_id;

CREATE TABLE activity_regency_daily (
    regency_code   text COLLATE "C" NOT NULL,
    day            date NOT NULL,                  -- in WIB (Asia/Jakarta)
    stripe         smallint NOT NULL,              -- community_id % 16
    posts          integer NOT NULL DEFAULT 0,
    showcases      integer NOT NULL DEFAULT 0,
    views          bigint NOT NULL DEFAULT 0,
    joined         integer NOT NULL DEFAULT 0,
    left_members   integer NOT NULL DEFAULT 0,
    disseminations integer NOT NULL DEFAULT 0,
    reach          bigint NOT NULL DEFAULT 0,
    asp_submitted  integer NOT NULL DEFAULT 0,
    asp_closed     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (regency_code, day, stripe) INCLUDE (posts, showcases, views, joined, left_members,
                                                     disseminations, reach, asp_submitted, asp_closed)
);

-- activity_regency_recompute fills the regency summary from activity_daily.
-- +goose StatementBegin
CREATE FUNCTION activity_regency_recompute() RETURNS void LANGUAGE sql AS $$
    DELETE FROM activity_regency_daily;
    INSERT INTO activity_regency_daily
    SELECT regency_code, day, community_id % 16, sum(posts), sum(showcases), sum(views), sum(joined),
           sum(left_members), sum(disseminations), sum(reach), sum(asp_submitted), sum(asp_closed)
    FROM activity_daily WHERE regency_code IS NOT NULL GROUP BY 1, 2, 3;
$$;
-- +goose StatementEnd
SELECT activity_regency_recompute();

-- A new activity_daily row takes its community's key, under the shared
-- lock that keeps moves out (above). A community being
-- deleted adds nothing: its memberships' events, deleted by the cascade,
-- would otherwise subtract their joins from a day whose row the cascade
-- has already deleted, re-inserting it for a community that is gone.
-- +goose StatementBegin
CREATE FUNCTION activity_daily_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.regency_code IS NULL THEN
        PERFORM pg_advisory_xact_lock_shared(hashtext('activity_daily.regency_code'), 0);
        SELECT left(domicile_code, 5) INTO NEW.regency_code FROM communities WHERE id = NEW.community_id;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER activity_daily_key BEFORE INSERT ON activity_daily
    FOR EACH ROW EXECUTE FUNCTION activity_daily_key();

-- activity_regency_add adds to one regency's counters of one day, in the
-- stripe of community c (a null key adds nothing, nor does a change of
-- nothing).
-- +goose StatementBegin
CREATE FUNCTION activity_regency_add(r text, d date, c bigint, d_posts int, d_showcases int, d_views bigint,
                                     d_joined int, d_left int, d_diss int, d_reach bigint, d_submitted int,
                                     d_closed int) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO activity_regency_daily AS a (regency_code, day, stripe, posts, showcases, views, joined,
                                             left_members, disseminations, reach, asp_submitted, asp_closed)
    SELECT r, d, c % 16, d_posts, d_showcases, d_views, d_joined, d_left, d_diss, d_reach, d_submitted, d_closed
    WHERE r IS NOT NULL
      AND (d_posts, d_showcases, d_views, d_joined, d_left, d_diss, d_reach, d_submitted, d_closed)
          <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
    ON CONFLICT (regency_code, day, stripe) DO UPDATE SET
        posts = a.posts + EXCLUDED.posts,
        showcases = a.showcases + EXCLUDED.showcases,
        views = a.views + EXCLUDED.views,
        joined = a.joined + EXCLUDED.joined,
        left_members = a.left_members + EXCLUDED.left_members,
        disseminations = a.disseminations + EXCLUDED.disseminations,
        reach = a.reach + EXCLUDED.reach,
        asp_submitted = a.asp_submitted + EXCLUDED.asp_submitted,
        asp_closed = a.asp_closed + EXCLUDED.asp_closed
$$;
-- +goose StatementEnd

-- Each change of an activity_daily row moves its regency's day by as much:
-- the difference when key and day stay, else the old row out and the new
-- one in.
-- +goose StatementBegin
CREATE FUNCTION activity_regency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kimhub.activity_rebuild', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.regency_code, OLD.day) IS NOT DISTINCT FROM (NEW.regency_code, NEW.day) THEN
        PERFORM activity_regency_add(NEW.regency_code, NEW.day, NEW.community_id, NEW.posts - OLD.posts, NEW.showcases - OLD.showcases,
            NEW.views - OLD.views, NEW.joined - OLD.joined, NEW.left_members - OLD.left_members,
            NEW.disseminations - OLD.disseminations, NEW.reach - OLD.reach,
            NEW.asp_submitted - OLD.asp_submitted, NEW.asp_closed - OLD.asp_closed);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM activity_regency_add(OLD.regency_code, OLD.day, OLD.community_id, -OLD.posts, -OLD.showcases, -OLD.views, -OLD.joined,
            -OLD.left_members, -OLD.disseminations, -OLD.reach, -OLD.asp_submitted, -OLD.asp_closed);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM activity_regency_add(NEW.regency_code, NEW.day, NEW.community_id, NEW.posts, NEW.showcases, NEW.views, NEW.joined,
            NEW.left_members, NEW.disseminations, NEW.reach, NEW.asp_submitted, NEW.asp_closed);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER activity_regency AFTER INSERT OR DELETE OR UPDATE ON activity_daily
    FOR EACH ROW EXECUTE FUNCTION activity_regency();

-- A community that moves to another regency takes its days along, under
-- the exclusive lock (above).
-- +goose StatementBegin
CREATE FUNCTION activity_community_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('activity_daily.regency_code'), 0);
    UPDATE activity_daily SET regency_code = left(NEW.domicile_code, 5) WHERE community_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER activity_community_moved AFTER UPDATE OF domicile_code ON communities
    FOR EACH ROW WHEN (left(OLD.domicile_code, 5) IS DISTINCT FROM left(NEW.domicile_code, 5))
    EXECUTE FUNCTION activity_community_moved();

-- activity_rebuild: 00010's, renamed, then the regency summary.
ALTER FUNCTION activity_rebuild() RENAME TO activity_daily_rebuild;
-- +goose StatementBegin
CREATE FUNCTION activity_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE activity_daily, activity_regency_daily IN EXCLUSIVE MODE;
    PERFORM set_config('kimhub.activity_rebuild', 'on', true);
    PERFORM activity_daily_rebuild();
    PERFORM activity_regency_recompute();
    PERFORM set_config('kimhub.activity_rebuild', 'off', true);
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION activity_rebuild();
ALTER FUNCTION activity_daily_rebuild() RENAME TO activity_rebuild;
DROP TRIGGER activity_community_moved ON communities;
DROP TRIGGER activity_regency ON activity_daily;
DROP TRIGGER activity_daily_key ON activity_daily;
DROP FUNCTION activity_community_moved();
DROP FUNCTION activity_regency();
DROP FUNCTION activity_regency_add(text, date, bigint, int, int, bigint, int, int, int, bigint, int, int);
DROP FUNCTION activity_daily_key();
DROP FUNCTION activity_regency_recompute();
DROP TABLE activity_regency_daily;
ALTER TABLE activity_daily DROP COLUMN regency_code;
