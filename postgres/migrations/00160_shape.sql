-- Issue 19: the shape of a document as rows (projections rebuilt on every
-- save by internal/sqlstore, like incident_services), so lists, the action
-- item tracker and insights filter and count by a tag, a custom field of
-- Incident Summary or a contributing-factor category with an index.
--
--   incident_tags:    one row per distinct tag of the Tags line (lower case)
--   incident_fields:  per labelled Incident Summary line except Tags, its
--                     label (lower case) with the whole value and with each
--                     comma-separated piece (lower case, trimmed)
--   incident_factors: one row per distinct category ("[change/config] ...")
--                     of the contributing factors (lower case)
--
-- A migration cannot parse a document, so it only lists the incidents that
-- exist now in shape_backfill; the store fills their rows from the stored
-- document (incident_docs) when it is opened after migrating, removing each
-- incident from the list in the transaction that writes its rows (a save
-- meanwhile also removes it and writes its own rows).

-- +goose Up
CREATE TABLE incident_tags (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (incident_id, tag)
);
CREATE INDEX incident_tags_tag ON incident_tags (tag, incident_id);

CREATE TABLE incident_fields (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (incident_id, name, value)
);
CREATE INDEX incident_fields_value ON incident_fields (name, value, incident_id);

CREATE TABLE incident_factors (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    PRIMARY KEY (incident_id, category)
);
CREATE INDEX incident_factors_category ON incident_factors (category, incident_id);

CREATE TABLE shape_backfill (
    incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE
);
INSERT INTO shape_backfill (incident_id) SELECT id FROM incidents;

-- +goose Down
DROP TABLE shape_backfill;
DROP TABLE incident_factors;
DROP TABLE incident_fields;
DROP TABLE incident_tags;
