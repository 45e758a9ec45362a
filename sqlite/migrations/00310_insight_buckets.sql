-- The time figures' histogram buckets get two leading digits instead of
-- one (sqlstore.bucket: 100-109, 110-119, ..., 1000-1099, ...): the
-- median and p90 are read from the bucket that holds them, value by value
-- in value order, and at 100,000 incidents the median's bucket of the
-- default year held some 3,400 values (1,000-10,000 over all time). The
-- facts' buckets are recomputed (their indexes rebuilt after, which is
-- quicker than updating them) and insight_hist is rebuilt from the facts
-- as migration 00050 built it. Down restores 00050's buckets.

-- +goose Up
DROP INDEX insight_facts_ttd;
DROP INDEX insight_facts_tta;
DROP INDEX insight_facts_ttm;
DROP INDEX insight_facts_dur;
DROP INDEX insight_facts_ttm_mon;
UPDATE insight_facts SET
    ttd_b = CASE WHEN ttd < 0 THEN -1 WHEN ttd < 100 THEN ttd ELSE 100 * length(CAST(ttd AS TEXT)) + CAST(substr(CAST(ttd AS TEXT), 1, 2) AS INTEGER) END,
    tta_b = CASE WHEN tta < 0 THEN -1 WHEN tta < 100 THEN tta ELSE 100 * length(CAST(tta AS TEXT)) + CAST(substr(CAST(tta AS TEXT), 1, 2) AS INTEGER) END,
    ttm_b = CASE WHEN ttm < 0 THEN -1 WHEN ttm < 100 THEN ttm ELSE 100 * length(CAST(ttm AS TEXT)) + CAST(substr(CAST(ttm AS TEXT), 1, 2) AS INTEGER) END,
    dur_b = CASE WHEN dur < 0 THEN -1 WHEN dur < 100 THEN dur ELSE 100 * length(CAST(dur AS TEXT)) + CAST(substr(CAST(dur AS TEXT), 1, 2) AS INTEGER) END;
CREATE INDEX insight_facts_ttd ON insight_facts (ttd_b, ttd, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_tta ON insight_facts (tta_b, tta, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_ttm ON insight_facts (ttm_b, ttm, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_dur ON insight_facts (dur_b, dur, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_ttm_mon ON insight_facts (ttm_b, mon, ttm, start_key, restricted, started, severity, status) WHERE scope = 0;
DELETE FROM insight_hist;
INSERT INTO insight_hist
SELECT d.dims, v.started, v.mon, v.restricted, CASE WHEN d.dims = 1 THEN v.severity ELSE '' END, CASE WHEN d.dims = 1 THEN v.status ELSE '' END,
    v.metric, v.b, COUNT(*), SUM(v.x), SUM(v.derived)
FROM (
    SELECT started, mon, restricted, severity, status, 0 AS metric, ttd AS x, ttd_b AS b, 0 AS derived FROM insight_facts WHERE scope = 0 AND ttd IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 1, tta, tta_b, tta_derived FROM insight_facts WHERE scope = 0 AND tta IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 2, ttm, ttm_b, ttm_derived FROM insight_facts WHERE scope = 0 AND ttm IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 3, dur, dur_b, dur_derived FROM insight_facts WHERE scope = 0 AND dur IS NOT NULL
) v CROSS JOIN (SELECT 0 AS dims UNION ALL SELECT 1) d
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- +goose Down
DROP INDEX insight_facts_ttd;
DROP INDEX insight_facts_tta;
DROP INDEX insight_facts_ttm;
DROP INDEX insight_facts_dur;
DROP INDEX insight_facts_ttm_mon;
UPDATE insight_facts SET
    ttd_b = CASE WHEN ttd < 0 THEN -1 WHEN ttd < 100 THEN ttd ELSE 70 + 10 * length(CAST(ttd AS TEXT)) + CAST(substr(CAST(ttd AS TEXT), 1, 1) AS INTEGER) END,
    tta_b = CASE WHEN tta < 0 THEN -1 WHEN tta < 100 THEN tta ELSE 70 + 10 * length(CAST(tta AS TEXT)) + CAST(substr(CAST(tta AS TEXT), 1, 1) AS INTEGER) END,
    ttm_b = CASE WHEN ttm < 0 THEN -1 WHEN ttm < 100 THEN ttm ELSE 70 + 10 * length(CAST(ttm AS TEXT)) + CAST(substr(CAST(ttm AS TEXT), 1, 1) AS INTEGER) END,
    dur_b = CASE WHEN dur < 0 THEN -1 WHEN dur < 100 THEN dur ELSE 70 + 10 * length(CAST(dur AS TEXT)) + CAST(substr(CAST(dur AS TEXT), 1, 1) AS INTEGER) END;
CREATE INDEX insight_facts_ttd ON insight_facts (ttd_b, ttd, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_tta ON insight_facts (tta_b, tta, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_ttm ON insight_facts (ttm_b, ttm, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_dur ON insight_facts (dur_b, dur, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_ttm_mon ON insight_facts (ttm_b, mon, ttm, start_key, restricted, started, severity, status) WHERE scope = 0;
DELETE FROM insight_hist;
INSERT INTO insight_hist
SELECT d.dims, v.started, v.mon, v.restricted, CASE WHEN d.dims = 1 THEN v.severity ELSE '' END, CASE WHEN d.dims = 1 THEN v.status ELSE '' END,
    v.metric, v.b, COUNT(*), SUM(v.x), SUM(v.derived)
FROM (
    SELECT started, mon, restricted, severity, status, 0 AS metric, ttd AS x, ttd_b AS b, 0 AS derived FROM insight_facts WHERE scope = 0 AND ttd IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 1, tta, tta_b, tta_derived FROM insight_facts WHERE scope = 0 AND tta IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 2, ttm, ttm_b, ttm_derived FROM insight_facts WHERE scope = 0 AND ttm IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 3, dur, dur_b, dur_derived FROM insight_facts WHERE scope = 0 AND dur IS NOT NULL
) v CROSS JOIN (SELECT 0 AS dims UNION ALL SELECT 1) d
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
