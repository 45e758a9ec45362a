-- The list by postmortem due date reads each grace period's incidents in
-- End order, ties by Incident ID, and those without an End by Incident ID
-- (internal/sqlstore/due.go): an index on (end_at, id) serves both as
-- ranges, where (end_at) alone made the incidents without an End a walk of
-- every incident in ID order. It replaces incidents_end, its prefix.

-- +goose Up
CREATE INDEX incidents_end_id ON incidents (end_at, id);
DROP INDEX incidents_end;

-- +goose Down
CREATE INDEX incidents_end ON incidents (end_at);
DROP INDEX incidents_end_id;
