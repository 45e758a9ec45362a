-- The insights trends (InsightTrends) read, per month, the time to
-- mitigate at the ranks of its median and p90 from the histogram bucket
-- that holds each, in value order. insight_facts_ttm orders a bucket's
-- values over all months: a month's read walked the bucket's values of
-- every other month too (most of a trends read at 100,000 incidents).
-- With the month after the bucket, a read walks that month's values only.

-- +goose Up
CREATE INDEX insight_facts_ttm_mon ON insight_facts (ttm_b, mon, ttm, start_key, restricted, started, severity, status) WHERE scope = 0;

-- +goose Down
DROP INDEX insight_facts_ttm_mon;
