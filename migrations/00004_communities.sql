-- KIM communities, their fields (bidang), registration numbers, members and
-- the notifications accounts receive.

-- +goose Up
CREATE TABLE fields (
    code text PRIMARY KEY,
    name text NOT NULL,          -- Indonesian name shown to people
    description text NOT NULL DEFAULT ''
);
INSERT INTO fields (code, name, description) VALUES
    ('AGRICULTURE',  'Pertanian',           'farming, plantations, livestock'),
    ('FISHERIES',    'Perikanan',           'fishing and aquaculture'),
    ('TOURISM',      'Pariwisata',          'tourism and village destinations'),
    ('HEALTH',       'Kesehatan',           'public health, posyandu'),
    ('EDUCATION',    'Pendidikan',          'schools, literacy'),
    ('CULTURE',      'Seni dan Budaya',     'arts, culture, traditions'),
    ('ECONOMY',      'Ekonomi dan UMKM',    'small businesses, cooperatives, markets'),
    ('ENVIRONMENT',  'Lingkungan Hidup',    'environment, waste, forests'),
    ('TECHNOLOGY',   'Teknologi Informasi', 'digital literacy, internet'),
    ('GOVERNANCE',   'Pemerintahan',        'village government and public services'),
    ('SOCIAL',       'Sosial',              'social welfare'),
    ('DISASTER',     'Kebencanaan',         'disaster preparedness'),
    ('YOUTH',        'Kepemudaan dan Olahraga', 'youth and sport'),
    ('RELIGION',     'Keagamaan',           'religious life'),
    ('MEDIA',        'Media dan Konten',    'local media, positive content');

CREATE TABLE communities (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL CHECK (name <> ''),
    slug                text NOT NULL UNIQUE,          -- <slug>.kim.id
    category            text NOT NULL CHECK (category IN ('KIM', 'TRADITIONAL_MEDIA', 'POSITIVE_CONTENT_CREATOR', 'STRATEGIC_GROUP')),
    domicile_code       text COLLATE "C" REFERENCES regions (code),
    description         text NOT NULL DEFAULT '',
    logo_id             bigint REFERENCES media_assets (id),
    decree_id           bigint REFERENCES media_assets (id),   -- the SK, PRIVATE
    contact_email       text,
    contact_phone       text,
    social_links        jsonb NOT NULL DEFAULT '[]',
    latitude            double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude           double precision CHECK (longitude BETWEEN -180 AND 180),
    founded_on          date,
    status              text NOT NULL DEFAULT 'DRAFT'
                        CHECK (status IN ('DRAFT', 'SUBMITTED', 'ACTIVE', 'REJECTED', 'SUSPENDED')),
    status_reason       text NOT NULL DEFAULT '',
    registration_number text UNIQUE,
    registered_at       timestamptz,
    submitted_at        timestamptz,
    member_count        integer NOT NULL DEFAULT 0,   -- ACTIVE members, kept in step by the membership service
    created_by          bigint NOT NULL REFERENCES accounts (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK (status IN ('DRAFT', 'SUBMITTED', 'REJECTED') OR registration_number IS NOT NULL)
);
CREATE INDEX communities_domicile_idx ON communities (domicile_code, id);
CREATE INDEX communities_status_name_idx ON communities (status, name, id);
CREATE INDEX communities_name_trgm_idx ON communities USING gin (name gin_trgm_ops);

CREATE TABLE community_fields (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    field_code   text NOT NULL REFERENCES fields (code),
    PRIMARY KEY (community_id, field_code)
);
CREATE INDEX community_fields_field_idx ON community_fields (field_code, community_id);

-- The last registration number issued per regency. Approval increments it
-- in its own transaction: concurrent approvals in one regency queue on the
-- row, so numbers are consecutive and never issued twice.
CREATE TABLE registration_counters (
    regency_code text COLLATE "C" PRIMARY KEY REFERENCES regions (code),
    last_number  integer NOT NULL
);

CREATE TABLE memberships (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    role         text NOT NULL CHECK (role IN ('CHAIR', 'EDITOR', 'MEMBER')),
    status       text NOT NULL CHECK (status IN ('INVITED', 'REQUESTED', 'ACTIVE', 'LEFT', 'REMOVED')),
    invited_by   bigint REFERENCES accounts (id),
    joined_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (community_id, account_id)
);
CREATE INDEX memberships_account_idx ON memberships (account_id, community_id);
CREATE INDEX memberships_community_idx ON memberships (community_id, status, id);

ALTER TABLE media_assets ADD FOREIGN KEY (community_id) REFERENCES communities (id);

CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id);
CREATE INDEX notifications_unread_idx ON notifications (account_id, id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE notifications;
ALTER TABLE media_assets DROP CONSTRAINT media_assets_community_id_fkey;
DROP TABLE memberships;
DROP TABLE registration_counters;
DROP TABLE community_fields;
DROP TABLE communities;
DROP TABLE fields;
