-- Dashboards (issue 8): a summary table of each community's activity per
-- day, kept in step with the base tables by row triggers in the same
-- transaction (so statistics are exact, never stale), and rebuilt from them
-- by activity_rebuild() after a bulk load or to repair it.
--
-- Every counter is a sum over the rows of a base table of that row's
-- "contribution", a function of the row alone:
--   posts, showcases   +1 on the WIB day of publish_at while PUBLISHED
--   disseminations     +1 and +reach on disseminated_on
--   asp_submitted      +1 on the WIB day of submitted_at
--   asp_closed         +1 on the WIB day of closed_at once RESOLVED or DECLINED
--   joined, left_members  +1 on the WIB day of each JOIN or LEAVE in
--                      membership_events (a membership row keeps only its
--                      latest state, so moves into and out of ACTIVE are
--                      recorded as events, never changed)
--   views              added by the view aggregator each minute (post_views
--                      and showcase_views rows are pruned after two days, so
--                      activity_rebuild() keeps this column as it is)
-- A trigger subtracts the old row's contribution and adds the new one's.

-- +goose Up
-- Readers find a subtree's communities through communities_domicile_idx
-- and then their days by this primary key (a LATERAL subquery per
-- community): the subtree's communities times the period's days, however
-- long the history.
CREATE TABLE activity_daily (
    community_id   bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    day            date NOT NULL,                  -- in WIB (Asia/Jakarta)
    posts          integer NOT NULL DEFAULT 0,
    showcases      integer NOT NULL DEFAULT 0,
    views          bigint NOT NULL DEFAULT 0,
    joined         integer NOT NULL DEFAULT 0,
    left_members   integer NOT NULL DEFAULT 0,
    disseminations integer NOT NULL DEFAULT 0,
    reach          bigint NOT NULL DEFAULT 0,
    asp_submitted  integer NOT NULL DEFAULT 0,
    asp_closed     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, day)
);

-- Moves of a membership into ACTIVE (JOIN) and out of it (LEAVE).
CREATE TABLE membership_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    kind         text NOT NULL CHECK (kind IN ('JOIN', 'LEAVE')),
    at           timestamptz NOT NULL
);
CREATE INDEX membership_events_community_idx ON membership_events (community_id, at);

-- Statistics of aspirations by submission time, per community.
CREATE INDEX aspirations_community_submitted_idx ON aspirations (community_id, submitted_at);

-- +goose StatementBegin
CREATE FUNCTION wib_day(t timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (t AT TIME ZONE 'Asia/Jakarta')::date $$;
-- +goose StatementEnd

-- activity_add adds to one community's counters of one day (a null day or
-- community adds nothing).
-- +goose StatementBegin
CREATE FUNCTION activity_add(c bigint, d date, d_posts int, d_showcases int, d_joined int, d_left int,
                             d_diss int, d_reach bigint, d_submitted int, d_closed int) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO activity_daily AS a (community_id, day, posts, showcases, joined, left_members,
                                     disseminations, reach, asp_submitted, asp_closed)
    SELECT c, d, d_posts, d_showcases, d_joined, d_left, d_diss, d_reach, d_submitted, d_closed
    WHERE c IS NOT NULL AND d IS NOT NULL
    ON CONFLICT (community_id, day) DO UPDATE SET
        posts = a.posts + EXCLUDED.posts,
        showcases = a.showcases + EXCLUDED.showcases,
        joined = a.joined + EXCLUDED.joined,
        left_members = a.left_members + EXCLUDED.left_members,
        disseminations = a.disseminations + EXCLUDED.disseminations,
        reach = a.reach + EXCLUDED.reach,
        asp_submitted = a.asp_submitted + EXCLUDED.asp_submitted,
        asp_closed = a.asp_closed + EXCLUDED.asp_closed
$$;
-- +goose StatementEnd

-- Posts and showcases: +1 on the day of publish_at while PUBLISHED.
-- +goose StatementBegin
CREATE FUNCTION activity_published() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p int := CASE WHEN TG_TABLE_NAME = 'posts' THEN 1 ELSE 0 END;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.status, OLD.publish_at, OLD.community_id)
            IS NOT DISTINCT FROM (NEW.status, NEW.publish_at, NEW.community_id) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status = 'PUBLISHED' THEN
        PERFORM activity_add(OLD.community_id, wib_day(OLD.publish_at), -p, p - 1, 0, 0, 0, 0, 0, 0);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'PUBLISHED' THEN
        PERFORM activity_add(NEW.community_id, wib_day(NEW.publish_at), p, 1 - p, 0, 0, 0, 0, 0, 0);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER posts_activity AFTER INSERT OR DELETE OR UPDATE OF status, publish_at, community_id ON posts
    FOR EACH ROW EXECUTE FUNCTION activity_published();
CREATE TRIGGER showcases_activity AFTER INSERT OR DELETE OR UPDATE OF status, publish_at, community_id ON showcases
    FOR EACH ROW EXECUTE FUNCTION activity_published();

-- Disseminations: +1 and +reach on disseminated_on.
-- +goose StatementBegin
CREATE FUNCTION activity_disseminations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.community_id, OLD.disseminated_on, OLD.reach)
            IS NOT DISTINCT FROM (NEW.community_id, NEW.disseminated_on, NEW.reach) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM activity_add(OLD.community_id, OLD.disseminated_on, 0, 0, 0, 0, -1, -OLD.reach, 0, 0);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM activity_add(NEW.community_id, NEW.disseminated_on, 0, 0, 0, 0, 1, NEW.reach, 0, 0);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER disseminations_activity AFTER INSERT OR DELETE OR UPDATE ON disseminations
    FOR EACH ROW EXECUTE FUNCTION activity_disseminations();

-- Aspirations: +1 submitted on submitted_at; +1 closed on closed_at once
-- RESOLVED or DECLINED. Each contribution moves only when what it depends
-- on does (a move along the workflow leaves the submission day alone).
-- +goose StatementBegin
CREATE FUNCTION activity_aspirations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_c bigint; old_sub date; old_closed date;
    new_c bigint; new_sub date; new_closed date;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_c := OLD.community_id;
        old_sub := wib_day(OLD.submitted_at);
        old_closed := CASE WHEN OLD.status IN ('RESOLVED', 'DECLINED') THEN wib_day(OLD.closed_at) END;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_c := NEW.community_id;
        new_sub := wib_day(NEW.submitted_at);
        new_closed := CASE WHEN NEW.status IN ('RESOLVED', 'DECLINED') THEN wib_day(NEW.closed_at) END;
    END IF;
    IF (old_c, old_sub) IS DISTINCT FROM (new_c, new_sub) THEN
        PERFORM activity_add(old_c, old_sub, 0, 0, 0, 0, 0, 0, -1, 0);
        PERFORM activity_add(new_c, new_sub, 0, 0, 0, 0, 0, 0, 1, 0);
    END IF;
    IF (old_c, old_closed) IS DISTINCT FROM (new_c, new_closed) THEN
        PERFORM activity_add(old_c, old_closed, 0, 0, 0, 0, 0, 0, 0, -1);
        PERFORM activity_add(new_c, new_closed, 0, 0, 0, 0, 0, 0, 0, 1);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER aspirations_activity AFTER INSERT OR DELETE OR UPDATE ON aspirations
    FOR EACH ROW EXECUTE FUNCTION activity_aspirations();

-- Memberships: a move into ACTIVE is a JOIN, a move out of it (LEFT,
-- REMOVED) a LEAVE, at the time the row says it changed (updated_at when
-- the writer set it, else now); a new ACTIVE row joins on joined_at. Role
-- changes, invitations and requests are no events.
-- +goose StatementBegin
CREATE FUNCTION activity_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_active boolean := TG_OP = 'UPDATE' AND OLD.status = 'ACTIVE';
    at timestamptz := now();
BEGIN
    IF TG_OP = 'INSERT' THEN
        at := COALESCE(NEW.joined_at, now());
    ELSIF NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
        at := NEW.updated_at;
    END IF;
    IF NOT was_active AND NEW.status = 'ACTIVE' THEN
        INSERT INTO membership_events (community_id, account_id, kind, at) VALUES (NEW.community_id, NEW.account_id, 'JOIN', at);
    ELSIF was_active AND NEW.status IN ('LEFT', 'REMOVED') THEN
        INSERT INTO membership_events (community_id, account_id, kind, at) VALUES (NEW.community_id, NEW.account_id, 'LEAVE', at);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER memberships_activity AFTER INSERT OR UPDATE OF status ON memberships
    FOR EACH ROW EXECUTE FUNCTION activity_memberships();

-- +goose StatementBegin
CREATE FUNCTION activity_membership_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM activity_add(NEW.community_id, wib_day(NEW.at), 0, 0,
            (NEW.kind = 'JOIN')::int, (NEW.kind = 'LEAVE')::int, 0, 0, 0, 0);
    ELSE
        PERFORM activity_add(OLD.community_id, wib_day(OLD.at), 0, 0,
            -(OLD.kind = 'JOIN')::int, -(OLD.kind = 'LEAVE')::int, 0, 0, 0, 0);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER membership_events_activity AFTER INSERT OR DELETE ON membership_events
    FOR EACH ROW EXECUTE FUNCTION activity_membership_events();

-- activity_rebuild recomputes every counter but views from the base tables,
-- in one statement under an exclusive lock: every writer of the tables
-- above waits until it ends (readers do not). It is for after a bulk load
-- with triggers off, or for repair.
-- +goose StatementBegin
CREATE FUNCTION activity_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE activity_daily IN EXCLUSIVE MODE;
    CREATE TEMP TABLE activity_views ON COMMIT DROP AS
        SELECT community_id, day, views FROM activity_daily WHERE views <> 0;
    DELETE FROM activity_daily;
    INSERT INTO activity_daily (community_id, day, posts, showcases, views, joined, left_members,
                                disseminations, reach, asp_submitted, asp_closed)
    SELECT x.community_id, x.day, sum(x.posts), sum(x.showcases), sum(x.views), sum(x.joined),
           sum(x.left_members), sum(x.diss), sum(x.reach), sum(x.submitted), sum(x.closed)
    FROM (
        SELECT community_id, wib_day(publish_at) AS day, 1 AS posts, 0 AS showcases, 0 AS views, 0 AS joined,
               0 AS left_members, 0 AS diss, 0 AS reach, 0 AS submitted, 0 AS closed
        FROM posts WHERE status = 'PUBLISHED'
        UNION ALL
        SELECT community_id, wib_day(publish_at), 0, 1, 0, 0, 0, 0, 0, 0, 0 FROM showcases WHERE status = 'PUBLISHED'
        UNION ALL
        SELECT community_id, day, 0, 0, views, 0, 0, 0, 0, 0, 0 FROM activity_views
        UNION ALL
        SELECT community_id, wib_day(at), 0, 0, 0, (kind = 'JOIN')::int, (kind = 'LEAVE')::int, 0, 0, 0, 0
        FROM membership_events
        UNION ALL
        SELECT community_id, disseminated_on, 0, 0, 0, 0, 0, 1, reach, 0, 0 FROM disseminations
        UNION ALL
        SELECT community_id, wib_day(submitted_at), 0, 0, 0, 0, 0, 0, 0, 1, 0 FROM aspirations
        UNION ALL
        SELECT community_id, wib_day(closed_at), 0, 0, 0, 0, 0, 0, 0, 0, 1
        FROM aspirations WHERE status IN ('RESOLVED', 'DECLINED')
    ) x
    GROUP BY x.community_id, x.day;
    DROP TABLE activity_views;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER membership_events_activity ON membership_events;
DROP TRIGGER memberships_activity ON memberships;
DROP TRIGGER aspirations_activity ON aspirations;
DROP TRIGGER disseminations_activity ON disseminations;
DROP TRIGGER showcases_activity ON showcases;
DROP TRIGGER posts_activity ON posts;
DROP FUNCTION activity_rebuild();
DROP FUNCTION activity_membership_events();
DROP FUNCTION activity_memberships();
DROP FUNCTION activity_aspirations();
DROP FUNCTION activity_disseminations();
DROP FUNCTION activity_published();
DROP FUNCTION activity_add(bigint, date, int, int, int, int, int, bigint, int, int);
DROP FUNCTION wib_day(timestamptz);
DROP INDEX aspirations_community_submitted_idx;
DROP TABLE membership_events;
DROP TABLE activity_daily;
