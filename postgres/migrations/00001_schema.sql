-- Hindsight schema on PostgreSQL. Every column of incidents but doc_json is
-- a projection of the latest revision's model, rebuilt on each save;
-- revisions keep the canonical Markdown as BYTEA, byte for byte (TEXT would
-- refuse NUL bytes). doc_json is TEXT, not JSONB, for the same reason (JSON
-- escapes NUL as \u0000, which JSONB refuses). Projected text has NUL bytes
-- removed.

-- +goose Up
CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,             -- INC-YYYYMMDD-NNN
    revision          INTEGER NOT NULL,             -- latest revision number
    title             TEXT NOT NULL,
    severity          TEXT NOT NULL,                -- verbatim (SEV-1..SEV-4 or other text)
    severity_rank     INTEGER NOT NULL,             -- 1..4, 9 for anything else
    status            TEXT NOT NULL,                -- verbatim ('' is Template)
    start_at          TIMESTAMPTZ,
    end_at            TIMESTAMPTZ,
    detected_at       TIMESTAMPTZ,
    start_key         BIGINT NOT NULL,              -- unix seconds of start_at, 0 when unset (sort key)
    duration_min      INTEGER,
    tta_min           INTEGER,
    ttm_min           INTEGER,
    owner             TEXT NOT NULL,
    commander         TEXT NOT NULL,
    detected_by       TEXT NOT NULL,
    detected_source   TEXT NOT NULL,                -- Monitoring, Customer report, Internal team, Other or ''
    last_updated      DATE,                         -- the document's Last Updated date
    services          TEXT NOT NULL,                -- service names, one per line (see incident_services)
    action_items      INTEGER NOT NULL,
    open_action_items INTEGER NOT NULL,
    restricted        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    updated_key       BIGINT NOT NULL,              -- unix microseconds of updated_at (sort key)
    updated_by        TEXT NOT NULL,
    deleted_at        TIMESTAMPTZ,
    deleted_by        TEXT,
    doc_json          TEXT NOT NULL                 -- the model of the latest revision (moved to incident_docs by 00004)
);
CREATE INDEX incidents_start ON incidents (start_key, id);
CREATE INDEX incidents_severity ON incidents (severity_rank, id);
CREATE INDEX incidents_updated ON incidents (updated_key, id);
CREATE INDEX incidents_status ON incidents (status);
CREATE INDEX incidents_owner ON incidents (lower(owner));
CREATE INDEX incidents_commander ON incidents (lower(commander));

CREATE TABLE revisions (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    markdown    BYTEA NOT NULL,                     -- canonical Markdown, byte for byte
    author      TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    message     TEXT NOT NULL,
    PRIMARY KEY (incident_id, n)
);

CREATE TABLE incident_services (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    impact      TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);
CREATE INDEX incident_services_name ON incident_services (lower(name));

CREATE TABLE timeline_events (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    at          TIMESTAMPTZ,                        -- NULL when the time is not a time
    at_text     TEXT NOT NULL,                      -- the time's text when it is not a time
    event       TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);
CREATE INDEX timeline_events_at ON timeline_events (at);

CREATE TABLE action_items (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    item_id     TEXT NOT NULL,                      -- AI-NNN
    action      TEXT NOT NULL,
    owner       TEXT NOT NULL,
    priority    TEXT NOT NULL,
    target_date DATE,                               -- NULL when not a date
    target_text TEXT NOT NULL,                      -- the target's text when it is not a date
    status      TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);
CREATE INDEX action_items_owner ON action_items (lower(owner));
CREATE INDEX action_items_target ON action_items (target_date);
CREATE INDEX action_items_status ON action_items (status, target_date);

CREATE TABLE incident_members (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_members_user ON incident_members (user_id);

-- One row per UTC day: the last sequence number handed out.
CREATE TABLE incident_counters (
    day TEXT PRIMARY KEY,                           -- YYYYMMDD
    n   INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    incident_id TEXT NOT NULL,                      -- no foreign key: the log outlives a purge
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_incident ON audit_log (incident_id, at);

-- Outbound webhook events, written with the change; a worker delivers them.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    incident_id     TEXT NOT NULL,
    event           TEXT NOT NULL,
    payload         BYTEA NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, next_attempt_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE audit_log;
DROP TABLE incident_counters;
DROP TABLE incident_members;
DROP TABLE action_items;
DROP TABLE timeline_events;
DROP TABLE incident_services;
DROP TABLE revisions;
DROP TABLE incidents;
