-- Search ranks each match of its window with ts_rank_cd, which reads the
-- match's whole tsvector. A postmortem's tsvector is a few KB (about 3 KB
-- for the generated incidents): too large for the row, and pglz cannot
-- compress it by the quarter it asks for, so PostgreSQL kept it out of
-- line in the TOAST table, uncompressed, and every ranked match cost a
-- TOAST index lookup and two chunk reads: four fifths of the ranking's
-- database CPU. STORAGE MAIN keeps the tsvector in the row (the body, kept
-- compressed and out of line, makes room), unless the row then exceeds a
-- page. The row is about 3 KB (two a page): the table is about twice as
-- large, the TOAST table half.
--
-- STORAGE MAIN applies to rows written from now on; VACUUM FULL rewrites
-- the existing rows under it (and rebuilds the table's indexes). It holds
-- an exclusive lock on incident_search while it runs, about 10 s per
-- 10,000 incidents, during which searches and saves wait
-- (docs/operations.md, upgrades). VACUUM ANALYZE then marks the rewritten
-- pages visible (the search reads the most recent incident IDs from the
-- primary key without the heap) and refreshes the statistics. VACUUM cannot
-- run in a transaction: this migration runs without one, each statement
-- repeatable if it is interrupted.
--
-- incidents_hidden lists the incidents a reader may not be able to see, the
-- deleted and the restricted ones (few of all): the search keeps a match
-- unless its incident is one of those its reader may not see, instead of
-- reading the incident of every match (postgres.SearchRankSQL).

-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE incident_search ALTER COLUMN tsv SET STORAGE MAIN;
VACUUM FULL incident_search;
VACUUM ANALYZE incident_search;
CREATE INDEX IF NOT EXISTS incidents_hidden ON incidents (id) WHERE deleted_at IS NOT NULL OR restricted;

-- +goose Down
DROP INDEX IF EXISTS incidents_hidden;
ALTER TABLE incident_search ALTER COLUMN tsv SET STORAGE EXTENDED;
