-- PostgreSQL's migration 00311 stores the insight facts and rollups in
-- their primary key's order (CLUSTER). SQLite's are WITHOUT ROWID tables,
-- always stored in that order. Nothing to do here: the number is kept the
-- same on both stores.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
