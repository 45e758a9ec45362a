-- Full-text search: the title and the text of every section of the latest
-- revision (written by the store on each save), with a generated tsvector
-- (English stemming, the title weighted A, the body B) under a GIN index.

-- +goose Up
CREATE TABLE incident_search (
    incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    tsv         TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, title), 'A') ||
                    setweight(to_tsvector('english'::regconfig, body), 'B')) STORED
);
CREATE INDEX incident_search_tsv ON incident_search USING GIN (tsv);

-- +goose Down
DROP TABLE incident_search;
