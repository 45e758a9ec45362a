-- An action item's issue in a tracker and the sync still to do for it
-- (issue 20, docs/integrations.md). One row per item, ever (primary key
-- and unique marker). want_* is the item's state in Hindsight, remote_* the
-- state the tracker is known to have; the row is pending while there is
-- no issue yet or the two differ, and the worker retries it at
-- next_attempt_at (lease_until: claimed by a worker). Flags are 0/1.

-- +goose Up
CREATE TABLE tracker_links (
    incident_id     TEXT NOT NULL,
    item_key        TEXT NOT NULL,                -- AI-NNN or #N
    kind            TEXT NOT NULL,                -- github, gitlab, jira
    marker          TEXT NOT NULL UNIQUE,
    issue_key       TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL DEFAULT '',
    want_closed     INTEGER NOT NULL DEFAULT 0,
    want_due        TEXT NOT NULL DEFAULT '',
    remote_closed   INTEGER NOT NULL DEFAULT 0,
    remote_due      TEXT NOT NULL DEFAULT '',
    pending         INTEGER NOT NULL DEFAULT 1,
    reason          TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    lease_until     TIMESTAMPTZ,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, item_key)
);
CREATE UNIQUE INDEX tracker_links_issue ON tracker_links (kind, issue_key) WHERE issue_key <> '';
CREATE INDEX tracker_links_due ON tracker_links (pending, next_attempt_at);

-- +goose Down
DROP TABLE tracker_links;
