-- Accounts, sessions, API tokens, first-start setup tokens and login
-- throttling; the audit log gains the address and target of each entry.

-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,             -- lower case
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,                    -- viewer, editor, admin
    password_hash TEXT NOT NULL,                    -- argon2id, PHC form
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ
);

-- Only the SHA-256 of a session ID is stored.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    address      TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Only the SHA-256 of a token's secret is stored.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL,                     -- read, read-write
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- One-time links that create the first admin; all used up by it.
CREATE TABLE setup_tokens (
    hash       TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);

-- Failed sign-ins per account ("user:<email>") and per address
-- ("addr:<ip>"), in a fixed window that starts at the first failure.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    last_at      TIMESTAMPTZ NOT NULL
);

ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN target TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose Down
DROP INDEX audit_log_at;
ALTER TABLE audit_log DROP COLUMN target;
ALTER TABLE audit_log DROP COLUMN address;
DROP TABLE login_failures;
DROP TABLE setup_tokens;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
