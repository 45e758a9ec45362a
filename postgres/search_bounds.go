package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// searchBounds keeps what a search needs to know of incident_search
// without reading it, in memory, read again at most every boundsTTL:
//
//   - the planner's histogram of incident IDs (pg_stats.histogram_bounds:
//     about 100 IDs that cut the table, in ID order, into runs of equal
//     size as of the last ANALYZE), so a search can start its range near
//     the k-th most recent incident without reading the k index entries
//     before it. SearchWindowSQL took that start from the primary key with
//     OFFSET k: 1.5 ms of a 6 ms search at 100,000 incidents with the
//     table's visibility map set, 33 ms when it is not (an index-only scan
//     then reads the heap page of every entry: a table that autovacuum has
//     not vacuumed since a bulk import, or a server with autovacuum off);
//   - the table's estimated size (pg_class.reltuples), which the histogram's
//     runs divide;
//   - the planner's most common lexemes of tsv and their frequencies
//     (pg_stats.most_common_elems), from which a query's share of the
//     incidents is estimated (searchShare);
//   - the highest incident ID, the last bucket the keys query covers
//     (keysQuery); a search checks it is still the highest;
//   - whether incident IDs order by their bytes (the database's collation
//     is C, POSIX or C.UTF-8 from the C library, and the column has no
//     other): the search then sorts them with COLLATE "C", the same order
//     without the C library's strcoll.
//
// All of it is only where to start: the range the histogram picks holds
// about k incidents (more when incidents were added since the ANALYZE,
// fewer when many were deleted); searchWindowed widens a range that holds
// fewer than the window's matches, so results never depend on it.
type searchBounds struct {
	db *sql.DB

	mu      sync.Mutex
	stats   *searchStats
	loaded  time.Time
	loading bool
}

// searchStats is one reading of incident_search's statistics.
type searchStats struct {
	bounds    []string           // histogram of incident IDs (nil: none)
	reltuples float64            // estimated rows (< 0: never analyzed)
	maxID     string             // the highest incident ID ("": no incident)
	elems     map[string]float64 // most common lexemes' frequencies (nil: none)
	leastFreq float64            // the least of those frequencies
	byteOrder bool               // incident IDs' collation orders them as COLLATE "C" does
}

// boundsTTL is how long statistics read from pg_stats are used before they
// are read again (ANALYZE, by autovacuum or by hand, replaces them).
const boundsTTL = time.Minute

// get returns the statistics (nil when they cannot be read): from memory,
// read again when older than boundsTTL by one caller while the others use
// the old ones.
func (b *searchBounds) get(ctx context.Context) *searchStats {
	if b == nil || b.db == nil {
		return nil
	}
	b.mu.Lock()
	if b.loading || (!b.loaded.IsZero() && time.Since(b.loaded) < boundsTTL) {
		v := b.stats
		b.mu.Unlock()
		return v
	}
	b.loading = true
	b.mu.Unlock()
	v, err := loadStats(ctx, b.db)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.loading = false
	if err != nil {
		// keep the last statistics, and try again on a later search
		return b.stats
	}
	b.stats, b.loaded = v, time.Now()
	return v
}

// expire makes the next search read the statistics again (a search found
// an incident ID above maxID).
func (b *searchBounds) expire() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.loading {
		b.loaded = time.Time{}
	}
}

// loadStats reads incident_search's statistics from pg_stats and pg_class,
// and its highest incident ID, in one statement.
func loadStats(ctx context.Context, db *sql.DB) (*searchStats, error) {
	var hist, elems, freqs, maxID sql.NullString
	var rel sql.NullFloat64
	var byteOrder sql.NullBool
	err := db.QueryRowContext(ctx, `WITH st AS (SELECT s.attname, s.histogram_bounds, s.most_common_elems, s.most_common_elem_freqs
    FROM pg_stats s JOIN pg_namespace ns ON ns.nspname = s.schemaname
    JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = s.tablename
    WHERE c.oid = 'incident_search'::regclass AND s.attname IN ('incident_id', 'tsv'))
SELECT (SELECT array_to_json(histogram_bounds::text::text[])::text FROM st WHERE attname = 'incident_id'),
    (SELECT array_to_json(most_common_elems::text::text[])::text FROM st WHERE attname = 'tsv'),
    (SELECT array_to_json(most_common_elem_freqs)::text FROM st WHERE attname = 'tsv'),
    (SELECT reltuples FROM pg_class WHERE oid = 'incident_search'::regclass),
    (SELECT incident_id FROM incident_search ORDER BY incident_id DESC LIMIT 1),
    (SELECT a.attcollation = 100 AND coalesce(to_jsonb(d)->>'datlocprovider', 'c') = 'c' AND d.datcollate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8')
        FROM pg_attribute a, pg_database d
        WHERE a.attrelid = 'incident_search'::regclass AND a.attname = 'incident_id' AND d.datname = current_database())`).Scan(&hist, &elems, &freqs, &rel, &maxID, &byteOrder)
	if err != nil {
		return nil, err
	}
	st := &searchStats{reltuples: -1, maxID: maxID.String, byteOrder: byteOrder.Bool}
	if rel.Valid {
		st.reltuples = rel.Float64
	}
	if hist.Valid {
		var v []string
		if err := json.Unmarshal([]byte(hist.String), &v); err != nil {
			return nil, err
		}
		if len(v) >= 2 {
			st.bounds = v
		}
	}
	if elems.Valid && freqs.Valid {
		var e []string
		var f []json.Number
		if err := json.Unmarshal([]byte(elems.String), &e); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(freqs.String), &f); err != nil {
			return nil, err
		}
		// after each lexeme's frequency: the least and the greatest of
		// them, and the share of empty values
		if len(f) > len(e) {
			st.elems = make(map[string]float64, len(e))
			for i, w := range e {
				if _, ok := st.elems[w]; !ok {
					st.elems[w] = freq(f[i])
				}
			}
			st.leastFreq = freq(f[len(e)])
		}
	}
	return st, nil
}

// freq is a frequency of pg_stats (a real) as PostgreSQL widens it to a
// double precision.
func freq(n json.Number) float64 {
	v, err := strconv.ParseFloat(string(n), 32)
	if err != nil {
		return 0
	}
	return float64(float32(v))
}
