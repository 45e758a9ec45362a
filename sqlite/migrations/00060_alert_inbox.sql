-- The alert receivers' durable inbox: a delivery is accepted (202) once its
-- new events are recorded here, and a background applier saves them into
-- their incidents.

-- +goose Up
-- One row per accepted delivery that is not applied yet.
CREATE TABLE alert_inbox (
    id          INTEGER PRIMARY KEY,                -- the order of acceptance
    source      TEXT NOT NULL,                      -- alertmanager, pagerduty, generic
    group_key   TEXT NOT NULL,                      -- the alert group: its entries are applied in id order
    delivery    TEXT NOT NULL UNIQUE,               -- alert_events.batch of its events; named in the revision message that applies it
    events      INTEGER NOT NULL,                   -- new events it carries
    closes      INTEGER NOT NULL,                   -- it closes its group (a claim stops after it)
    payload     BLOB NOT NULL,                      -- the change, as the receiver encoded it
    received_at TEXT NOT NULL,
    lease_until TEXT,                               -- end of the current claim, or when a failed entry is tried again
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_inbox_group ON alert_inbox (source, group_key, id);

-- Claims of the synchronous receivers left by a crash (state pending):
-- saved ones are done; the others are forgotten (their sender got no 2xx
-- and sends them again).
UPDATE alert_events SET state = 'done',
    incident_id = (SELECT r.incident_id FROM revisions r WHERE r.message LIKE '%[batch ' || alert_events.batch || ']%' LIMIT 1)
WHERE state = 'pending' AND EXISTS (SELECT 1 FROM revisions r WHERE r.message LIKE '%[batch ' || alert_events.batch || ']%');
DELETE FROM alert_events WHERE state = 'pending';

-- +goose Down
-- Events still in the inbox are forgotten, so a sender's retry is accepted
-- again by the synchronous receivers.
DELETE FROM alert_events WHERE batch IN (SELECT delivery FROM alert_inbox);
DROP TABLE alert_inbox;
