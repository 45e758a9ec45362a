-- Search finds its window (the SearchWindow matches with the highest
-- incident IDs) by counting the matches among the k most recent incidents.
-- Through incident_search_tsv_id (tsv, incident_id), migration 00210, the
-- range was a btree_gin range over incident_id: one index key per incident
-- in the range, about 14,000 for a word in 8 % of incidents at 100,000, two
-- thirds of a search's database CPU.
--
-- incident_search_keys indexes each of a match's words together with the
-- part of its Incident ID that orders it coarsely: the year, month and
-- tens digit of the day of INC-YYYYMMDD-NNN ('databas@2026103': the word
-- in an incident of 30 or 31 October 2026), 'x' for an ID of another form.
-- Incident IDs order by that part first, so the incidents from a given ID
-- up are all in the buckets from that ID's bucket up (and 'x'):
-- hindsight_search_keys_query turns a query into the same query over those
-- buckets, and one index scan reads only the matches of the query's words
-- in the range (about 1,200 for that word instead of 14,000 keys). The
-- positions are left out (strip): the keys only narrow the rows, the search
-- still checks each row against its tsvector (phrases, negations).
--
-- incident_search_tsv (tsv alone) serves every other tsv @@ query (the list
-- filter, a search over every incident) and replaces incident_search_tsv_id,
-- which nothing needs any more (btree_gin stays installed).
--
-- The index build reads every row: about a minute per 100,000 incidents,
-- during which saves wait (searches do not); docs/operations.md.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION hindsight_search_keys(tsv tsvector, id text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- one expression (no STRICT, no subquery) so PostgreSQL inlines it: the
-- stripped tsvector's text is 'a' 'b' 'c', and a lexeme never holds a space,
-- so "' " ends each lexeme (a quote inside one is doubled)
AS $$ SELECT replace(strip(tsv)::text || ' ', ''' ',
    '@' || CASE WHEN id ~ '^INC-[0-9]{4}(0[1-9]|1[0-2])[0-3][0-9]-' THEN substr(id, 5, 7) ELSE 'x' END || ''' ')::tsvector $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- hindsight_search_keys_query is q over the buckets of the incidents from
-- lo up to hi (the highest incident ID): every word w becomes (w@b1 | w@b2
-- | ... | w@x), a phrase an AND, negations are dropped (querytree), so it
-- matches at least every incident of the range that q matches. NULL when it
-- cannot narrow the search: q has no word that a match must hold (only
-- negations), lo or hi is not an INC-YYYYMMDD-NNN ID, or the range spans 48
-- months or more (a long OR costs more than it saves).
CREATE FUNCTION hindsight_search_keys_query(q tsquery, lo text, hi text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    qt text := querytree(q);
    id_re constant text := '^INC-[0-9]{4}(0[1-9]|1[0-2])[0-3][0-9]-';
    mlo int;
    mhi int;
    buckets text[];
    t text;
    res text := '';
BEGIN
    IF qt IS NULL OR qt IN ('T', '') OR lo IS NULL OR hi IS NULL OR lo !~ id_re OR hi !~ id_re THEN
        RETURN NULL;
    END IF;
    mlo := substr(lo, 5, 4)::int * 12 + substr(lo, 9, 2)::int - 1;
    mhi := substr(hi, 5, 4)::int * 12 + substr(hi, 9, 2)::int - 1;
    IF mhi - mlo >= 48 THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(b ORDER BY b DESC) INTO buckets FROM (
        SELECT lpad((m / 12)::text, 4, '0') || lpad((m % 12 + 1)::text, 2, '0') || d AS b
        FROM generate_series(mlo, mhi) m, generate_series(0, 3) d) x
    WHERE b BETWEEN substr(lo, 5, 7) AND substr(hi, 5, 7);
    buckets := buckets || 'x'::text;
    -- the tokens of querytree's text: quoted words (a quote doubled, a
    -- backslash escaped), phrase operators, and single characters
    FOR t IN SELECT m[1] FROM regexp_matches(qt, '''(?:[^''\\]|''''|\\.)*''|<[0-9-]*>|[^ ]', 'g') AS m LOOP
        IF left(t, 1) = '''' THEN
            res := res || ' (' || (SELECT string_agg(left(t, -1) || '@' || b || '''', ' | ') FROM unnest(buckets) b) || ')';
        ELSIF left(t, 1) = '<' THEN
            res := res || ' &';
        ELSE
            res := res || ' ' || t;
        END IF;
    END LOOP;
    RETURN res::tsquery;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- hindsight_search_share is at most the share of incidents that q can
-- match, from the planner's statistics of incident_search.tsv (the most
-- common lexemes and their frequencies; a lexeme not among them counts as
-- the least frequent one): the smallest of its words' when they must all
-- match, the sum when any may. NULL when the statistics are missing or the
-- query mixes AND and OR, or holds no word a match must have. The search
-- starts its range where it expects the window to fill (SearchWindow a
-- quarter over, divided by the share) instead of counting among the 2,000
-- most recent incidents first.
CREATE FUNCTION hindsight_search_share(q tsquery) RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    qt text := querytree(q);
    elems text[];
    freqs real[];
    least_freq float8;
    t text;
    f float8;
    share float8;
    op text := '';
BEGIN
    IF qt IS NULL OR qt IN ('T', '') THEN
        RETURN NULL;
    END IF;
    SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs INTO elems, freqs
    FROM pg_stats s JOIN pg_namespace ns ON ns.nspname = s.schemaname
    JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = s.tablename
    WHERE c.oid = 'incident_search'::regclass AND s.attname = 'tsv';
    IF elems IS NULL OR cardinality(freqs) <= cardinality(elems) THEN
        RETURN NULL;
    END IF;
    -- after each lexeme's frequency: the least and the greatest of them
    least_freq := freqs[cardinality(elems) + 1];
    FOR t IN SELECT m[1] FROM regexp_matches(qt, '''(?:[^''\\]|''''|\\.)*''|<[0-9-]*>|[^ ]', 'g') AS m LOOP
        IF left(t, 1) = '''' THEN
            f := coalesce(freqs[array_position(elems, replace(replace(substr(t, 2, length(t) - 2), '''''', ''''), '\\', '\'))], least_freq);
            share := CASE WHEN share IS NULL THEN f WHEN op = '|' THEN share + f ELSE least(share, f) END;
        ELSIF t = '|' OR t = '&' OR left(t, 1) = '<' THEN
            IF op <> '' AND (op = '|') <> (t = '|') THEN
                RETURN NULL;
            END IF;
            op := CASE WHEN t = '|' THEN '|' ELSE '&' END;
        ELSE
            -- parentheses: AND and OR mixed
            RETURN NULL;
        END IF;
    END LOOP;
    RETURN least(share, 1);
END $$;
-- +goose StatementEnd

CREATE INDEX incident_search_keys ON incident_search USING GIN (hindsight_search_keys(tsv, incident_id));
CREATE INDEX IF NOT EXISTS incident_search_tsv ON incident_search USING GIN (tsv);
DROP INDEX IF EXISTS incident_search_tsv_id;

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
        CREATE INDEX IF NOT EXISTS incident_search_tsv_id ON incident_search USING GIN (tsv, incident_id);
        DROP INDEX IF EXISTS incident_search_tsv;
    END IF;
END $$;
-- +goose StatementEnd
DROP INDEX IF EXISTS incident_search_keys;
DROP FUNCTION IF EXISTS hindsight_search_share(tsquery);
DROP FUNCTION IF EXISTS hindsight_search_keys_query(tsquery, text, text);
DROP FUNCTION IF EXISTS hindsight_search_keys(tsvector, text);
