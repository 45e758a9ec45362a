package postgres

import (
	"context"
	"time"
)

// SetSearchBounds makes searches start their range from v as if it were
// the planner's histogram of incident IDs (nil: none), until
// ReloadSearchBounds; the other statistics stay as last read.
func SetSearchBounds(s *Store, v []string) {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	st := searchStats{reltuples: -1}
	if s.bounds.stats != nil {
		st = *s.bounds.stats
	}
	st.bounds = v
	s.bounds.stats, s.bounds.loaded = &st, time.Now().Add(time.Hour)
}

// SetSearchMaxID makes searches take id as the highest incident ID (the
// last bucket of the keys query), the other statistics as last read.
func SetSearchMaxID(s *Store, id string) {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	st := searchStats{reltuples: -1}
	if s.bounds.stats != nil {
		st = *s.bounds.stats
	}
	st.maxID = id
	s.bounds.stats, s.bounds.loaded = &st, time.Now().Add(time.Hour)
}

// ReloadSearchBounds makes the next search read the statistics again.
func ReloadSearchBounds(s *Store) {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	s.bounds.stats, s.bounds.loaded = nil, time.Time{}
}

// SearchBounds is the histogram searches use now.
func SearchBounds(s *Store) []string {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	if s.bounds.stats == nil {
		return nil
	}
	return s.bounds.stats.bounds
}

// SearchStatsLoaded reads the statistics now (for comparing the Go plan
// with the SQL functions).
func SearchStatsLoaded(ctx context.Context, s *Store) error {
	ReloadSearchBounds(s)
	s.bounds.get(ctx)
	return nil
}

// KeysQuery is keysQuery (hindsight_search_keys_query in Go) for the query
// tree qt.
func KeysQuery(qt, lo, hi string) (string, bool) { return keysQuery(qt, lo, hi) }

// SearchShare is searchShare (hindsight_search_share in Go) with the
// statistics last read.
func SearchShare(s *Store, qt string) (float64, bool) {
	s.bounds.mu.Lock()
	st := s.bounds.stats
	s.bounds.mu.Unlock()
	return searchShare(qt, st)
}

// SearchWindowWay is how the search of arg from k, with a window of
// window matches, would find its window: "keys" worked out in Go, "sql" by
// SearchWindowSQL.
func SearchWindowWay(ctx context.Context, s *Store, window int, arg string, k int64) string {
	d := dialect{window: window, bounds: s.bounds, trees: s.trees}
	p := d.SearchHint(ctx, arg).(*searchPlan)
	if _, _, _, _, _, ok := d.keysArgs(p, k); ok {
		return "keys"
	}
	return "sql"
}

// SearchExact reports whether the search of arg skips checking each row
// of the keys against the query (exactTree).
func SearchExact(ctx context.Context, s *Store, arg string) bool {
	qt, ok := s.trees.get(ctx, arg)
	return ok && qt.exact
}

// SetSearchByteOrder makes searches sort incident IDs with COLLATE "C"
// (true) or the column's collation, the other statistics as last read.
func SetSearchByteOrder(s *Store, on bool) {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	st := searchStats{reltuples: -1}
	if s.bounds.stats != nil {
		st = *s.bounds.stats
	}
	st.byteOrder = on
	s.bounds.stats, s.bounds.loaded = &st, time.Now().Add(time.Hour)
}
