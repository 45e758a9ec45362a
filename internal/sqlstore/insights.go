package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/hindsight-pm/hindsight"
)

// InsightsDialect is the part of the insights SQL that differs between the
// backends. A Dialect that does not implement it makes the insight queries
// EUnsupport. Backends implement it in their insights.go.
type InsightsDialect interface {
	// OrMatchArg turns words into a full-text query matching any of them
	// (ok false when none is searchable).
	OrMatchArg(words []string) (string, bool)
	// NoIndex wraps a column so the planner does not use an index for a
	// condition on it (SQLite: +col; PostgreSQL: the column as is).
	NoIndex(col string) string
	// SimilarSQL ranks incidents (alias i) matching an OrMatchArg query
	// and cond: it selects i.id and a score (higher is better); its
	// parameters are the query, cond's arguments and the limit.
	SimilarSQL(cond string) string
}

// FreshPlanDialect is a Dialect whose reused statements can be planned
// once for any parameters: PostgreSQL switches a prepared statement to a
// generic plan after five executions. Most insight statements' generic
// plans are as good as the parameters' plans (and save the planning, up
// to 1-2 ms a statement), but a few read whole index ranges where the
// parameters' plans read a few rows: the time figures' rank reads, the
// late postmortems' count and end order and the open items' one-pass
// count (at 100,000 incidents the unfiltered rank read 0.1 -> 8.6 ms,
// the late list 0.2 -> 45 ms, the items 2.1 -> 5.8 ms;
// /api/v1/insights once went from 0.1 s to 0.4 s on a connection's sixth
// call). FreshPlanArg, put first among a query's arguments, makes the
// driver plan the query for its parameters on every execution; those
// statements go through figQueryFresh.
type FreshPlanDialect interface {
	FreshPlanArg() any
}

// figQuery runs a query of the insight figures through the statement
// cache (prepared once per connection; on PostgreSQL a generic plan after
// five executions): for statements whose generic plan reads what the
// parameters' plans read.
func (s *Store) figQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.rq.QueryContext(ctx, q, args...)
}

// figQueryRow is figQuery's QueryRowContext.
func (s *Store) figQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.rq.QueryRowContext(ctx, q, args...)
}

// figQueryFresh runs a query of the insight figures whose generic plan is
// worse than its parameters' plans: planned for its parameters on every
// call (FreshPlanDialect), else through the statement cache (SQLite:
// preparing costs more than running).
func (s *Store) figQueryFresh(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if d, ok := s.d.(FreshPlanDialect); ok {
		return s.r.QueryContext(ctx, q, append([]any{d.FreshPlanArg()}, args...)...)
	}
	return s.rq.QueryContext(ctx, q, args...)
}

// figQueryRowFresh is figQueryFresh's QueryRowContext.
func (s *Store) figQueryRowFresh(ctx context.Context, q string, args ...any) *sql.Row {
	if d, ok := s.d.(FreshPlanDialect); ok {
		return s.r.QueryRowContext(ctx, q, append([]any{d.FreshPlanArg()}, args...)...)
	}
	return s.rq.QueryRowContext(ctx, q, args...)
}

func (s *Store) insightsDialect(op string) (InsightsDialect, error) {
	d, ok := s.d.(InsightsDialect)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "%s: this store does not compute insights", op)
	}
	return d, nil
}

// asOfDay is t (or the store's clock) truncated to its UTC day.
func (s *Store) asOfDay(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return hindsight.DateOf(t).T
}

// noIndex keeps the backend's planner from choosing an index for expr
// (when another one, e.g. a partial index of open items, reads fewer rows).
func (s *Store) noIndex(expr string) string {
	if d, ok := s.d.(InsightsDialect); ok {
		return d.NoIndex(expr)
	}
	return expr
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return hindsight.Round3(float64(n) / float64(of))
}

// counts turns a map into Counts ordered by rank (then key), or by key
// when rank is nil.
func counts(m map[string]int, total int, rank func(a, b string) int) []hindsight.Count {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank != nil {
			if r := rank(keys[i], keys[j]); r != 0 {
				return r < 0
			}
		}
		return keys[i] < keys[j]
	})
	out := make([]hindsight.Count, 0, len(keys))
	for _, k := range keys {
		if m[k] == 0 {
			continue // summed away (a negative piece's facts less the rollups')
		}
		out = append(out, hindsight.Count{Key: k, N: m[k], Share: share(m[k], total)})
	}
	return out
}

func statusRank(s string) int {
	switch hindsight.Status(s) {
	case hindsight.StatusTemplate:
		return 0
	case hindsight.StatusDraft:
		return 1
	case hindsight.StatusInReview:
		return 2
	case hindsight.StatusPublished:
		return 3
	}
	return 9
}

func sourceRank(s string) int {
	switch hindsight.DetectionSource(s) {
	case hindsight.DetectedMonitoring:
		return 1
	case hindsight.DetectedCustomer:
		return 2
	case hindsight.DetectedInternal:
		return 3
	case hindsight.DetectedOther:
		return 4
	}
	return 9
}

// recurrenceCond is the condition on an incident i (an earlier incident)
// that makes a later one on the same service a recurrence: it started
// before, it had action items and all are closed, and v may see it.
func recurrenceCond(v hindsight.Viewer) *cond {
	var c cond
	c.add(`i.deleted_at IS NULL AND i.start_at IS NOT NULL AND i.action_items > 0 AND i.open_action_items = 0`)
	c.visible(v)
	return &c
}

// Gauges implements hindsight.InsightStore.
func (s *Store) Gauges(ctx context.Context, v hindsight.Viewer, asOf time.Time) (*hindsight.Gauges, error) {
	var c cond
	c.add(`i.deleted_at IS NULL`)
	c.visible(v)
	g := &hindsight.Gauges{Incidents: []hindsight.SeverityStatusCount{}}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT i.severity, i.status, COUNT(*) FROM incidents i WHERE `+c.String()+`
GROUP BY i.severity, i.status ORDER BY 1, 2`), c.args...)
	if err != nil {
		return nil, internal("gauges", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x hindsight.SeverityStatusCount
		if err := rows.Scan((*string)(&x.Severity), (*string)(&x.Status), &x.N); err != nil {
			return nil, internal("gauges", err)
		}
		g.Incidents = append(g.Incidents, x)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("gauges", err)
	}
	closed := string(hindsight.ItemClosed)
	q := `SELECT COALESCE(SUM(CASE WHEN a.status <> ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN a.status <> ? AND a.target_date IS NOT NULL AND a.target_date < ? THEN 1 ELSE 0 END), 0)
FROM action_items a JOIN incidents i ON i.id = a.incident_id WHERE ` + c.String()
	args := append([]any{closed, closed, s.d.Date(s.asOfDay(asOf))}, c.args...)
	if err := s.rq.QueryRowContext(ctx, s.d.Rebind(q), args...).Scan(&g.OpenItems, &g.OverdueItems); err != nil {
		return nil, internal("gauges", err)
	}
	return g, nil
}

// words picks up to n distinct searchable words (four letters or more, no
// common English words) from texts, in order.
func words(n int, texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len([]rune(w)) < 4 || stopWords[w] || seen[w] {
				continue
			}
			seen[w] = true
			out = append(out, w)
			if len(out) == n {
				return out
			}
		}
	}
	return out
}

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`about above after again against because been before being below between both could does doing down during each from further have having here into itself just more most myself once only other ought ourselves over same should some such than that their theirs them themselves then there these they this those through under until very were what when where which while whom will with would your yours also were incident issue caused cause root contributing factor factors`) {
		stopWords[w] = true
	}
}

// RelatedIncidents implements hindsight.InsightStore. Candidates come from
// three queries: incidents sharing a service (nearest in time first), a
// full-text match of the contributing factors' words and one of the title
// and primary root cause's words (the store's ranking). Score: 1 per shared
// service, up to 2 for the factors match and up to 1.5 for the text match,
// by rank position.
func (s *Store) RelatedIncidents(ctx context.Context, v hindsight.Viewer, id string, limit int) ([]hindsight.Related, error) {
	d, err := s.insightsDialect("related incidents")
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, 50)
	inc, err := s.FindIncidentByID(ctx, v, id)
	if err != nil {
		return nil, err
	}
	type cand struct {
		services      []string
		factors, text float64
	}
	cands := map[string]*cand{}
	get := func(id string) *cand {
		c := cands[id]
		if c == nil {
			c = &cand{}
			cands[id] = c
		}
		return c
	}
	var c cond
	c.add(`i.deleted_at IS NULL AND i.id <> ?`, id)
	c.visible(v)
	var startKey int64
	if inc.Doc.Summary.Start.IsSet() {
		startKey = inc.Doc.Summary.Start.T.Unix()
	}
	q := `SELECT i.id, sv.name FROM incident_services me
JOIN incident_services sv ON lower(sv.name) = lower(me.name) AND sv.incident_id <> me.incident_id
JOIN incidents i ON i.id = sv.incident_id
WHERE me.incident_id = ? AND ` + c.String() + ` ORDER BY ABS(i.start_key - ?), i.id LIMIT 200`
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), append(append([]any{id}, c.args...), startKey)...)
	if err != nil {
		return nil, internal("related incidents", err)
	}
	for rows.Next() {
		var rid, name string
		if err := rows.Scan(&rid, &name); err != nil {
			rows.Close()
			return nil, internal("related incidents", err)
		}
		x := get(rid)
		if !slices.Contains(x.services, name) {
			x.services = append(x.services, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("related incidents", err)
	}
	similar := func(ws []string, weight float64, set func(*cand, float64)) error {
		arg, ok := d.OrMatchArg(ws)
		if !ok {
			return nil
		}
		const n = 30
		rows, err := s.rq.QueryContext(ctx, s.d.Rebind(d.SimilarSQL(c.String())), append(append([]any{arg}, c.args...), n)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for k := 0; rows.Next(); k++ {
			var rid string
			var score float64
			if err := rows.Scan(&rid, &score); err != nil {
				return err
			}
			set(get(rid), weight*(1-float64(k)/n))
		}
		return rows.Err()
	}
	p := inc.Doc
	if err := similar(words(16, p.RootCause.Factors...), 2, func(x *cand, w float64) { x.factors = w }); err != nil {
		return nil, internal("related incidents", err)
	}
	if err := similar(words(16, p.Title, p.RootCause.Primary, p.Summary.CustomerImpact.Symptoms), 1.5, func(x *cand, w float64) { x.text = w }); err != nil {
		return nil, internal("related incidents", err)
	}
	out := make([]hindsight.Related, 0, len(cands))
	for rid, x := range cands {
		r := hindsight.Related{ID: rid, Reasons: []string{}}
		for _, n := range x.services {
			r.Reasons = append(r.Reasons, "same service: "+n)
		}
		if x.factors > 0 {
			r.Reasons = append(r.Reasons, "similar contributing factors")
		}
		if x.text > 0 {
			r.Reasons = append(r.Reasons, "similar text")
		}
		r.Score = hindsight.Round3(float64(len(x.services)) + x.factors + x.text)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID > out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	if len(out) == 0 {
		return out, nil
	}
	var fc cond
	idArgs := make([]string, len(out))
	for i, r := range out {
		idArgs[i] = r.ID
	}
	fc.in(`i.id`, idArgs)
	rows, err = s.rq.QueryContext(ctx, s.d.Rebind(`SELECT i.id, i.title, i.severity, i.status, i.start_at FROM incidents i WHERE `+fc.String()), fc.args...)
	if err != nil {
		return nil, internal("related incidents", err)
	}
	defer rows.Close()
	byID := map[string]int{}
	for i, r := range out {
		byID[r.ID] = i
	}
	for rows.Next() {
		var rid string
		var x hindsight.Related
		if err := rows.Scan(&rid, &x.Title, (*string)(&x.Severity), (*string)(&x.Status), timeScan{&x.Start}); err != nil {
			return nil, internal("related incidents", err)
		}
		r := &out[byID[rid]]
		r.Title, r.Severity, r.Status, r.Start = x.Title, x.Severity, x.Status, x.Start
	}
	if err := rows.Err(); err != nil {
		return nil, internal("related incidents", err)
	}
	return out, nil
}

// Recurrences implements hindsight.InsightStore.
func (s *Store) Recurrences(ctx context.Context, v hindsight.Viewer, id string) ([]hindsight.Recurrence, error) {
	if err := s.visibleIncident(ctx, v, id, nil); err != nil {
		return nil, err
	}
	rc := recurrenceCond(v)
	q := `SELECT me.name, i.id, i.title, i.start_at, i.action_items, i.status
FROM incidents x JOIN incident_services me ON me.incident_id = x.id
JOIN incident_services sv ON lower(sv.name) = lower(me.name) AND sv.incident_id <> x.id
JOIN incidents i ON i.id = sv.incident_id
WHERE x.id = ? AND x.start_at IS NOT NULL AND i.start_key < x.start_key AND ` + rc.String() + `
ORDER BY i.start_key DESC, i.id DESC, me.position LIMIT 20`
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), append([]any{id}, rc.args...)...)
	if err != nil {
		return nil, internal("recurrences", err)
	}
	defer rows.Close()
	out := []hindsight.Recurrence{}
	for rows.Next() {
		var r hindsight.Recurrence
		if err := rows.Scan(&r.Service, &r.EarlierID, &r.EarlierTitle, timeScan{&r.EarlierStart}, &r.EarlierItems, (*string)(&r.EarlierStatus)); err != nil {
			return nil, internal("recurrences", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("recurrences", err)
	}
	return out, nil
}

var _ hindsight.InsightStore = (*Store)(nil)
