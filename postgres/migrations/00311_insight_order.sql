-- The insight facts and rollups stored in their primary key's order
-- (CLUSTER): the figures read ranges of those keys (a range of months of
-- the rollups, the facts of a partial month by start key), and rows written
-- by saves in no particular order (an import, the benchmark's generated
-- incidents in random start order; updates that move a row) had each
-- range's rows on about as many heap pages as rows. At 100,000 incidents
-- (EXPLAIN ANALYZE, warm cache): the default year's 6,413 insight_hist rows
-- were on 1,616 pages, 19.8 ms to read, and on 61 pages, 2.2 ms, in key
-- order; the 2,173 facts of its partial month on 1,896 pages, then 85.
-- New rows go to the end of the table, so the order holds for incidents
-- saved in time order and decays as rows are rewritten out of it (run
-- CLUSTER again, e.g. after a large import). Each table is rewritten under
-- an exclusive lock: saves and the insight figures wait for it (4 s at
-- 100,000 incidents).

-- +goose Up
CLUSTER insight_facts USING insight_facts_pkey;
CLUSTER insight_hist USING insight_hist_pkey;
CLUSTER insight_counts USING insight_counts_pkey;

-- +goose Down
ALTER TABLE insight_facts SET WITHOUT CLUSTER;
ALTER TABLE insight_hist SET WITHOUT CLUSTER;
ALTER TABLE insight_counts SET WITHOUT CLUSTER;
