-- A community's move to another regency, and a first write of a day for it
-- at the same time (found by a review of 00015): the writer's new
-- activity_daily row read the community's key (activity_daily_key) before
-- the move committed, so it kept the old regency; the move's UPDATE of the
-- community's rows had begun before that row existed, so it never saw it.
-- The row and every later change to it then counted in the old regency
-- until a rebuild.
--
-- Now a write that reads a community's key holds a shared advisory lock
-- for its transaction, and a move takes it exclusively before it re-keys
-- the rows. A writer that comes during a move waits for the move's commit
-- and then reads the new key; a move that comes during a write waits for
-- the write's commit and then sees its rows (each statement of a trigger
-- reads what has committed before it began: kimhub's transactions are
-- READ COMMITTED). Writers do not wait for each other (the lock is
-- shared).
--
-- One lock for all communities, not one per community: the view
-- aggregator writes thousands of communities' days in one statement, and a
-- lock per community would hold as many entries in PostgreSQL's lock table
-- (sized for 64 a connection by default) until its commit. The price: a move
-- waits for every write of activity in progress, and the writes that come
-- meanwhile wait for the move, a few milliseconds, for moves that are rare
-- (a DRAFT or REJECTED community's domicile, an officer's re-coding).
-- activity_rebuild() writes the keys itself and takes no such lock (its
-- table lock already keeps moves out). The lock's key is a pair of 32-bit
-- numbers, a space apart from the idempotency keys' 64-bit ones.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION activity_daily_key() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION activity_community_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('activity_daily.regency_code'), 0);
    UPDATE activity_daily SET regency_code = left(NEW.domicile_code, 5) WHERE community_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION activity_daily_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.regency_code IS NULL THEN
        SELECT left(domicile_code, 5) INTO NEW.regency_code FROM communities WHERE id = NEW.community_id;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION activity_community_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE activity_daily SET regency_code = left(NEW.domicile_code, 5) WHERE community_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
