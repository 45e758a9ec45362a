-- Review (issue 17): review requests, reviews tied to revisions, threaded
-- comments anchored to the document, and the due-date events announced.

-- +goose Up
CREATE TABLE review_requests (
    id           INTEGER PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    reviewer     TEXT NOT NULL,                     -- account ID
    requested_by TEXT NOT NULL,                     -- account ID
    requested_at TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    state        TEXT NOT NULL,                     -- open, reviewed, withdrawn
    closed_at    TEXT,
    review_id    INTEGER NOT NULL DEFAULT 0
);
-- one open request per reviewer and incident
CREATE UNIQUE INDEX review_requests_open ON review_requests (incident_id, reviewer) WHERE state = 'open';
CREATE INDEX review_requests_reviewer ON review_requests (reviewer, state);

CREATE TABLE reviews (
    id             INTEGER PRIMARY KEY,
    incident_id    TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    reviewer       TEXT NOT NULL,
    reviewer_email TEXT NOT NULL,
    reviewer_name  TEXT NOT NULL,
    state          TEXT NOT NULL,                   -- approved, changes_requested, commented
    body           TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX reviews_incident ON reviews (incident_id, id);

CREATE TABLE review_comments (
    id           INTEGER PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    thread_id    INTEGER NOT NULL,                  -- the thread's first comment (its own ID for a first comment)
    parent_id    INTEGER NOT NULL DEFAULT 0,
    author       TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    body         TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    anchor       TEXT NOT NULL,                     -- hindsight.Anchor as JSON
    created_at   TEXT NOT NULL,
    edited_at    TEXT,
    history      TEXT NOT NULL DEFAULT '[]',        -- earlier bodies, JSON
    resolved     INTEGER NOT NULL DEFAULT 0,
    resolved_by  TEXT NOT NULL DEFAULT '',
    resolved_at  TEXT
);
CREATE INDEX review_comments_incident ON review_comments (incident_id, thread_id, id);

-- postmortem.due_soon / postmortem.overdue already queued, per due date
CREATE TABLE review_due_sent (
    incident_id TEXT NOT NULL,
    event       TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (incident_id, event, due_at)
);

-- +goose Down
DROP TABLE review_due_sent;
DROP TABLE review_comments;
DROP TABLE reviews;
DROP TABLE review_requests;
