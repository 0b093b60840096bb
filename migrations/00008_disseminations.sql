-- Reports by communities that they relayed a programme (diseminasi).

-- +goose Up
ALTER TABLE communities ADD COLUMN members_may_report boolean NOT NULL DEFAULT false;

CREATE TABLE disseminations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id      bigint NOT NULL REFERENCES programs (id),
    community_id    bigint NOT NULL REFERENCES communities (id),
    reporter_id     bigint NOT NULL REFERENCES accounts (id),
    channel         text NOT NULL CHECK (channel IN ('WHATSAPP', 'SOCIAL_MEDIA', 'RADIO', 'MEETING', 'NOTICE_BOARD', 'WEBSITE', 'OTHER')),
    disseminated_on date NOT NULL,
    reach           integer NOT NULL CHECK (reach >= 0),
    note            text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disseminations_program_idx ON disseminations (program_id, id);
CREATE INDEX disseminations_community_idx ON disseminations (community_id, id);

CREATE TABLE dissemination_evidence (
    dissemination_id bigint NOT NULL REFERENCES disseminations (id) ON DELETE CASCADE,
    asset_id         bigint NOT NULL REFERENCES media_assets (id),
    position         integer NOT NULL,
    PRIMARY KEY (dissemination_id, asset_id)
);

-- +goose Down
DROP TABLE dissemination_evidence;
DROP TABLE disseminations;
ALTER TABLE communities DROP COLUMN members_may_report;
