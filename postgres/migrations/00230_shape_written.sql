-- Insights show a free key (a tag, a factor category, a custom field
-- value) as people wrote it: as the oldest live, unrestricted incident
-- with the key writes it (by start, then Incident ID; a restricted
-- incident's spelling is shown to no one). Each shape row keeps the form
-- its document writes (trimmed; the first one of the document when it
-- writes the key twice), beside the lower-case key it is matched by, so
-- the store's insights read the spelling from the key's index range
-- (incident_*_start) instead of the handler listing incidents and reading
-- their documents (followup keyCase until this migration). Kept by the
-- projection (internal/sqlstore writeShape) on every save.
--
-- A migration cannot parse a document: the existing rows get '' (the
-- key is shown as stored) and every incident is listed in shape_backfill
-- (migration 00160), whose rows the store rewrites from the stored
-- documents when it is opened after migrating (BackfillShape), spellings
-- included.

-- +goose Up
ALTER TABLE incident_tags ADD COLUMN written TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_factors ADD COLUMN written TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_fields ADD COLUMN written TEXT NOT NULL DEFAULT '';
INSERT INTO shape_backfill (incident_id)
SELECT id FROM incidents WHERE id NOT IN (SELECT incident_id FROM shape_backfill);

-- +goose Down
ALTER TABLE incident_fields DROP COLUMN written;
ALTER TABLE incident_factors DROP COLUMN written;
ALTER TABLE incident_tags DROP COLUMN written;
