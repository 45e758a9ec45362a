-- Service filters look up (name, incident) pairs: index both, so the
-- EXISTS probe per incident is one seek.

-- +goose Up
DROP INDEX incident_services_name;
CREATE INDEX incident_services_name ON incident_services (lower(name), incident_id);

-- +goose Down
DROP INDEX incident_services_name;
CREATE INDEX incident_services_name ON incident_services (lower(name));
