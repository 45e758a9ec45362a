-- Settings an administrator keeps in the database instead of a file (the
-- shape of the template, saved from Admin > Fields & taxonomy). version
-- counts the saves: a save names the version it was loaded from (issue 19).

-- +goose Up
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
