-- Insights and the action item tracker. Time to detect and duration (in
-- minutes, from the stored times) are kept as columns, computed by
-- triggers whenever a save writes the times, so the insight aggregates read
-- integers instead of parsing two timestamps per incident (the projection
-- code stays the one place that writes rows; the database derives these).
-- A covering index serves the range scans of the insight aggregates.
-- The tracker filters by priority in target-date order, and the
-- late-postmortem figure looks up incidents by end time.

-- +goose Up
ALTER TABLE incidents ADD COLUMN ttd_calc INTEGER;  -- detected_at - start_at in minutes, NULL unless both set and detected >= start
ALTER TABLE incidents ADD COLUMN dur_calc INTEGER;  -- end_at - start_at in minutes, NULL unless both set and end >= start
UPDATE incidents SET
    ttd_calc = CASE WHEN detected_at >= start_at THEN (unixepoch(detected_at) - unixepoch(start_at)) / 60 END,
    dur_calc = CASE WHEN end_at >= start_at THEN (unixepoch(end_at) - unixepoch(start_at)) / 60 END;
-- +goose StatementBegin
CREATE TRIGGER incidents_calc_insert AFTER INSERT ON incidents BEGIN
    UPDATE incidents SET
        ttd_calc = CASE WHEN NEW.detected_at >= NEW.start_at THEN (unixepoch(NEW.detected_at) - unixepoch(NEW.start_at)) / 60 END,
        dur_calc = CASE WHEN NEW.end_at >= NEW.start_at THEN (unixepoch(NEW.end_at) - unixepoch(NEW.start_at)) / 60 END
    WHERE pk = NEW.pk;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER incidents_calc_update AFTER UPDATE OF start_at, end_at, detected_at ON incidents BEGIN
    UPDATE incidents SET
        ttd_calc = CASE WHEN NEW.detected_at >= NEW.start_at THEN (unixepoch(NEW.detected_at) - unixepoch(NEW.start_at)) / 60 END,
        dur_calc = CASE WHEN NEW.end_at >= NEW.start_at THEN (unixepoch(NEW.end_at) - unixepoch(NEW.start_at)) / 60 END
    WHERE pk = NEW.pk;
END;
-- +goose StatementEnd
CREATE INDEX action_items_priority ON action_items (priority, target_date);
CREATE INDEX incidents_end ON incidents (end_at);
-- Every column the insight aggregates read, in start order: a one-year
-- range is read from this index alone, without a table lookup per incident.
CREATE INDEX incidents_insights ON incidents (start_key, deleted_at, restricted, severity, status, detected_source,
    action_items, open_action_items, ttd_calc, dur_calc, tta_min, ttm_min, duration_min, start_at, end_at, detected_at, id);

-- +goose Down
DROP INDEX incidents_insights;
DROP INDEX incidents_end;
DROP INDEX action_items_priority;
DROP TRIGGER incidents_calc_update;
DROP TRIGGER incidents_calc_insert;
ALTER TABLE incidents DROP COLUMN dur_calc;
ALTER TABLE incidents DROP COLUMN ttd_calc;
