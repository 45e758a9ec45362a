-- The time figures' histogram buckets get two leading digits instead of
-- one (sqlstore.bucket: 100-109, 110-119, ..., 1000-1099, ...): the
-- median and p90 are read from the bucket that holds them, value by value
-- in value order, and at 100,000 incidents the median's bucket of the
-- default year held some 3,400 values (1,000-10,000 over all time). The
-- facts' buckets are recomputed by rewriting the table (ALTER COLUMN ...
-- USING: an UPDATE of every row would leave as many dead rows and index
-- entries for VACUUM) and insight_hist is rebuilt from the facts as
-- migration 00050 built it. Down restores 00050's buckets.

-- +goose Up
ALTER TABLE insight_facts
    ALTER COLUMN ttd_b TYPE INTEGER USING CASE WHEN ttd < 0 THEN -1 WHEN ttd < 100 THEN ttd ELSE 100 * length(ttd::text) + CAST(substr(ttd::text, 1, 2) AS INTEGER) END,
    ALTER COLUMN tta_b TYPE INTEGER USING CASE WHEN tta < 0 THEN -1 WHEN tta < 100 THEN tta ELSE 100 * length(tta::text) + CAST(substr(tta::text, 1, 2) AS INTEGER) END,
    ALTER COLUMN ttm_b TYPE INTEGER USING CASE WHEN ttm < 0 THEN -1 WHEN ttm < 100 THEN ttm ELSE 100 * length(ttm::text) + CAST(substr(ttm::text, 1, 2) AS INTEGER) END,
    ALTER COLUMN dur_b TYPE INTEGER USING CASE WHEN dur < 0 THEN -1 WHEN dur < 100 THEN dur ELSE 100 * length(dur::text) + CAST(substr(dur::text, 1, 2) AS INTEGER) END;
TRUNCATE insight_hist;
INSERT INTO insight_hist
SELECT d.dims, v.started, v.mon, v.restricted, CASE WHEN d.dims = 1 THEN v.severity ELSE '' END, CASE WHEN d.dims = 1 THEN v.status ELSE '' END,
    v.metric, v.b, COUNT(*), SUM(v.x), SUM(v.derived)
FROM (
    SELECT started, mon, restricted, severity, status, 0 AS metric, ttd AS x, ttd_b AS b, 0 AS derived FROM insight_facts WHERE scope = 0 AND ttd IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 1, tta, tta_b, tta_derived FROM insight_facts WHERE scope = 0 AND tta IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 2, ttm, ttm_b, ttm_derived FROM insight_facts WHERE scope = 0 AND ttm IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 3, dur, dur_b, dur_derived FROM insight_facts WHERE scope = 0 AND dur IS NOT NULL
) v CROSS JOIN (VALUES (0), (1)) d (dims)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- +goose Down
ALTER TABLE insight_facts
    ALTER COLUMN ttd_b TYPE INTEGER USING CASE WHEN ttd < 0 THEN -1 WHEN ttd < 100 THEN ttd ELSE 70 + 10 * length(ttd::text) + CAST(substr(ttd::text, 1, 1) AS INTEGER) END,
    ALTER COLUMN tta_b TYPE INTEGER USING CASE WHEN tta < 0 THEN -1 WHEN tta < 100 THEN tta ELSE 70 + 10 * length(tta::text) + CAST(substr(tta::text, 1, 1) AS INTEGER) END,
    ALTER COLUMN ttm_b TYPE INTEGER USING CASE WHEN ttm < 0 THEN -1 WHEN ttm < 100 THEN ttm ELSE 70 + 10 * length(ttm::text) + CAST(substr(ttm::text, 1, 1) AS INTEGER) END,
    ALTER COLUMN dur_b TYPE INTEGER USING CASE WHEN dur < 0 THEN -1 WHEN dur < 100 THEN dur ELSE 70 + 10 * length(dur::text) + CAST(substr(dur::text, 1, 1) AS INTEGER) END;
TRUNCATE insight_hist;
INSERT INTO insight_hist
SELECT d.dims, v.started, v.mon, v.restricted, CASE WHEN d.dims = 1 THEN v.severity ELSE '' END, CASE WHEN d.dims = 1 THEN v.status ELSE '' END,
    v.metric, v.b, COUNT(*), SUM(v.x), SUM(v.derived)
FROM (
    SELECT started, mon, restricted, severity, status, 0 AS metric, ttd AS x, ttd_b AS b, 0 AS derived FROM insight_facts WHERE scope = 0 AND ttd IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 1, tta, tta_b, tta_derived FROM insight_facts WHERE scope = 0 AND tta IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 2, ttm, ttm_b, ttm_derived FROM insight_facts WHERE scope = 0 AND ttm IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 3, dur, dur_b, dur_derived FROM insight_facts WHERE scope = 0 AND dur IS NOT NULL
) v CROSS JOIN (VALUES (0), (1)) d (dims)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
