package sqlite

import (
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight/internal/sqlstore"
)

var _ sqlstore.InsightsDialect = dialect{}

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
