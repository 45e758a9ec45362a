-- Move the model (doc_json, several KB) out of incidents into a table of its
-- own, so incidents rows stay small: list scans and filters read many rows
-- per page (on SQLite a 5 KB row fills a page of its own). Owner and
-- commander filters get indexes in the default sort order; the status index
-- goes (a handful of values: scanning the sort index and filtering is
-- faster than sorting a fifth of the table).

-- +goose Up
CREATE TABLE incident_docs (
    incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    doc_json    TEXT NOT NULL                       -- the model of the latest revision
);
INSERT INTO incident_docs (incident_id, doc_json) SELECT id, doc_json FROM incidents;
ALTER TABLE incidents DROP COLUMN doc_json;
DROP INDEX incidents_status;
DROP INDEX incidents_owner;
DROP INDEX incidents_commander;
CREATE INDEX incidents_owner ON incidents (lower(owner), start_key, id);
CREATE INDEX incidents_commander ON incidents (lower(commander), start_key, id);

-- +goose Down
DROP INDEX incidents_owner;
DROP INDEX incidents_commander;
CREATE INDEX incidents_owner ON incidents (lower(owner));
CREATE INDEX incidents_commander ON incidents (lower(commander));
CREATE INDEX incidents_status ON incidents (status);
ALTER TABLE incidents ADD COLUMN doc_json TEXT NOT NULL DEFAULT '';
UPDATE incidents SET doc_json = (SELECT d.doc_json FROM incident_docs d WHERE d.incident_id = incidents.id);
DROP TABLE incident_docs;
