package sqlite

import (
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight/internal/sqlstore"
)

var _ sqlstore.InsightsDialect = dialect{}

// Minutes subtracts Unix times (SQLite's unixepoch reads the stored
// 2006-01-02T15:04:05.000000Z text); the times are whole minutes, so the
// integer division is exact.
func (dialect) Minutes(later, earlier string) string {
	return `((unixepoch(` + later + `) - unixepoch(` + earlier + `)) / 60)`
}

// Month is the first seven characters of the stored UTC text.
func (dialect) Month(ts string) string { return `substr(` + ts + `, 1, 7)` }

// DistributionSQL computes percentile_cont with window functions: rank the
// values of each metric, then interpolate between ranks floor(p(n-1))+1
// and the next one, as PostgreSQL's percentile_cont does.
func (dialect) DistributionSQL() string {
	pick := func(p, name string) string {
		lo := `CAST(` + p + ` * (n - 1) AS INTEGER)`
		return `MAX(CASE WHEN rn = ` + lo + ` + 1 THEN x END) AS ` + name + `a, MAX(CASE WHEN rn = ` + lo + ` + 2 THEN x END) AS ` + name + `b`
	}
	interp := func(p, name string) string {
		pos := `(` + p + ` * (n - 1))`
		return name + `a + (` + pos + ` - CAST(` + pos + ` AS INTEGER)) * (COALESCE(` + name + `b, ` + name + `a) - ` + name + `a)`
	}
	return `, ranked AS (
    SELECT m, x, derived, ROW_NUMBER() OVER (PARTITION BY m ORDER BY x) AS rn, COUNT(*) OVER (PARTITION BY m) AS n FROM vals),
picked AS (
    SELECT m, MAX(n) AS n, AVG(x) AS mean, MIN(x) AS lo, MAX(x) AS hi, SUM(derived) AS der, ` + pick("0.5", "p5") + `, ` + pick("0.9", "p9") + `
    FROM ranked GROUP BY m)
SELECT m, n, mean, ` + interp("0.5", "p5") + `, ` + interp("0.9", "p9") + `, lo, hi, der FROM picked`
}

// OrMatchArg quotes each word and joins them with OR (FTS5 syntax).
func (dialect) OrMatchArg(words []string) (string, bool) {
	var q []string
	for _, w := range words {
		w = strings.ReplaceAll(w, `"`, ``)
		if w != "" {
			q = append(q, `"`+w+`"`)
		}
	}
	return strings.Join(q, " OR "), len(q) > 0
}

// SimilarSQL ranks by bm25 within the newest SearchWindow matches (as
// SearchSQL does, so a query of common words stays fast).
func (dialect) SimilarSQL(cond string) string {
	return `WITH win AS (
    SELECT min(pk) AS lo FROM (SELECT rowid AS pk FROM incident_fts WHERE incident_fts MATCH ?1 ORDER BY rowid DESC LIMIT ` + strconv.Itoa(SearchWindow) + `))
SELECT i.id, -incident_fts.rank FROM incident_fts JOIN incidents i ON i.pk = incident_fts.rowid
WHERE incident_fts MATCH ?1 AND incident_fts.rowid >= (SELECT lo FROM win) AND ` + cond + `
ORDER BY incident_fts.rank, i.id LIMIT ?`
}
