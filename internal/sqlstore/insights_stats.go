package sqlstore

import "database/sql"

// PoolStats returns the connection pool figures of the store's database
// handles by name: "writer" and "reader" (SQLite keeps two pools), or
// "pool" when both are one (PostgreSQL). /metrics exports them.
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.r == s.w {
		return map[string]sql.DBStats{"pool": s.w.Stats()}
	}
	return map[string]sql.DBStats{"writer": s.w.Stats(), "reader": s.r.Stats()}
}
