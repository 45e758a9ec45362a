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

// DistributionSQL computes percentile_cont without a percentile function:
// a histogram of the values of each metric (they are whole minutes, so
// there are few distinct ones), running counts over it with window
// functions, and the values at ranks floor(p(n-1))+1 and the next one,
// interpolated as PostgreSQL's percentile_cont does. Sorting the histogram
// instead of every value keeps it fast.
func (dialect) DistributionSQL() string {
	rank := func(p string, k int) string {
		return `MIN(CASE WHEN upto >= CAST(` + p + ` * (n - 1) AS INTEGER) + ` + strconv.Itoa(k) + ` THEN x END)`
	}
	interp := func(p, a, b string) string {
		pos := `(` + p + ` * (n - 1))`
		return a + ` + (` + pos + ` - CAST(` + pos + ` AS INTEGER)) * (COALESCE(` + b + `, ` + a + `) - ` + a + `)`
	}
	return `, hist AS (SELECT m, x, COUNT(*) AS c, SUM(derived) AS d FROM vals GROUP BY m, x),
cum AS (SELECT m, x, c, d, SUM(c) OVER (PARTITION BY m ORDER BY x ROWS UNBOUNDED PRECEDING) AS upto,
    SUM(c) OVER (PARTITION BY m) AS n FROM hist),
picked AS (
    SELECT m, MAX(n) AS n, SUM(x * c) AS total, MIN(x) AS lo, MAX(x) AS hi, SUM(d) AS der,
        ` + rank("0.5", 1) + ` AS p5a, ` + rank("0.5", 2) + ` AS p5b, ` + rank("0.9", 1) + ` AS p9a, ` + rank("0.9", 2) + ` AS p9b
    FROM cum GROUP BY m)
SELECT m, n, CAST(total AS REAL) / n, ` + interp("0.5", "p5a", "p5b") + `, ` + interp("0.9", "p9a", "p9b") + `, lo, hi, der FROM picked`
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

// NoIndex is SQLite's unary plus, which keeps the planner off an index.
func (dialect) NoIndex(col string) string { return "+" + col }
