package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync"
	"time"
)

// searchBounds keeps the planner's histogram of incident_search's incident
// IDs (pg_stats.histogram_bounds: about 100 IDs that cut the table, in ID
// order, into runs of equal size as of the last ANALYZE) in memory, so a
// search can start its range near the k-th most recent incident without
// reading the k index entries before it. SearchWindowSQL took that start
// from the primary key with OFFSET k: 1.5 ms of a 6 ms search at 100,000
// incidents with the table's visibility map set, 33 ms when it is not (an
// index-only scan then reads the heap page of every entry: a table that
// autovacuum has not vacuumed since a bulk import, or a server with
// autovacuum off). The histogram is only a starting guess: the range it
// picks holds about k incidents (more when incidents were added since the
// ANALYZE, fewer when many were deleted); searchWindowed widens a range
// that holds fewer than the window's matches, so results never depend on
// it. Reloaded at most every boundsTTL.
type searchBounds struct {
	db *sql.DB

	mu      sync.Mutex
	bounds  []string
	loaded  time.Time
	loading bool
}

// boundsTTL is how long a histogram read from pg_stats is used before it
// is read again (ANALYZE, by autovacuum or by hand, replaces it).
const boundsTTL = time.Minute

// get returns the histogram of incident IDs (nil when the table has not
// been analyzed, or the statistics cannot be read): from memory, read again
// when older than boundsTTL by one caller while the others use the old one.
func (b *searchBounds) get(ctx context.Context) []string {
	if b == nil || b.db == nil {
		return nil
	}
	b.mu.Lock()
	if b.loading || (!b.loaded.IsZero() && time.Since(b.loaded) < boundsTTL) {
		v := b.bounds
		b.mu.Unlock()
		return v
	}
	b.loading = true
	b.mu.Unlock()
	v, err := loadBounds(ctx, b.db)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.loading = false
	if err != nil {
		// keep the last histogram, and try again on a later search
		return b.bounds
	}
	b.bounds, b.loaded = v, time.Now()
	return v
}

// loadBounds reads incident_search.incident_id's histogram from pg_stats
// (nil when there is none).
func loadBounds(ctx context.Context, db *sql.DB) ([]string, error) {
	var js sql.NullString
	err := db.QueryRowContext(ctx, `SELECT array_to_json(s.histogram_bounds::text::text[])::text
FROM pg_stats s JOIN pg_namespace ns ON ns.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = s.tablename
WHERE c.oid = 'incident_search'::regclass AND s.attname = 'incident_id'`).Scan(&js)
	if err == sql.ErrNoRows || (err == nil && !js.Valid) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var v []string
	if err := json.Unmarshal([]byte(js.String), &v); err != nil {
		return nil, err
	}
	if len(v) < 2 {
		return nil, nil
	}
	return v, nil
}
