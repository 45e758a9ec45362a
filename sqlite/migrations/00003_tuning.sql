-- Service filters look up (name, incident) pairs: index both, so the
-- EXISTS probe per incident is one seek. Rank search hits by bm25 with the
-- title weighted 10:1 (FTS5's persistent rank setting, used by ORDER BY
-- rank).

-- +goose Up
DROP INDEX incident_services_name;
CREATE INDEX incident_services_name ON incident_services (lower(name), incident_id);
INSERT INTO incident_fts (incident_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)');

-- +goose Down
INSERT INTO incident_fts (incident_fts, rank) VALUES ('rank', 'bm25()');
DROP INDEX incident_services_name;
CREATE INDEX incident_services_name ON incident_services (lower(name));
