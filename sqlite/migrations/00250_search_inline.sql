-- PostgreSQL's migration 00250 keeps the search tsvector in the row and
-- adds the partial index incidents_hidden; SQLite has the index since 00210
-- and no tsvector. Nothing to do here: the number is kept the same on both
-- stores.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
