-- PostgreSQL's migration 00290 indexes each search word with its incident's
-- month and tens of days (incident_search_keys); SQLite's search finds its
-- window through FTS5. Nothing to do here: the number is kept the same on
-- both stores.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
