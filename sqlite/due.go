package sqlite

// Epoch: timestamps are stored as RFC 3339 text in UTC (sqlstore.TextTime),
// which unixepoch reads.
func (dialect) Epoch(col string) string { return `unixepoch(` + col + `)` }
