-- Accounts, sessions, government grants, the audit trail and rate-limit
-- counters.

-- +goose Up
CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name <> ''),
    email         text UNIQUE,           -- lower-cased
    phone         text UNIQUE,           -- E.164, +62…
    password_hash text NOT NULL,         -- argon2id, PHC string
    status        text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
    superadmin    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);

-- A session is one login on one device: the family of refresh tokens that
-- rotate from it. Revoking it ends every token of the family.
CREATE TABLE sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason text,
    user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account_id_idx ON sessions (account_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored only as their SHA-256; a token is used once.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

-- A government role (ADMIN: Diskominfo; HUMAS: public relations) over a
-- region and everything below it.
CREATE TABLE grants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    role        text NOT NULL CHECK (role IN ('ADMIN', 'HUMAS')),
    region_code text COLLATE "C" NOT NULL REFERENCES regions (code),
    granted_by  bigint REFERENCES accounts (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  bigint REFERENCES accounts (id)
);
CREATE UNIQUE INDEX grants_active_key ON grants (account_id, role, region_code) WHERE revoked_at IS NULL;
CREATE INDEX grants_region_code_idx ON grants (region_code) WHERE revoked_at IS NULL;

-- Every state change and grant: who, what, when, why. region_code scopes
-- who may read the entry (admins whose region covers it; NULL: superadmins).
CREATE TABLE audit_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    bigint REFERENCES accounts (id),   -- NULL: the system (a subcommand)
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    region_code text COLLATE "C" REFERENCES regions (code),
    reason      text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_entries_region_code_id_idx ON audit_entries (region_code, id);
CREATE INDEX audit_entries_target_idx ON audit_entries (target_type, target_id, id);

-- Fixed-window counters shared by every instance.
CREATE TABLE rate_limits (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE audit_entries;
DROP TABLE grants;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE accounts;
