-- Insights read the shape rows of the incidents in a date range first
-- (internal/sqlstore insightPlan.shapeFrom: the breakdowns by factor
-- category, tag and field and the repeat factors), then each row's fact
-- by its primary key. The (key, start_key) indexes of migration 00200
-- serve a list by one key; without a key they were read whole and
-- filtered by start_key, so a range of a year read three years of rows.
-- These lead with start_key: the range's rows only, covering what the
-- breakdowns read. Built from the existing rows (about a second at
-- 100,000 incidents with a tag, a category and a field on half of them;
-- docs/operations.md).
-- +goose Up
CREATE INDEX incident_tags_range ON incident_tags (start_key, incident_id, tag);
CREATE INDEX incident_factors_range ON incident_factors (start_key, incident_id, category);
CREATE INDEX incident_fields_range ON incident_fields (start_key, incident_id, name, value);

-- +goose Down
DROP INDEX incident_fields_range;
DROP INDEX incident_factors_range;
DROP INDEX incident_tags_range;
