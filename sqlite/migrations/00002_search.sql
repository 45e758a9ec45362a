-- Full-text search: an FTS5 table keyed by incidents.pk, holding the title
-- and the text of every section of the latest revision (written by the
-- store on each save). Porter stemming over unicode61 tokens.

-- +goose Up
CREATE VIRTUAL TABLE incident_fts USING fts5 (
    title,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- +goose Down
DROP TABLE incident_fts;
