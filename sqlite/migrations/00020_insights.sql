-- Insights and the action item tracker: the tracker filters by priority
-- (in target-date order, its default sort), and the late-postmortem figure
-- looks up incidents by end time.

-- +goose Up
CREATE INDEX action_items_priority ON action_items (priority, target_date);
CREATE INDEX incidents_end ON incidents (end_at);

-- +goose Down
DROP INDEX incidents_end;
DROP INDEX action_items_priority;
