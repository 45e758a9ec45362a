-- Search ranks the 1,000 most recent matches (postgres.SearchWindow: the
-- highest incident IDs). Finding them read every match's row, a word in
-- most incidents meant tens of thousands of heap rows at 100,000 incidents,
-- to keep the top 1,000 by incident_id. With incident_id in the GIN index
-- beside the tsvector (btree_gin), one index scan returns only the matches
-- from a given incident ID up, so the search reads the rows of the most
-- recent matches only (SearchIncidents widens the range until it holds the
-- window). The index also serves every tsv @@ query alone, so it replaces
-- incident_search_tsv.
--
-- btree_gin is a contrib extension PostgreSQL trusts (a database owner may
-- create it); where it cannot be created the old index stays and search
-- gives the same hits, only without the saving.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS btree_gin;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'btree_gin is not available (%): search keeps incident_search_tsv', SQLERRM;
            RETURN;
        END;
    END;
    CREATE INDEX incident_search_tsv_id ON incident_search USING GIN (tsv, incident_id);
    DROP INDEX incident_search_tsv;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF to_regclass('incident_search_tsv') IS NULL THEN
        CREATE INDEX incident_search_tsv ON incident_search USING GIN (tsv);
    END IF;
    DROP INDEX IF EXISTS incident_search_tsv_id;
END $$;
-- +goose StatementEnd
