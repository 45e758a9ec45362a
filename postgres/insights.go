package postgres

import (
	"strings"
	"unicode"

	"github.com/hindsight-pm/hindsight/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

var (
	_ sqlstore.InsightsDialect     = dialect{}
	_ sqlstore.FreshPlanDialect    = dialect{}
	_ sqlstore.GroupInSQLDialect   = dialect{}
	_ sqlstore.ItemsOnePassDialect = dialect{}
)

// FreshPlanArg runs a query through the unnamed statement, which
// PostgreSQL plans for the parameters it is bound with, its parameter
// types described once per connection (pgx's cache_describe mode):
// prepared statements' generic plans made some insight figures several
// times slower (sqlstore.FreshPlanDialect: only those statements use it).
func (dialect) FreshPlanArg() any { return pgx.QueryExecModeCacheDescribe }

// GroupInSQL: the insight figures' rows are summed by PostgreSQL's hash
// aggregation; sending them to be summed in Go, as SQLite's are, cost
// the server 6 -> 14 ms of CPU per /api/v1/insights at 100,000 incidents
// and the backends as much as before (sqlstore.GroupInSQLDialect).
func (dialect) GroupInSQL() {}

// ItemsOnePass: the insights' overdue and past-objective action items are
// counted in one pass over the open items (sqlstore.ItemsOnePassDialect).
func (dialect) ItemsOnePass() {}

// OrMatchArg joins the words (letters and digits only) with | for
// to_tsquery.
func (dialect) OrMatchArg(words []string) (string, bool) {
	var q []string
	for _, w := range words {
		w = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, w)
		if w != "" {
			q = append(q, w)
		}
	}
	return strings.Join(q, " | "), len(q) > 0
}

// SimilarSQL ranks by ts_rank_cd.
func (dialect) SimilarSQL(cond string) string {
	return `SELECT i.id, ts_rank_cd(s.tsv, q.q) AS score
FROM (SELECT to_tsquery('english', ?) AS q) q
JOIN incident_search s ON s.tsv @@ q.q
JOIN incidents i ON i.id = s.incident_id
WHERE ` + cond + `
ORDER BY score DESC, i.id LIMIT ?`
}

// NoIndex returns col: PostgreSQL's planner has statistics to choose with.
func (dialect) NoIndex(col string) string { return col }

// InList is col = ANY(ARRAY(sub)): the subquery runs once (an InitPlan)
// and col's index is looked up for each of its values, where IN (sub)
// became a semi-join the planner could drive from another index.
func (dialect) InList(col, sub string) string { return col + ` = ANY(ARRAY(` + sub + `))` }
