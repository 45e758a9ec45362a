-- Email notifications: per-account preferences, the mail consumer's own
-- cursor over the outbox (independent of the webhook fan-out's
-- delivered_at), and the mail outbox: one row per message to send.
--
-- mail_cursor starts at the newest outbox event when the migration runs:
-- events from before mail existed are not mailed.
-- mail_cursor_gaps: outbox IDs below the cursor not seen yet (PostgreSQL
-- can commit a lower ID after a higher one); looked at again for a while.
-- mail_messages: kind event (one outbox event for one account, unique per
-- account and event) or digest (held events point at it by digest_id).

-- +goose Up
CREATE TABLE mail_settings (
    account_id        TEXT PRIMARY KEY,
    preference        TEXT NOT NULL,              -- immediate, digest, off
    unsubscribe_token TEXT NOT NULL UNIQUE,
    updated_at        TEXT NOT NULL
);

CREATE TABLE mail_cursor (
    name    TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL
);
INSERT INTO mail_cursor (name, last_id) SELECT 'outbox', COALESCE(max(id), 0) FROM outbox;

CREATE TABLE mail_cursor_gaps (
    outbox_id INTEGER PRIMARY KEY,
    seen_at   TEXT NOT NULL
);

CREATE TABLE mail_messages (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,                -- event, digest
    outbox_id       INTEGER,
    event           TEXT NOT NULL DEFAULT '',
    incident_id     TEXT NOT NULL DEFAULT '',
    payload         BLOB,
    status          TEXT NOT NULL,                -- held, pending, sent, failed, dropped, digested
    digest_id       INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    event_at        TEXT NOT NULL,
    next_attempt_at TEXT,
    lease_until     TEXT,
    retry_until     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (account_id, outbox_id)
);
CREATE INDEX mail_messages_due ON mail_messages (status, next_attempt_at);
CREATE INDEX mail_messages_digest ON mail_messages (digest_id);

-- +goose Down
DROP TABLE mail_messages;
DROP TABLE mail_cursor_gaps;
DROP TABLE mail_cursor;
DROP TABLE mail_settings;
