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
    updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE mail_cursor (
    name    TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);
INSERT INTO mail_cursor (name, last_id) SELECT 'outbox', COALESCE(max(id), 0) FROM outbox;

CREATE TABLE mail_cursor_gaps (
    outbox_id BIGINT PRIMARY KEY,
    seen_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE mail_messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,                -- event, digest
    outbox_id       BIGINT,
    event           TEXT NOT NULL DEFAULT '',
    incident_id     TEXT NOT NULL DEFAULT '',
    payload         BYTEA,
    status          TEXT NOT NULL,                -- held, pending, sent, failed, dropped, digested
    digest_id       BIGINT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    event_at        TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    lease_until     TIMESTAMPTZ,
    retry_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    UNIQUE (account_id, outbox_id)
);
CREATE INDEX mail_messages_due ON mail_messages (status, next_attempt_at);
CREATE INDEX mail_messages_digest ON mail_messages (digest_id);

-- +goose Down
DROP TABLE mail_messages;
DROP TABLE mail_cursor_gaps;
DROP TABLE mail_cursor;
DROP TABLE mail_settings;
