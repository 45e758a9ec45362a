-- Insights and the action item tracker. Time to detect and duration (in
-- minutes, from the stored times) are generated columns, so the insight
-- aggregates read integers instead of subtracting timestamps per incident.
-- The tracker filters by priority in target-date order, and the
-- late-postmortem figure looks up incidents by end time.

-- +goose Up
ALTER TABLE incidents
    ADD COLUMN ttd_calc INTEGER GENERATED ALWAYS AS (
        CASE WHEN detected_at >= start_at THEN CAST(EXTRACT(EPOCH FROM (detected_at - start_at)) AS INTEGER) / 60 END) STORED,
    ADD COLUMN dur_calc INTEGER GENERATED ALWAYS AS (
        CASE WHEN end_at >= start_at THEN CAST(EXTRACT(EPOCH FROM (end_at - start_at)) AS INTEGER) / 60 END) STORED;
CREATE INDEX action_items_priority ON action_items (priority, target_date);
CREATE INDEX incidents_end ON incidents (end_at);

-- +goose Down
DROP INDEX incidents_end;
DROP INDEX action_items_priority;
ALTER TABLE incidents DROP COLUMN dur_calc, DROP COLUMN ttd_calc;
