package postgres

import "time"

// SetSearchBounds makes searches start their range from v as if it were
// the planner's histogram of incident IDs (nil: none), until
// ReloadSearchBounds.
func SetSearchBounds(s *Store, v []string) {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	s.bounds.bounds, s.bounds.loaded = v, time.Now().Add(time.Hour)
}

// ReloadSearchBounds makes the next search read the histogram from
// pg_stats again.
func ReloadSearchBounds(s *Store) {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	s.bounds.bounds, s.bounds.loaded = nil, time.Time{}
}

// SearchBounds is the histogram searches use now.
func SearchBounds(s *Store) []string {
	s.bounds.mu.Lock()
	defer s.bounds.mu.Unlock()
	return s.bounds.bounds
}
