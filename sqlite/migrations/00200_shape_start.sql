-- Listing incidents by a tag, a factor category or a custom field value,
-- by start (issue 19): each shape row carries its incident's start_key (as
-- incident_services does, migration 00070), so the list reads one key's
-- rows in start order from one index range instead of reading every
-- incident in start order and probing it for the key: a tag on 1% of
-- 100,000 incidents read thousands of incidents for a page.
-- Kept by the projection (internal/sqlstore writeShape) on every save.
--
-- The new indexes lead with the same columns as the ones they replace, so
-- the insights breakdowns and repeats, which join on incident_id (the
-- primary keys) or filter by the key, read them as before.

-- +goose Up
ALTER TABLE incident_tags ADD COLUMN start_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident_factors ADD COLUMN start_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident_fields ADD COLUMN start_key INTEGER NOT NULL DEFAULT 0;
UPDATE incident_tags SET start_key = (SELECT i.start_key FROM incidents i WHERE i.id = incident_tags.incident_id);
UPDATE incident_factors SET start_key = (SELECT i.start_key FROM incidents i WHERE i.id = incident_factors.incident_id);
UPDATE incident_fields SET start_key = (SELECT i.start_key FROM incidents i WHERE i.id = incident_fields.incident_id);
DROP INDEX incident_tags_tag;
DROP INDEX incident_factors_category;
DROP INDEX incident_fields_value;
CREATE INDEX incident_tags_start ON incident_tags (tag, start_key, incident_id);
CREATE INDEX incident_factors_start ON incident_factors (category, start_key, incident_id);
CREATE INDEX incident_fields_start ON incident_fields (name, value, start_key, incident_id);

-- +goose Down
DROP INDEX incident_fields_start;
DROP INDEX incident_factors_start;
DROP INDEX incident_tags_start;
CREATE INDEX incident_tags_tag ON incident_tags (tag, incident_id);
CREATE INDEX incident_factors_category ON incident_factors (category, incident_id);
CREATE INDEX incident_fields_value ON incident_fields (name, value, incident_id);
ALTER TABLE incident_fields DROP COLUMN start_key;
ALTER TABLE incident_factors DROP COLUMN start_key;
ALTER TABLE incident_tags DROP COLUMN start_key;
