-- The action item's Ticket (the Ticket, Issue or Tracker column of the
-- action items table, issue 20), projected like its other cells.
-- Documents saved before this migration get theirs on their next save.

-- +goose Up
ALTER TABLE action_items ADD COLUMN ticket TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE action_items DROP COLUMN ticket;
