-- Integrations (PostgreSQL): inbound alert idempotency and group mapping, outbound
-- webhook subscriptions and their delivery queue (fed from outbox).

-- +goose Up
-- One row per inbound event key: a retried delivery finds its keys here.
CREATE TABLE alert_events (
    source      TEXT NOT NULL,                      -- alertmanager, pagerduty, generic
    key         TEXT NOT NULL,                      -- event ID, dedup key, or group+fingerprint+status+startsAt
    batch       TEXT NOT NULL,                      -- the delivery that claimed it (named in the revision message)
    state       TEXT NOT NULL,                      -- pending or done
    incident_id TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX alert_events_batch ON alert_events (batch);

-- The incident each alert group opened.
CREATE TABLE alert_groups (
    source      TEXT NOT NULL,
    key         TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    open        BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE webhook_subscriptions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,                      -- event names, comma-separated
    secret      TEXT NOT NULL,
    format      TEXT NOT NULL,                      -- json or slack
    active      BOOLEAN NOT NULL,
    description TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- One row per (subscription, outbox event): the unique key makes the fan-out
-- exactly once.
CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    outbox_id       BIGINT NOT NULL,
    event           TEXT NOT NULL,
    incident_id     TEXT NOT NULL,
    payload         BYTEA NOT NULL,
    restricted      BOOLEAN NOT NULL,
    status          TEXT NOT NULL,                  -- pending, delivered, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    event_at        TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ,                    -- due time, or lease end while an attempt runs
    retry_until     TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    UNIQUE (subscription_id, outbox_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_sub ON webhook_deliveries (subscription_id, id);

-- Overdue action items already announced, per target date.
CREATE TABLE webhook_overdue_sent (
    incident_id TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    target_date DATE NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
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
