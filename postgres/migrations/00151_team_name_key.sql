-- A team's name folded as action item owners are (ASCII case only), so an
-- owner written as the team's name finds the team the same way on both
-- backends.

-- +goose Up
ALTER TABLE teams ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE teams SET name_key = lower(name);

-- +goose Down
ALTER TABLE teams DROP COLUMN name_key;
