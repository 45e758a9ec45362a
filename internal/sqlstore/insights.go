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
	// Minutes is an SQL expression: whole minutes from the timestamp
	// expression earlier to later (NULL when either is NULL).
	Minutes(later, earlier string) string
	// Month is an SQL expression: the UTC month (YYYY-MM text) of a
	// timestamp expression.
	Month(ts string) string
	// DistributionSQL continues a WITH clause that defines vals (m text,
	// x integer minutes, derived 0/1) with the final query: one row per m
	// of m, count, mean, median, p90, min, max, sum(derived). Median and p90
	// are percentile_cont(0.5) and (0.9): linear interpolation between the
	// nearest ranks.
	DistributionSQL() string
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

// insightConds adds the incidents (alias i) of f, visible to v, to c: the
// same filter code as FindIncidents.
func (s *Store) insightConds(c *cond, v hindsight.Viewer, f *hindsight.InsightsFilter) error {
	return s.incidentConds(c, v, &hindsight.IncidentFilter{
		Severity: f.Severity, Status: f.Status, Service: f.Service,
		StartFrom: f.From, StartBefore: f.Before,
	})
}

// notClosed is "the item is not Closed" on action items (alias a), with
// two parameters (ItemClosed twice): two ranges of the status index rather
// than an inequality no index serves, so open items are found without
// reading the closed ones (the status column is never NULL).
const notClosed = `(a.status < ? OR a.status > ?)`

// noIndex keeps the backend's planner from choosing an index for expr (the
// target-date index would read almost every item for "overdue").
func (s *Store) noIndex(expr string) string {
	if d, ok := s.d.(InsightsDialect); ok {
		return d.NoIndex(expr)
	}
	return expr
}

// objectiveCond is the SQL of "not Closed and past its objective" on
// action items (alias a) of incidents (alias i) as of day.
func (s *Store) objectiveCond(o hindsight.Objectives, day time.Time) (string, []any) {
	o = o.OrDefault()
	var parts []string
	var args []any
	for _, p := range []hindsight.Priority{hindsight.P0, hindsight.P1, hindsight.P2} {
		d, _ := o.Days(p)
		parts = append(parts, `(`+s.noIndex("a.priority")+` = ? AND `+s.noIndex("i.end_at")+` < ?)`)
		args = append(args, string(p), s.d.Time(day.AddDate(0, 0, -d)))
	}
	closed := string(hindsight.ItemClosed)
	return `(` + notClosed + ` AND i.end_at IS NOT NULL AND (` + strings.Join(parts, ` OR `) + `))`,
		append([]any{closed, closed}, args...)
}

// Insights implements hindsight.InsightStore.
func (s *Store) Insights(ctx context.Context, v hindsight.Viewer, f hindsight.InsightsFilter) (*hindsight.Insights, error) {
	d, err := s.insightsDialect("insights")
	if err != nil {
		return nil, err
	}
	if !f.From.IsZero() && !f.Before.IsZero() && !f.From.Before(f.Before) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "insights: from (%s) must be before before (%s)", f.From.Format(time.DateOnly), f.Before.Format(time.DateOnly))
	}
	if f.UnpublishedDays < 0 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "insights: unpublished_days must not be negative")
	}
	if f.UnpublishedDays == 0 {
		f.UnpublishedDays = hindsight.DefaultUnpublishedDays
	}
	f.Objectives = f.Objectives.OrDefault()
	f.AsOf = s.asOfDay(f.AsOf)
	var c cond
	if err := s.insightConds(&c, v, &f); err != nil {
		return nil, err
	}
	out := &hindsight.Insights{Filter: f, BySeverity: []hindsight.Count{}, ByStatus: []hindsight.Count{}, ByService: []hindsight.Count{},
		ByMonth: []hindsight.Count{}, Detection: []hindsight.Count{}, Recurrences: []hindsight.Count{},
		Unpublished: hindsight.Unpublished{Days: f.UnpublishedDays, IDs: []string{}}}
	steps := []func() error{
		func() error { return s.insightCounts(ctx, d, &c, out) },
		func() error { return s.insightDistributions(ctx, d, &c, out) },
		func() error { return s.insightItems(ctx, &c, &f, out) },
		func() error { return s.insightUnpublished(ctx, &c, &f, out) },
		func() error { return s.insightRecurrences(ctx, v, &c, out) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, internal("insights", err)
		}
	}
	return out, nil
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return hindsight.Round3(float64(n) / float64(of))
}

// insightCounts counts incidents by severity, status, month and detection
// source in one grouped query.
func (s *Store) insightCounts(ctx context.Context, d InsightsDialect, c *cond, out *hindsight.Insights) error {
	q := `SELECT i.severity, i.status, COALESCE(` + d.Month("i.start_at") + `, ''), i.detected_source, COUNT(*),
    SUM(i.action_items), SUM(i.open_action_items)
FROM incidents i WHERE ` + c.String() + ` GROUP BY 1, 2, 3, 4`
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), c.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	sev, st, mon, src := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var a, b, m, so string
		var n, items, open int
		if err := rows.Scan(&a, &b, &m, &so, &n, &items, &open); err != nil {
			return err
		}
		out.ActionItems.Total += items
		out.ActionItems.Open += open
		sev[a] += n
		st[b] += n
		mon[m] += n
		src[so] += n
		out.Incidents += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	out.BySeverity = counts(sev, out.Incidents, func(a, b string) int {
		return severityRank(hindsight.Severity(a)) - severityRank(hindsight.Severity(b))
	})
	out.ByStatus = counts(st, out.Incidents, func(a, b string) int { return statusRank(a) - statusRank(b) })
	out.ByMonth = counts(mon, out.Incidents, nil)
	out.Detection = counts(src, out.Incidents, func(a, b string) int { return sourceRank(a) - sourceRank(b) })
	return nil
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

// insightDistributions computes the four time distributions in one query.
func (s *Store) insightDistributions(ctx context.Context, d InsightsDialect, c *cond, out *hindsight.Insights) error {
	firstEvent := func(word string) string {
		return `(SELECT MIN(t.at) FROM timeline_events t WHERE t.incident_id = i.id AND t.at >= i.detected_at AND lower(t.event) LIKE '%` + word + `%')`
	}
	q := `WITH b0 AS (
    SELECT i.ttd_calc, i.dur_calc, i.detected_at, i.tta_min, i.ttm_min, i.duration_min,
        CASE WHEN i.tta_min IS NULL AND i.detected_at IS NOT NULL THEN ` + firstEvent("acknowledg") + ` END AS ack_at,
        CASE WHEN i.ttm_min IS NULL AND i.detected_at IS NOT NULL THEN ` + firstEvent("mitigat") + ` END AS mit_at
    FROM incidents i WHERE ` + c.String() + `),
vals AS (
    SELECT 'ttd' AS m, ttd_calc AS x, 0 AS derived FROM b0 WHERE ttd_calc IS NOT NULL
    UNION ALL
    SELECT 'tta', COALESCE(tta_min, ` + d.Minutes("ack_at", "detected_at") + `), CASE WHEN tta_min IS NULL THEN 1 ELSE 0 END
    FROM b0 WHERE tta_min IS NOT NULL OR ack_at IS NOT NULL
    UNION ALL
    SELECT 'ttm', COALESCE(ttm_min, ` + d.Minutes("mit_at", "detected_at") + `), CASE WHEN ttm_min IS NULL THEN 1 ELSE 0 END
    FROM b0 WHERE ttm_min IS NOT NULL OR mit_at IS NOT NULL
    UNION ALL
    SELECT 'dur', COALESCE(dur_calc, duration_min), CASE WHEN dur_calc IS NULL THEN 1 ELSE 0 END
    FROM b0 WHERE dur_calc IS NOT NULL OR duration_min IS NOT NULL)
` + d.DistributionSQL()
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), c.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var x hindsight.Distribution
		var mean, med, p90, lo, hi sql.NullFloat64
		var der sql.NullInt64
		if err := rows.Scan(&m, &x.N, &mean, &med, &p90, &lo, &hi, &der); err != nil {
			return err
		}
		x.Mean, x.Median, x.P90 = hindsight.Round3(mean.Float64), hindsight.Round3(med.Float64), hindsight.Round3(p90.Float64)
		x.Min, x.Max, x.Derived = lo.Float64, hi.Float64, int(der.Int64)
		switch m {
		case "ttd":
			out.TimeToDetect = x
		case "tta":
			out.TimeToAcknowledge = x
		case "ttm":
			out.TimeToMitigate = x
		case "dur":
			out.Duration = x
		}
	}
	return rows.Err()
}

// insightItems counts the overdue and past-objective items of the
// matching incidents (insightCounts has summed the totals from the
// incidents' own counts): only open items are read.
func (s *Store) insightItems(ctx context.Context, c *cond, f *hindsight.InsightsFilter, out *hindsight.Insights) error {
	a := &out.ActionItems
	a.Closed = a.Total - a.Open
	a.CompletionRate = share(a.Closed, a.Total)
	if a.Open == 0 {
		return nil
	}
	objSQL, objArgs := s.objectiveCond(f.Objectives, f.AsOf)
	q := `SELECT
    COALESCE(SUM(CASE WHEN a.target_date IS NOT NULL AND a.target_date < ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN ` + objSQL + ` THEN 1 ELSE 0 END), 0)
FROM incidents i JOIN action_items a ON a.incident_id = i.id WHERE i.open_action_items > 0 AND ` + notClosed + ` AND ` + c.String()
	closed := string(hindsight.ItemClosed)
	args := append([]any{s.d.Date(f.AsOf)}, objArgs...)
	args = append(args, closed, closed)
	args = append(args, c.args...)
	return s.rq.QueryRowContext(ctx, s.d.Rebind(q), args...).Scan(&a.Overdue, &a.PastObjective)
}

// insightUnpublished counts postmortems not Published Days days after the
// incident's end, listing the 50 that ended first.
func (s *Store) insightUnpublished(ctx context.Context, c *cond, f *hindsight.InsightsFilter, out *hindsight.Insights) error {
	cut := f.AsOf.AddDate(0, 0, -f.UnpublishedDays)
	q := `SELECT i.id, COUNT(*) OVER () FROM incidents i
WHERE ` + c.String() + ` AND i.status <> ? AND i.end_at IS NOT NULL AND i.end_at < ? ORDER BY i.end_at, i.id LIMIT 50`
	args := append(append([]any{}, c.args...), string(hindsight.StatusPublished), s.d.Time(cut))
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &out.Unpublished.N); err != nil {
			return err
		}
		out.Unpublished.IDs = append(out.Unpublished.IDs, id)
	}
	return rows.Err()
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

// insightRecurrences counts, in one pass over the matching incidents'
// services, the incidents per service (names compared case-insensitively)
// and the recurrences: incidents that hit a service with an earlier
// incident whose action items were all closed.
//
// For each service, fix is the start of its first closed-fix incident in
// Incident ID order (IDs carry the start day, so this is nearly always the
// earliest); an incident that starts after it is a recurrence without
// further lookups, and only one that does not (rare: it started before
// that incident) is checked exactly with EXISTS.
func (s *Store) insightRecurrences(ctx context.Context, v hindsight.Viewer, c *cond, out *hindsight.Insights) error {
	rc1, rc2 := recurrenceCond(v), recurrenceCond(v)
	q := `WITH bs AS MATERIALIZED (
    SELECT DISTINCT lower(sv.name) AS name, i.id, i.start_key, CASE WHEN i.start_at IS NULL THEN 0 ELSE 1 END AS started
    FROM incidents i JOIN incident_services sv ON sv.incident_id = i.id WHERE ` + c.String() + `),
fix AS MATERIALIZED (
    SELECT n.name, (SELECT i.start_key FROM incident_services se JOIN incidents i ON i.id = se.incident_id
        WHERE lower(se.name) = n.name AND ` + rc1.String() + ` ORDER BY se.incident_id LIMIT 1) AS k
    FROM (SELECT DISTINCT name FROM bs) n)
SELECT bs.name, COUNT(*),
    SUM(CASE WHEN bs.started = 1 AND fix.k IS NOT NULL AND (bs.start_key > fix.k OR EXISTS (
        SELECT 1 FROM incident_services se JOIN incidents i ON i.id = se.incident_id
        WHERE lower(se.name) = bs.name AND i.start_key < bs.start_key AND ` + rc2.String() + `)) THEN 1 ELSE 0 END)
FROM bs CROSS JOIN fix WHERE fix.name = bs.name GROUP BY bs.name ORDER BY 2 DESC, 1`
	args := append(append(append([]any{}, c.args...), rc1.args...), rc2.args...)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var rec []hindsight.Count
	for rows.Next() {
		var name string
		var n, r int
		if err := rows.Scan(&name, &n, &r); err != nil {
			return err
		}
		out.ByService = append(out.ByService, hindsight.Count{Key: name, N: n, Share: share(n, out.Incidents)})
		if r > 0 {
			rec = append(rec, hindsight.Count{Key: name, N: r, Share: share(r, out.Incidents)})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.SliceStable(rec, func(i, j int) bool { return rec[i].N > rec[j].N })
	out.Recurrences = append(out.Recurrences, rec...)
	return nil
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
