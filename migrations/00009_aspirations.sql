-- Aspirations (aspirasi): proposals and complaints a community sends up to
-- the government of its regency, followed to an answer.

-- +goose Up
CREATE TABLE aspirations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_code   text NOT NULL UNIQUE,
    community_id    bigint NOT NULL REFERENCES communities (id),
    author_id       bigint NOT NULL REFERENCES accounts (id),
    program_id      bigint REFERENCES programs (id),
    -- The regency whose government answers: the community's at submission.
    regency_code    text COLLATE "C" NOT NULL REFERENCES regions (code),
    title           text NOT NULL CHECK (title <> ''),
    body            text NOT NULL,
    visibility      text NOT NULL CHECK (visibility IN ('PUBLIC', 'PRIVATE')),
    status          text NOT NULL DEFAULT 'SUBMITTED'
                    CHECK (status IN ('SUBMITTED', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED', 'DECLINED')),
    status_reason   text NOT NULL DEFAULT '',
    -- When the next step is due: acknowledgement while SUBMITTED, a
    -- response after; null once closed.
    due_at          timestamptz,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    closed_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((due_at IS NULL) = (status IN ('RESOLVED', 'DECLINED'))),
    CHECK (status <> 'DECLINED' OR status_reason <> '')
);
CREATE INDEX aspirations_community_idx ON aspirations (community_id, id);
CREATE INDEX aspirations_regency_idx ON aspirations (regency_code, id);
CREATE INDEX aspirations_open_due_idx ON aspirations (regency_code, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX aspirations_due_idx ON aspirations (due_at, id) WHERE due_at IS NOT NULL;

CREATE TABLE aspiration_responses (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    aspiration_id  bigint NOT NULL REFERENCES aspirations (id),
    author_id      bigint NOT NULL REFERENCES accounts (id),
    side           text NOT NULL CHECK (side IN ('COMMUNITY', 'GOVERNMENT')),
    body           text NOT NULL CHECK (body <> ''),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aspiration_responses_aspiration_idx ON aspiration_responses (aspiration_id, id);

CREATE TABLE aspiration_response_attachments (
    response_id bigint NOT NULL REFERENCES aspiration_responses (id) ON DELETE CASCADE,
    asset_id    bigint NOT NULL REFERENCES media_assets (id),
    position    integer NOT NULL,
    PRIMARY KEY (response_id, asset_id)
);

-- +goose Down
DROP TABLE aspiration_response_attachments;
DROP TABLE aspiration_responses;
DROP TABLE aspirations;
