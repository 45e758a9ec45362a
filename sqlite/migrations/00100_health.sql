-- The readiness check's write probe (/readyz): a tiny transaction that
-- writes a new row of a few pages, then removes the previous one, so it
-- fails exactly when the database cannot grow (disk full, max_page_count,
-- a read-only file) and never leaves more than one row.

-- +goose Up
CREATE TABLE health (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	pad BLOB NOT NULL
);

-- +goose Down
DROP TABLE health;
