-- Insights and the action item tracker from precomputed rows (see
-- internal/sqlstore/facts.go, which keeps them on every save and delete,
-- and docs/metrics.md for the definitions):
--
--   insight_facts   one row per live incident (scope 0) and per distinct
--                   service of it (scope 1, name with ASCII letters
--                   lower-cased): month of Start, filter values, item
--                   counts and the four times in minutes (TTA/TTM derived
--                   from the timeline when not stated) with histogram
--                   buckets. Stored in range order (WITHOUT ROWID).
--   insight_counts  facts summed per month and filter values;
--   insight_hist    the times' bucket counts per month (scope 0 only);
--   insight_items   live action items per owner and filter values.
--
-- Action items get copies of their incident's filter columns, so the
-- tracker reads one table; open items of live incidents get a partial
-- index. This migration builds all of it from the existing rows with the
-- same definitions as the Go code (storetest's InsightMigration compares
-- the two).

-- +goose Up
ALTER TABLE action_items ADD COLUMN owner_key TEXT NOT NULL DEFAULT '';      -- owner, ASCII letters lower-cased
ALTER TABLE action_items ADD COLUMN is_open INTEGER NOT NULL DEFAULT 0;      -- 1 unless status is Closed
ALTER TABLE action_items ADD COLUMN inc_live INTEGER NOT NULL DEFAULT 1;     -- 0 once the incident is deleted
ALTER TABLE action_items ADD COLUMN inc_restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_items ADD COLUMN inc_severity TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN inc_severity_rank INTEGER NOT NULL DEFAULT 9;
ALTER TABLE action_items ADD COLUMN inc_status TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN inc_started INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_items ADD COLUMN inc_start_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE action_items ADD COLUMN inc_end_at TEXT;
UPDATE action_items SET owner_key = lower(action_items.owner), is_open = CASE WHEN action_items.status <> 'Closed' THEN 1 ELSE 0 END,
    inc_live = CASE WHEN i.deleted_at IS NULL THEN 1 ELSE 0 END, inc_restricted = i.restricted, inc_severity = i.severity,
    inc_severity_rank = i.severity_rank, inc_status = i.status, inc_started = CASE WHEN i.start_at IS NULL THEN 0 ELSE 1 END,
    inc_start_key = i.start_key, inc_end_at = i.end_at
FROM incidents i WHERE i.id = action_items.incident_id;
-- Open items of live incidents, with every column their counts read: in
-- owner order (the tracker's counts per owner), target date order
-- (overdue), by priority and incident end (past objective) and by
-- incident (one service's incidents).
CREATE INDEX action_items_open ON action_items (owner_key, incident_id, position, target_date, priority, inc_end_at,
    inc_severity, inc_status, inc_restricted, status) WHERE is_open = 1 AND inc_live = 1;
CREATE INDEX action_items_open_target ON action_items (target_date, inc_start_key, inc_started, inc_severity, inc_status,
    inc_restricted, incident_id) WHERE is_open = 1 AND inc_live = 1;
CREATE INDEX action_items_open_incident ON action_items (incident_id, target_date, priority, inc_end_at) WHERE is_open = 1 AND inc_live = 1;
CREATE INDEX action_items_open_end ON action_items (priority, inc_end_at, inc_start_key, inc_started, inc_severity, inc_status,
    inc_restricted, incident_id, position, owner_key, target_date, status, inc_severity_rank) WHERE is_open = 1 AND inc_live = 1;
-- The tracker's default order (target date, none last), of every item
-- and of open ones.
CREATE INDEX action_items_order ON action_items ((CASE WHEN target_date IS NULL THEN 1 ELSE 0 END), target_date, incident_id, position);
CREATE INDEX action_items_open_order ON action_items ((CASE WHEN target_date IS NULL THEN 1 ELSE 0 END), target_date, incident_id, position,
    owner_key, priority, status, inc_severity, inc_restricted) WHERE is_open = 1 AND inc_live = 1;
CREATE INDEX action_items_owner_order ON action_items (owner_key, (CASE WHEN target_date IS NULL THEN 1 ELSE 0 END), target_date, incident_id, position);

CREATE TABLE insight_facts (
    scope       INTEGER NOT NULL,                   -- 0: the incident; 1: one of its services
    service     TEXT NOT NULL,                      -- scope 1: the service name, ASCII letters lower-cased; '' for scope 0
    restricted  INTEGER NOT NULL,
    start_key   INTEGER NOT NULL,                   -- incidents.start_key
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    started     INTEGER NOT NULL,                   -- 1 when Start is set
    mon         INTEGER NOT NULL,                   -- UTC month of Start: year * 12 + month - 1 (0 when not started)
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL,                      -- detection source
    items       INTEGER NOT NULL,
    open_items  INTEGER NOT NULL,
    ended       INTEGER NOT NULL,                   -- 1 when End is set
    end_key     BIGINT,                             -- Unix seconds of End
    fixed       INTEGER NOT NULL,                   -- 1 when started, with action items, all Closed
    ttd         INTEGER,                            -- minutes (docs/metrics.md); NULL when there is none
    tta         INTEGER,
    ttm         INTEGER,
    dur         INTEGER,
    tta_derived INTEGER NOT NULL,                   -- 1 when the value is derived, not stated
    ttm_derived INTEGER NOT NULL,
    dur_derived INTEGER NOT NULL,
    ttd_b       INTEGER,                            -- histogram bucket of the minutes (sqlstore.bucket)
    tta_b       INTEGER,
    ttm_b       INTEGER,
    dur_b       INTEGER,
    PRIMARY KEY (scope, service, restricted, start_key, incident_id)
) WITHOUT ROWID;
CREATE INDEX insight_facts_incident ON insight_facts (incident_id, scope, started, service, start_key);
-- Scope 0 (the incidents): late postmortems by end, each time's values by
-- bucket in value order (the percentiles' reads). A service filter reads
-- its few facts through the primary key instead.
CREATE INDEX insight_facts_end ON insight_facts (service, end_key, status, severity, started, restricted, start_key) WHERE scope = 0;
CREATE INDEX insight_facts_ttd ON insight_facts (ttd_b, ttd, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_tta ON insight_facts (tta_b, tta, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_ttm ON insight_facts (ttm_b, ttm, start_key, restricted, started, severity, status) WHERE scope = 0;
CREATE INDEX insight_facts_dur ON insight_facts (dur_b, dur, start_key, restricted, started, severity, status) WHERE scope = 0;
-- Incidents that ended before they started (a data error) for the
-- late-postmortem list, which otherwise reads the end index from the
-- range's start.
CREATE INDEX insight_facts_end_early ON insight_facts (scope, service, end_key, status, severity, started) WHERE end_key < start_key;
-- Every service's facts by start (scope 1; not partial: SQLite prefers
-- the primary key's scope prefix to a partial index's range), and the
-- first incident with action items all Closed per service (recurrences).
CREATE INDEX insight_facts_start ON insight_facts (scope, start_key, restricted, started, severity, status, service);
CREATE INDEX insight_facts_fixed ON insight_facts (service, start_key, restricted) WHERE scope = 1 AND fixed = 1;

INSERT INTO insight_facts (scope, service, restricted, start_key, incident_id, started, mon, severity, status, source, items,
    open_items, ended, end_key, fixed, ttd, tta, ttm, dur, tta_derived, ttm_derived, dur_derived)
SELECT 0, '', restricted, start_key, id, started, mon, severity, status, detected_source, action_items, open_action_items, ended, end_key,
    CASE WHEN started = 1 AND action_items > 0 AND open_action_items = 0 THEN 1 ELSE 0 END,
    ttd, COALESCE(tta_min, ack), COALESCE(ttm_min, mit), COALESCE(dur_calc, duration_min),
    CASE WHEN tta_min IS NULL AND ack IS NOT NULL THEN 1 ELSE 0 END,
    CASE WHEN ttm_min IS NULL AND mit IS NOT NULL THEN 1 ELSE 0 END,
    CASE WHEN dur_calc IS NULL AND duration_min IS NOT NULL THEN 1 ELSE 0 END
FROM (
    SELECT i.*, CASE WHEN i.start_at IS NULL THEN 0 ELSE 1 END AS started,
        CASE WHEN i.start_at IS NULL THEN 0 ELSE CAST(substr(i.start_at, 1, 4) AS INTEGER) * 12 + CAST(substr(i.start_at, 6, 2) AS INTEGER) - 1 END AS mon,
        CASE WHEN i.end_at IS NULL THEN 0 ELSE 1 END AS ended, unixepoch(i.end_at) AS end_key,
        CASE WHEN i.detected_at >= i.start_at THEN (unixepoch(i.detected_at) - unixepoch(i.start_at)) / 60 END AS ttd,
        CASE WHEN i.end_at >= i.start_at THEN (unixepoch(i.end_at) - unixepoch(i.start_at)) / 60 END AS dur_calc,
        CASE WHEN i.tta_min IS NULL AND i.detected_at IS NOT NULL THEN (
            SELECT (unixepoch(MIN(t.at)) - unixepoch(i.detected_at)) / 60 FROM timeline_events t
            WHERE t.incident_id = i.id AND t.at >= i.detected_at AND lower(t.event) LIKE '%acknowledg%') END AS ack,
        CASE WHEN i.ttm_min IS NULL AND i.detected_at IS NOT NULL THEN (
            SELECT (unixepoch(MIN(t.at)) - unixepoch(i.detected_at)) / 60 FROM timeline_events t
            WHERE t.incident_id = i.id AND t.at >= i.detected_at AND lower(t.event) LIKE '%mitigat%') END AS mit
    FROM incidents i WHERE i.deleted_at IS NULL);
UPDATE insight_facts SET
    ttd_b = CASE WHEN ttd < 0 THEN -1 WHEN ttd < 100 THEN ttd ELSE 70 + 10 * length(CAST(ttd AS TEXT)) + CAST(substr(CAST(ttd AS TEXT), 1, 1) AS INTEGER) END,
    tta_b = CASE WHEN tta < 0 THEN -1 WHEN tta < 100 THEN tta ELSE 70 + 10 * length(CAST(tta AS TEXT)) + CAST(substr(CAST(tta AS TEXT), 1, 1) AS INTEGER) END,
    ttm_b = CASE WHEN ttm < 0 THEN -1 WHEN ttm < 100 THEN ttm ELSE 70 + 10 * length(CAST(ttm AS TEXT)) + CAST(substr(CAST(ttm AS TEXT), 1, 1) AS INTEGER) END,
    dur_b = CASE WHEN dur < 0 THEN -1 WHEN dur < 100 THEN dur ELSE 70 + 10 * length(CAST(dur AS TEXT)) + CAST(substr(CAST(dur AS TEXT), 1, 1) AS INTEGER) END;
INSERT INTO insight_facts (scope, service, restricted, start_key, incident_id, started, mon, severity, status, source, items,
    open_items, ended, end_key, fixed, ttd, tta, ttm, dur, tta_derived, ttm_derived, dur_derived, ttd_b, tta_b, ttm_b, dur_b)
SELECT 1, sv.name, f.restricted, f.start_key, f.incident_id, f.started, f.mon, f.severity, f.status, f.source, f.items,
    f.open_items, f.ended, f.end_key, f.fixed, f.ttd, f.tta, f.ttm, f.dur, f.tta_derived, f.ttm_derived, f.dur_derived, f.ttd_b, f.tta_b, f.ttm_b, f.dur_b
FROM insight_facts f JOIN (SELECT DISTINCT incident_id, lower(name) AS name FROM incident_services) sv ON sv.incident_id = f.incident_id
WHERE f.scope = 0;

CREATE TABLE insight_counts (
    scope      INTEGER NOT NULL,                    -- 0: incidents; 1: per service
    dims       INTEGER NOT NULL,                    -- 1: per severity, status (and source for scope 0); 0: those are ''
    service    TEXT NOT NULL,
    started    INTEGER NOT NULL,
    mon        INTEGER NOT NULL,
    restricted INTEGER NOT NULL,
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,
    source     TEXT NOT NULL,
    n          INTEGER NOT NULL,
    items      INTEGER NOT NULL,
    open_items INTEGER NOT NULL,
    ended      INTEGER NOT NULL,
    PRIMARY KEY (scope, dims, service, started, mon, restricted, severity, status, source)
) WITHOUT ROWID;
INSERT INTO insight_counts SELECT 0, 1, '', started, mon, restricted, severity, status, source, COUNT(*), SUM(items), SUM(open_items), SUM(ended)
FROM insight_facts WHERE scope = 0 GROUP BY started, mon, restricted, severity, status, source;
INSERT INTO insight_counts SELECT 1, 0, service, started, mon, restricted, '', '', '', COUNT(*), SUM(items), SUM(open_items), SUM(ended)
FROM insight_facts WHERE scope = 1 GROUP BY service, started, mon, restricted;
INSERT INTO insight_counts SELECT 1, 1, service, started, mon, restricted, severity, status, '', COUNT(*), SUM(items), SUM(open_items), SUM(ended)
FROM insight_facts WHERE scope = 1 GROUP BY service, started, mon, restricted, severity, status;

CREATE TABLE insight_hist (
    dims       INTEGER NOT NULL,                    -- 1: per severity and status; 0: those are ''
    started    INTEGER NOT NULL,
    mon        INTEGER NOT NULL,
    restricted INTEGER NOT NULL,
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,
    metric     INTEGER NOT NULL,                    -- 0 time to detect, 1 acknowledge, 2 mitigate, 3 duration
    bucket     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    total      INTEGER NOT NULL,                    -- sum of the minutes
    derived    INTEGER NOT NULL,
    PRIMARY KEY (dims, started, mon, restricted, severity, status, metric, bucket)
) WITHOUT ROWID;
INSERT INTO insight_hist
SELECT d.dims, v.started, v.mon, v.restricted, CASE WHEN d.dims = 1 THEN v.severity ELSE '' END, CASE WHEN d.dims = 1 THEN v.status ELSE '' END,
    v.metric, v.b, COUNT(*), SUM(v.x), SUM(v.derived)
FROM (
    SELECT started, mon, restricted, severity, status, 0 AS metric, ttd AS x, ttd_b AS b, 0 AS derived FROM insight_facts WHERE scope = 0 AND ttd IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 1, tta, tta_b, tta_derived FROM insight_facts WHERE scope = 0 AND tta IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 2, ttm, ttm_b, ttm_derived FROM insight_facts WHERE scope = 0 AND ttm IS NOT NULL
    UNION ALL SELECT started, mon, restricted, severity, status, 3, dur, dur_b, dur_derived FROM insight_facts WHERE scope = 0 AND dur IS NOT NULL
) v CROSS JOIN (SELECT 0 AS dims UNION ALL SELECT 1) d
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

CREATE TABLE insight_items (
    owner_key  TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    severity   TEXT NOT NULL,
    priority   TEXT NOT NULL,
    status     TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (owner_key, restricted, severity, priority, status)
) WITHOUT ROWID;
INSERT INTO insight_items SELECT owner_key, inc_restricted, inc_severity, priority, status, COUNT(*)
FROM action_items WHERE inc_live = 1 GROUP BY owner_key, inc_restricted, inc_severity, priority, status;

-- +goose Down
DROP TABLE insight_items;
DROP TABLE insight_hist;
DROP TABLE insight_counts;
DROP TABLE insight_facts;
DROP INDEX action_items_owner_order;
DROP INDEX action_items_open_order;
DROP INDEX action_items_order;
DROP INDEX action_items_open_end;
DROP INDEX action_items_open_incident;
DROP INDEX action_items_open_target;
DROP INDEX action_items_open;
ALTER TABLE action_items DROP COLUMN inc_end_at;
ALTER TABLE action_items DROP COLUMN inc_start_key;
ALTER TABLE action_items DROP COLUMN inc_started;
ALTER TABLE action_items DROP COLUMN inc_status;
ALTER TABLE action_items DROP COLUMN inc_severity_rank;
ALTER TABLE action_items DROP COLUMN inc_severity;
ALTER TABLE action_items DROP COLUMN inc_restricted;
ALTER TABLE action_items DROP COLUMN inc_live;
ALTER TABLE action_items DROP COLUMN is_open;
ALTER TABLE action_items DROP COLUMN owner_key;
