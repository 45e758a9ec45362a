-- The readiness check's write probe (/readyz): a tiny transaction that
-- writes a new row, then removes the previous one, so it fails when the
-- database cannot write (disk full, a read-only standby) and never leaves
-- more than one row.

-- +goose Up
CREATE TABLE health (
	id BIGINT PRIMARY KEY,
	at TIMESTAMPTZ NOT NULL,
	pad BYTEA NOT NULL
);

-- +goose Down
DROP TABLE health;
