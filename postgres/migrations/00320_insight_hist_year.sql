-- The time figures' bucket counts per year (insight_hist_year), beside
-- those per month (insight_hist): a range of months reads a year's rows
-- for each year mostly inside it (less the rows of its months outside the
-- range), where it read every month's. At 100,000 incidents the default
-- year's insight_hist rows were 7,055 (some 640 a month), read and summed
-- per request; the year's are some 700. The saves keep both tables
-- (internal/sqlstore/facts.go); this migration builds the years from the
-- months, in key order (as 00311 stores the other rollups). yr is mon / 12
-- (the year; 0 for incidents without a Start).

-- +goose Up
CREATE TABLE insight_hist_year (
    dims       INTEGER NOT NULL,                    -- 1: per severity and status; 0: those are ''
    started    INTEGER NOT NULL,
    yr         INTEGER NOT NULL,                    -- insight_hist.mon / 12
    restricted INTEGER NOT NULL,
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,
    metric     INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    total      BIGINT NOT NULL,
    derived    INTEGER NOT NULL,
    PRIMARY KEY (dims, started, yr, restricted, severity, status, metric, bucket)
);
INSERT INTO insight_hist_year
SELECT dims, started, mon / 12, restricted, severity, status, metric, bucket, SUM(n), SUM(total), SUM(derived)
FROM insight_hist GROUP BY dims, started, mon / 12, restricted, severity, status, metric, bucket
ORDER BY dims, started, mon / 12, restricted, severity, status, metric, bucket;

-- +goose Down
DROP TABLE insight_hist_year;
