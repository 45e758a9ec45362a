-- Integrations: inbound alert idempotency and group mapping, outbound
-- webhook subscriptions and their delivery queue (fed from outbox).

-- +goose Up
-- One row per inbound event key: a retried delivery finds its keys here.
CREATE TABLE alert_events (
    source      TEXT NOT NULL,                      -- alertmanager, pagerduty, generic
    key         TEXT NOT NULL,                      -- event ID, dedup key, or group+fingerprint+status+startsAt
    batch       TEXT NOT NULL,                      -- the delivery that claimed it (named in the revision message)
    state       TEXT NOT NULL,                      -- pending or done
    incident_id TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX alert_events_batch ON alert_events (batch);

-- The incident each alert group opened.
CREATE TABLE alert_groups (
    source      TEXT NOT NULL,
    key         TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    open        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE webhook_subscriptions (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,                      -- event names, comma-separated
    secret      TEXT NOT NULL,
    format      TEXT NOT NULL,                      -- json or slack
    active      INTEGER NOT NULL,
    description TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- One row per (subscription, outbox event): the unique key makes the fan-out
-- exactly once.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    outbox_id       INTEGER NOT NULL,
    event           TEXT NOT NULL,
    incident_id     TEXT NOT NULL,
    payload         BLOB NOT NULL,
    restricted      INTEGER NOT NULL,
    status          TEXT NOT NULL,                  -- pending, delivered, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    event_at        TEXT NOT NULL,
    next_attempt_at TEXT,                           -- due time, or lease end while an attempt runs
    retry_until     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (subscription_id, outbox_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_sub ON webhook_deliveries (subscription_id, id);

-- Overdue action items already announced, per target date.
CREATE TABLE webhook_overdue_sent (
    incident_id TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    target_date TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (incident_id, item_key, target_date)
);

CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

-- +goose Down
DROP INDEX outbox_undelivered;
DROP TABLE webhook_overdue_sent;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE alert_groups;
DROP TABLE alert_events;
