-- Listing incidents of one service by start: each incident's row for a
-- service name (the first when the document names it twice, compared as
-- lower() compares) carries the incident's start_key, so the list is a
-- range of one index instead of a probe per incident in start order.
-- Written by the projection with the other service rows.
--
-- Owner and commander lists sorted by severity read their index in that
-- order instead of sorting all of one person's incidents.

-- +goose Up
ALTER TABLE incident_services ADD COLUMN start_key BIGINT;
UPDATE incident_services SET start_key = (SELECT i.start_key FROM incidents i WHERE i.id = incident_services.incident_id)
WHERE position = (SELECT min(s2.position) FROM incident_services s2
                  WHERE s2.incident_id = incident_services.incident_id AND lower(s2.name) = lower(incident_services.name));
CREATE INDEX incident_services_start ON incident_services (lower(name), start_key, incident_id) WHERE start_key IS NOT NULL;
CREATE INDEX incidents_owner_severity ON incidents (lower(owner), severity_rank, id);
CREATE INDEX incidents_commander_severity ON incidents (lower(commander), severity_rank, id);

-- +goose Down
DROP INDEX incidents_commander_severity;
DROP INDEX incidents_owner_severity;
DROP INDEX incident_services_start;
ALTER TABLE incident_services DROP COLUMN start_key;
