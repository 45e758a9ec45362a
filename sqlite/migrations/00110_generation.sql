-- The store's generation: one row whose number every write transaction
-- raises, last before it commits, so that a list page cached under one
-- generation is never served after a write committed (issue 16: list-page
-- cache). Several servers sharing a database read it to know whether their
-- cached lists are still current.

-- +goose Up
CREATE TABLE store_generation (
	id INTEGER PRIMARY KEY,
	n BIGINT NOT NULL
);
INSERT INTO store_generation (id, n) VALUES (1, 0);

-- +goose Down
DROP TABLE store_generation;
