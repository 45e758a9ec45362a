package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// keyRange is a range [lo, hi) of start keys (Unix seconds of Start).
type keyRange struct{ lo, hi int64 }

// Open ends of a range.
const (
	minKey = math.MinInt64
	maxKey = math.MaxInt64
)

// insightPlan says where the figures of an InsightsFilter come from: the
// rollups for the months inside the range (scope 0 only: without a
// service filter), and the facts themselves (live pieces) for the rest:
// the partial months at the ends and, for a viewer who is not an admin,
// the restricted incidents they are a member of (the rollups count only
// what every such viewer sees). A partial month mostly inside the range
// is read from the rollups too, less the facts of its days outside the
// range (a negative piece). Together the pieces are exactly the matching
// incidents, each counted once.
type insightPlan struct {
	v       hindsight.Viewer
	scope   int    // 0, or 1 with a service filter
	service string // folded
	team    string // a team's slug: its incidents only (live, no rollups)
	// shape filters (fields, tag, factor category): live, no rollups
	fields        map[string]string
	tag, category string
	sev           []string
	status        []string

	ranged bool     // From or Before is set: incidents without a Start are out
	whole  keyRange // the filter's range ([minKey, maxKey) when not ranged)

	rollup   bool     // read the rollups
	allRows  bool     // the rollups' every row (no range at all)
	mon      [2]int   // rollup months [mon[0], mon[1]) when ranged
	span     keyRange // start keys of those months
	rolled   []int    // restricted values the rollups are read with
	pieces   []piece  // what is read from the facts
	dimsHist int      // insight_hist dims: 1 with a severity or status filter
	month    int      // > 0: refineCond keeps the facts of this month (mon) only (InsightTrends)
	// shape table -> its rows in the range, up to half the matching
	// incidents (shapeFrom)
	shapeRows map[string]int
	noIndex   func(string) string
}

// piece is a set of facts read live: a start key range (all of them when
// !ranged) and a visibility. A negative piece's facts are in a rolled-up
// month but outside the range: they are subtracted (counts, item totals
// and histogram sums are additive, so the result is exact).
type piece struct {
	r       keyRange
	ranged  bool
	members bool // only restricted incidents the viewer is a member of
	neg     bool // subtracted from the rollups' months
}

// sign is the piece's factor in sums: "1" or "-1" (SQL).
func (x piece) sign() string {
	if x.neg {
		return "-1"
	}
	return "1"
}

func (s *Store) planInsights(v hindsight.Viewer, f *hindsight.InsightsFilter) *insightPlan {
	p := &insightPlan{v: v, sev: strs(f.Severity), status: strs(f.Status), whole: keyRange{minKey, maxKey}, noIndex: s.noIndex}
	if f.Service != "" {
		p.scope, p.service = 1, foldKey(f.Service)
	}
	if len(p.sev)+len(p.status) > 0 {
		p.dimsHist = 1
	}
	p.rolled = []int{0}
	if v.SeesAll() {
		p.rolled = []int{0, 1}
	}
	if !f.From.IsZero() {
		p.ranged, p.whole.lo = true, f.From.Unix()
	}
	if !f.Before.IsZero() {
		p.ranged, p.whole.hi = true, f.Before.Unix()
	}
	if f.Team != "" {
		p.team = strings.ToLower(clean(strings.TrimSpace(f.Team)))
	}
	p.fields, p.tag, p.category = f.Fields, f.Tag, f.FactorCategory
	var sc cond
	shapeCond(&sc, "x", p.fields, p.tag, p.category)
	if p.scope == 1 || p.team != "" || len(sc.parts) > 0 {
		// a service's, a team's or a shape filter's facts are read live:
		// the rollups hold none of them
		p.pieces = []piece{{r: p.whole, ranged: p.ranged}}
		return p
	}
	members := !v.SeesAll() && v.UserID != ""
	if !p.ranged {
		p.rollup, p.allRows = true, true
		if members {
			p.pieces = []piece{{r: p.whole, members: true}}
		}
		return p
	}
	// the months whose rollups are read: those inside [lo, hi), and a
	// partial month at an end when fewer of its days are outside the
	// range than inside (its facts outside the range are then read and
	// subtracted: a negative piece). The default year, from the 8th of a
	// month, reads 7 days of facts instead of 24.
	lo, hi := monthIndex(time.Unix(-62135596800, 0)), monthIndex(time.Unix(253402300799, 0)) // years 1 to 9999
	var loMid, hiMid bool
	if p.whole.lo != minKey {
		lo = monthIndex(time.Unix(p.whole.lo, 0))
		loMid = monthStart(lo).Unix() != p.whole.lo
	}
	if p.whole.hi != maxKey {
		if m := monthIndex(time.Unix(p.whole.hi, 0)); m < hi {
			hi, hiMid = m, monthStart(m).Unix() != p.whole.hi
		}
	}
	// seconds read from the facts at each end, inside (pos) or outside
	// (neg) the range
	var posLo, negLo, posHi, negHi int64
	if loMid {
		posLo, negLo = monthStart(lo+1).Unix()-p.whole.lo, p.whole.lo-monthStart(lo).Unix()
	}
	if hiMid {
		posHi, negHi = p.whole.hi-monthStart(hi).Unix(), monthStart(hi+1).Unix()-p.whole.hi
	}
	switch {
	case loMid && hiMid && lo == hi:
		// inside one month: the month less both ends, or the range itself
		if negLo+negHi >= p.whole.hi-p.whole.lo {
			p.pieces = []piece{{r: p.whole, ranged: true}}
			return p
		}
		hi++
	default:
		if loMid && negLo >= posLo {
			lo++
		}
		if hiMid && negHi < posHi {
			hi++
		}
	}
	if lo >= hi {
		p.pieces = []piece{{r: p.whole, ranged: true}}
		return p
	}
	p.rollup, p.mon = true, [2]int{lo, hi}
	p.span = keyRange{monthStart(lo).Unix(), monthStart(hi).Unix()}
	if p.whole.lo < p.span.lo {
		p.pieces = append(p.pieces, piece{r: keyRange{p.whole.lo, p.span.lo}, ranged: true})
	} else if p.whole.lo > p.span.lo {
		p.pieces = append(p.pieces, piece{r: keyRange{p.span.lo, p.whole.lo}, ranged: true, neg: true})
	}
	if p.span.hi < p.whole.hi {
		p.pieces = append(p.pieces, piece{r: keyRange{p.span.hi, p.whole.hi}, ranged: true})
	} else if p.whole.hi < p.span.hi {
		p.pieces = append(p.pieces, piece{r: keyRange{p.whole.hi, p.span.hi}, ranged: true, neg: true})
	}
	if members {
		p.pieces = append(p.pieces, piece{r: p.span, ranged: true, members: true})
	}
	return p
}

// insightViewer is the viewer the figures are computed for: a reader who
// is a member of no incident (directly or through a team) sees exactly the
// unrestricted incidents, as a viewer without a user does, and is computed
// as one. Their queries then have no membership test (an EXISTS per
// restricted row, planned with the incident_viewers view on every
// PostgreSQL call) and no live piece of member incidents: the figures are
// the same, checked by storetest's reference viewers ("zed" is a member of
// nothing).
func (s *Store) insightViewer(ctx context.Context, v hindsight.Viewer) (hindsight.Viewer, error) {
	if v.SeesAll() || v.UserID == "" {
		return v, nil
	}
	var n int
	err := s.figQueryRow(ctx, s.d.Rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM incident_viewers m WHERE m.user_id = ? LIMIT 1) x`), clean(v.UserID)).Scan(&n)
	if err != nil || n > 0 {
		return v, err
	}
	return hindsight.Viewer{}, nil
}

// memberExists is true when the viewer (one ? parameter) is a member of
// the incident whose ID is col.
func memberExists(col string) string {
	return `EXISTS (SELECT 1 FROM incident_viewers m WHERE m.incident_id = ` + col + ` AND m.user_id = ?)`
}

// visibleCond is the viewer's filter on a table with a 0/1 restricted
// column (col) and an incident ID column (id).
func visibleCond(c *cond, v hindsight.Viewer, col, id string) {
	switch {
	case v.SeesAll():
		c.add(col + ` IN (0, 1)`)
	case v.UserID == "":
		c.add(col + ` = 0`)
	default:
		c.add(col+` IN (0, 1) AND (`+col+` = 0 OR `+memberExists(id)+`)`, clean(v.UserID))
	}
}

// teamCond keeps, with a team filter, the incidents (ID column col) of the
// team: added by hand or owning one of their affected services. The
// team's services are read first and their incidents found through the
// lower(name) index: SQLite compared every incident_services row with them
// (ts.service_key left bare), once per query, some twenty queries per
// request: 11-16 s for /api/v1/insights?team=... at 100,000.
func (p *insightPlan) teamCond(c *cond, col string) {
	if p.team == "" {
		return
	}
	key := `ts.service_key`
	if p.noIndex != nil {
		key = p.noIndex(key)
	}
	c.add(col+` IN (SELECT it.incident_id FROM incident_teams it WHERE it.kind = '`+teamByHand+`' AND it.team_slug = ?
UNION SELECT tsv.incident_id FROM team_services ts JOIN incident_services tsv ON lower(tsv.name) = `+key+` WHERE ts.team_slug = ?)`, p.team, p.team)
}

// filters adds the severity and status filters on columns sev and st.
func (p *insightPlan) filters(c *cond, sev, st string) {
	c.in(sev, p.sev)
	c.in(st, p.status)
}

// rangeCond adds r (when ranged) on the facts alias a, its start key
// written as key gives it (e.g. noIndex).
func rangeCond(c *cond, a string, r keyRange, ranged bool, key func(string) string) {
	if !ranged {
		return
	}
	c.add(a + `.started = 1`)
	if r.lo != minKey {
		c.add(key(a+`.start_key`)+` >= ?`, r.lo)
	}
	if r.hi != maxKey {
		c.add(key(a+`.start_key`)+` < ?`, r.hi)
	}
}

// factCond is the condition on facts (alias a) of scope and service (any
// service when nil) in piece x.
func (p *insightPlan) factCond(a string, scope int, service *string, x piece) *cond {
	var c cond
	c.add(a + `.scope = ` + strconv.Itoa(scope)) // a constant: partial indexes by scope
	if service != nil {
		c.add(a+`.service = ?`, *service)
	}
	key := func(col string) string { return col }
	if x.members {
		// drive from the viewer's memberships (few): the start key is
		// hidden from SQLite's planner, which read every fact of the
		// range through insight_facts_start for the services (scope 1,
		// any service: 11 of the 21 ms of /api/v1/insights' services
		// and recurrences at 100,000) to keep the few restricted ones
		c.add(a+`.incident_id IN (SELECT m.incident_id FROM incident_viewers m WHERE m.user_id = ?) AND `+a+`.restricted = 1`, clean(p.v.UserID))
		if p.noIndex != nil {
			key = p.noIndex
		}
	} else {
		visibleCond(&c, p.v, a+`.restricted`, a+`.incident_id`)
	}
	rangeCond(&c, a, x.r, x.ranged, key)
	p.filters(&c, a+`.severity`, a+`.status`)
	p.teamCond(&c, a+`.incident_id`)
	shapeCond(&c, a+`.incident_id`, p.fields, p.tag, p.category)
	return &c
}

// refineCond is the condition on the matching facts (alias f) of the
// plan's own scope (every piece and the rolled-up months together), with
// the restricted and start key columns hidden from the planner (noIndex):
// the queries with it read a bucket's values in value order, or the facts
// by end, from those indexes.
func (p *insightPlan) refineCond(noIndex func(string) string) *cond {
	return p.refine(noIndex, true)
}

// valueCond is refineCond for the reads of a bucket's values: without a
// service filter it does not test service (empty on every scope 0 fact), so
// PostgreSQL reads the values from insight_facts_ttd etc. alone
// (index-only scan; they do not hold service) instead of fetching every
// row of the range in the bucket and sorting them. The others keep the
// test: insight_facts_end and the primary key lead with service.
func (p *insightPlan) valueCond(noIndex func(string) string) *cond {
	return p.refine(noIndex, p.scope == 1)
}

// refine is refineCond, testing service or not.
func (p *insightPlan) refine(noIndex func(string) string, service bool) *cond {
	var c cond
	if service {
		c.add(`f.scope = `+strconv.Itoa(p.scope)+` AND f.service = ?`, p.service)
	} else {
		c.add(`f.scope = ` + strconv.Itoa(p.scope))
	}
	if p.scope == 1 {
		// a service's facts are few: its primary key range serves
		noIndex = func(col string) string { return col }
	}
	visibleCond(&c, p.v, noIndex(`f.restricted`), `f.incident_id`)
	if p.ranged {
		c.add(`f.started = 1`)
		if p.whole.lo != minKey {
			c.add(noIndex(`f.start_key`)+` >= ?`, p.whole.lo)
		}
		if p.whole.hi != maxKey {
			c.add(noIndex(`f.start_key`)+` < ?`, p.whole.hi)
		}
	}
	if p.month > 0 {
		c.add(`f.mon = ?`, p.month)
	}
	p.filters(&c, `f.severity`, `f.status`)
	p.teamCond(&c, `f.incident_id`)
	shapeCond(&c, `f.incident_id`, p.fields, p.tag, p.category)
	return &c
}

// liveFacts is a subquery (UNION ALL of the pieces) selecting cols from the
// facts (alias f) of the plan's scope that also meet extra (when not ""),
// with its arguments; "" when there are no pieces. cols is given the
// piece's sign ("1" or "-1") to multiply what it sums by.
func (p *insightPlan) liveFacts(cols func(sign string) string, extra string) (string, []any) {
	return p.liveFactsFrom(`insight_facts f`, cols, extra)
}

// liveFactsFrom is liveFacts with the facts (alias f) in from.
func (p *insightPlan) liveFactsFrom(from string, cols func(sign string) string, extra string) (string, []any) {
	var parts []string
	var args []any
	for _, x := range p.pieces {
		c := p.factCond("f", p.scope, &p.service, x)
		if extra != "" {
			c.add(extra)
		}
		parts = append(parts, `SELECT `+cols(x.sign())+` FROM `+from+` WHERE `+c.String())
		args = append(args, c.args...)
	}
	return strings.Join(parts, "\nUNION ALL "), args
}

// rollupCond is the condition on a rollup table's rows of the plan's
// months, restricted values and filters.
func (p *insightPlan) rollupCond(c *cond, withFilters bool) {
	c.add(p.rolledIn(`restricted`))
	if !p.allRows {
		c.add(`started = 1 AND mon >= ? AND mon < ?`, p.mon[0], p.mon[1])
	}
	if withFilters {
		p.filters(c, `severity`, `status`)
	}
}

// rolledIn is "col is one of the restricted values the rollups are read
// with" (constants, so partial and composite indexes can serve).
func (p *insightPlan) rolledIn(col string) string {
	if len(p.rolled) == 2 {
		return col + ` IN (0, 1)`
	}
	return col + ` = 0`
}

// countRow is one row of insightCounts: a rollup row or a live fact.
type countRow struct {
	severity, status, source string
	started, mon             int
	n, items, open, ended    int
}

// Insights implements hindsight.InsightStore.
func (s *Store) Insights(ctx context.Context, v hindsight.Viewer, f hindsight.InsightsFilter) (*hindsight.Insights, error) {
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
	v, err := s.insightViewer(ctx, v)
	if err != nil {
		return nil, internal("insights", err)
	}
	p := s.planInsights(v, &f)
	out := &hindsight.Insights{Filter: f, BySeverity: []hindsight.Count{}, ByStatus: []hindsight.Count{}, ByService: []hindsight.Count{},
		ByMonth: []hindsight.Count{}, Detection: []hindsight.Count{}, Recurrences: []hindsight.Count{},
		Unpublished:      hindsight.Unpublished{Days: f.UnpublishedDays, IDs: []string{}},
		ByFactorCategory: []hindsight.Count{}, ByTag: []hindsight.Count{}, ByField: map[string][]hindsight.Count{}, RepeatFactors: []hindsight.RepeatFactor{}}
	hist := histSums{}
	steps := []func() error{
		func() error { return s.insightCounts(ctx, p, out, hist) },
		func() error { return s.insightDistributions(ctx, p, out, hist) },
		func() error { return s.insightItems(ctx, p, &f, out) },
		func() error { return s.insightUnpublished(ctx, p, &f, out) },
		func() error { return s.insightServices(ctx, p, out) },
		func() error { return s.insightShape(ctx, p, &f, out) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, internal("insights", err)
		}
	}
	return out, nil
}

// histKeyMB is a (metric, bucket) of insightDistributions.
type histKeyMB struct {
	metric int
	bucket int64
}

// GroupInSQLDialect is a Dialect that sums the insight figures' rows in
// SQL (PostgreSQL: its hash aggregation costs less than sending every
// row to be summed in Go). Without it (SQLite, whose GROUP BY sorts) the
// rows of the counts and the time figures' buckets are summed in Go.
type GroupInSQLDialect interface {
	GroupInSQL()
}

func (s *Store) groupInSQL() bool {
	_, ok := s.d.(GroupInSQLDialect)
	return ok
}

// scanRows runs q and calls each for every row (each scans it).
func (s *Store) scanRows(ctx context.Context, q string, args []any, each func(*sql.Rows) error) error {
	rows, err := s.figQuery(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// insightCounts counts the incidents by severity, status, month and
// detection source, with the action item totals and the ended incidents
// by status (for the late postmortems), from the rollup and the live
// pieces. Where the rows are summed in Go (not GroupInSQLDialect), the
// live facts are read once for the time figures' bucket counts too
// (hist, for insightDistributions): SQLite's GROUP BYs sorted every row
// (the live facts four times over, once per time figure), half of
// /api/v1/insights' CPU at 100,000 incidents, where the partial month at
// the start of the default year is some 2,200 facts.
func (s *Store) insightCounts(ctx context.Context, p *insightPlan, out *hindsight.Insights, hist histSums) error {
	sev, st, mon, src := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	published := string(hindsight.StatusPublished)
	add := func(r *countRow) {
		if r.n == 0 {
			return
		}
		out.ActionItems.Total += r.items
		out.ActionItems.Open += r.open
		sev[r.severity] += r.n
		st[r.status] += r.n
		m := ""
		if r.started == 1 {
			m = monthKey(r.mon)
		}
		mon[m] += r.n
		src[r.source] += r.n
		out.Incidents += r.n
		if r.status != published {
			out.Unpublished.N += r.ended // less the recent ones (insightUnpublished)
		}
	}
	scanCount := func(rows *sql.Rows) error {
		var r countRow
		if err := rows.Scan(&r.severity, &r.status, &r.source, &r.started, &r.mon, &r.n, &r.items, &r.open, &r.ended); err != nil {
			return err
		}
		add(&r)
		return nil
	}
	var rollup string
	var rargs []any
	if p.rollup {
		var c cond
		c.add(`scope = 0 AND dims = 1 AND service = ''`)
		p.rollupCond(&c, true)
		rollup, rargs = `SELECT severity, status, source, started, mon, n, items, open_items, ended FROM insight_counts WHERE `+c.String(), c.args
	}
	if s.groupInSQL() {
		parts, args := []string{}, []any{}
		if rollup != "" {
			parts, args = append(parts, rollup), append(args, rargs...)
		}
		if live, largs := p.liveFacts(func(sg string) string {
			if sg == "1" {
				return `f.severity, f.status, f.source, f.started, f.mon, 1 AS n, f.items, f.open_items, f.ended`
			}
			return `f.severity, f.status, f.source, f.started, f.mon, -1 AS n, -f.items, -f.open_items, -f.ended`
		}, ""); live != "" {
			parts, args = append(parts, live), append(args, largs...)
		}
		q := `SELECT severity, status, source, started, mon, SUM(n), SUM(items), SUM(open_items), SUM(ended)
FROM (` + strings.Join(parts, "\nUNION ALL ") + `) x GROUP BY severity, status, source, started, mon`
		if err := s.scanRows(ctx, q, args, scanCount); err != nil {
			return err
		}
	} else {
		if rollup != "" {
			if err := s.scanRows(ctx, rollup, rargs, scanCount); err != nil {
				return err
			}
		}
		var cols []string
		for _, col := range metricCols {
			cols = append(cols, `f.`+col, `f.`+col+`_b`)
		}
		// the derived flags of TTA, TTM and duration in one column (bits 1, 2, 4)
		derivedFlags := `f.tta_derived + 2 * f.ttm_derived + 4 * f.dur_derived`
		if live, largs := p.liveFacts(func(sg string) string {
			return sg + `, f.severity, f.status, f.source, f.started, f.mon, f.items, f.open_items, f.ended, ` + strings.Join(cols, `, `) + `, ` + derivedFlags
		}, ""); live != "" {
			err := s.scanRows(ctx, live, largs, func(rows *sql.Rows) error {
				var r countRow
				var x, b [nMetrics]sql.NullInt64
				var derived int
				if err := rows.Scan(&r.n, &r.severity, &r.status, &r.source, &r.started, &r.mon, &r.items, &r.open, &r.ended,
					&x[0], &b[0], &x[1], &b[1], &x[2], &b[2], &x[3], &b[3], &derived); err != nil {
					return err
				}
				sg := r.n // 1, or -1 for a negative piece's fact
				r.items, r.open, r.ended = sg*r.items, sg*r.open, sg*r.ended
				add(&r)
				for m := range nMetrics {
					if !b[m].Valid {
						continue
					}
					d := 0
					if m > metricTTD && derived&(1<<(m-1)) != 0 {
						d = 1
					}
					hist.add(histKeyMB{m, b[m].Int64}, int64(sg), int64(sg)*x[m].Int64, int64(sg*d))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	out.BySeverity = counts(sev, out.Incidents, func(a, b string) int {
		return severityRank(hindsight.Severity(a)) - severityRank(hindsight.Severity(b))
	})
	out.ByStatus = counts(st, out.Incidents, func(a, b string) int { return statusRank(a) - statusRank(b) })
	out.ByMonth = counts(mon, out.Incidents, nil)
	out.Detection = counts(src, out.Incidents, func(a, b string) int { return sourceRank(a) - sourceRank(b) })
	return nil
}

// monRange is a range [lo, hi) of month (or year) indexes.
type monRange struct{ lo, hi int }

// appendRange appends r to rs, merged with the last range when adjacent.
func appendRange(rs []monRange, r monRange) []monRange {
	if r.lo >= r.hi {
		return rs
	}
	if n := len(rs); n > 0 && rs[n-1].hi == r.lo {
		rs[n-1].hi = r.hi
		return rs
	}
	return append(rs, r)
}

// histRollup selects the rollups' part of the time figures' bucket sums
// (metric, bucket, n, total, derived; several rows per bucket, to be
// summed), with its arguments. A year mostly inside the plan's months
// (seven or more of them) is read from insight_hist_year, less the
// insight_hist rows of its months outside (negated); the other months
// from insight_hist: the default year reads one year's rows and one
// month's, where it read twelve months' (7,055 rows at 100,000
// incidents, the figures' largest cost).
func (p *insightPlan) histRollup() (string, []any) {
	var parts []string
	var args []any
	part := func(table, col string, r *monRange, neg bool) {
		var c cond
		c.add(`dims = ?`, p.dimsHist)
		c.add(p.rolledIn(`restricted`))
		if r != nil {
			c.add(`started = 1 AND `+col+` >= ? AND `+col+` < ?`, r.lo, r.hi)
		}
		if p.dimsHist == 1 {
			p.filters(&c, `severity`, `status`)
		}
		vals := `n, total, derived`
		if neg {
			vals = `-n, -total, -derived`
		}
		parts = append(parts, `SELECT metric, bucket, `+vals+` FROM `+table+` WHERE `+c.String())
		args = append(args, c.args...)
	}
	if p.allRows {
		part(`insight_hist_year`, ``, nil, false)
		return parts[0], args
	}
	var plus, minus, years []monRange
	lo, hi := p.mon[0], p.mon[1]
	for y := lo / 12; y*12 < hi; y++ {
		a, b := max(lo, y*12), min(hi, y*12+12)
		if 2*(b-a) > 12 {
			years = appendRange(years, monRange{y, y + 1})
			minus = appendRange(minus, monRange{y * 12, a})
			minus = appendRange(minus, monRange{b, y*12 + 12})
		} else {
			plus = appendRange(plus, monRange{a, b})
		}
	}
	for i := range plus {
		part(`insight_hist`, `mon`, &plus[i], false)
	}
	for i := range years {
		part(`insight_hist_year`, `yr`, &years[i], false)
	}
	for i := range minus {
		part(`insight_hist`, `mon`, &minus[i], true)
	}
	return strings.Join(parts, "\nUNION ALL "), args
}

// bucketCount is one histogram bucket of a time figure.
type bucketCount struct {
	b          int64
	n, derived int64
}

// bucketSum is a bucket's count, sum of values and derived values.
type bucketSum struct{ n, total, derived int64 }

// histSums are the time figures' bucket sums by (metric, bucket).
type histSums map[histKeyMB]*bucketSum

func (h histSums) add(k histKeyMB, n, total, derived int64) {
	v := h[k]
	if v == nil {
		v = &bucketSum{}
		h[k] = v
	}
	v.n += n
	v.total += total
	v.derived += derived
}

// insightDistributions computes the four time figures. Their bucket counts
// (and sums) come from the rollup and the live pieces (summed in SQL, or
// in Go: the live pieces' then in hist, from insightCounts); the values at
// the ranks the figures need (first, median's two, p90's two, last) are
// then read from the bucket that holds them, ordered by value (ORDER BY
// ... LIMIT/OFFSET on the bucket's index), unless the bucket holds one
// value. Median and p90 interpolate as percentile_cont does.
func (s *Store) insightDistributions(ctx context.Context, p *insightPlan, out *hindsight.Insights, hist histSums) error {
	var rollup string
	var rargs []any
	if p.rollup && p.scope == 0 {
		rollup, rargs = p.histRollup()
	}
	scanHist := func(rows *sql.Rows) error {
		var k histKeyMB
		var v bucketSum
		if err := rows.Scan(&k.metric, &k.bucket, &v.n, &v.total, &v.derived); err != nil {
			return err
		}
		hist.add(k, v.n, v.total, v.derived)
		return nil
	}
	if s.groupInSQL() {
		parts, args := []string{}, []any{}
		if rollup != "" {
			parts, args = append(parts, rollup), append(args, rargs...)
		}
		// the live facts once each, one row per metric (m.k) of each
		pick := func(f func(col string) string) string {
			e := `CASE m.k`
			for m, col := range metricCols[:nMetrics-1] {
				e += ` WHEN ` + strconv.Itoa(m) + ` THEN ` + f(col)
			}
			return e + ` ELSE ` + f(metricCols[nMetrics-1]) + ` END`
		}
		derived := pick(func(col string) string {
			if col == metricCols[metricTTD] {
				return `0`
			}
			return `f.` + col + `_derived`
		})
		bucket, total := pick(func(col string) string { return `f.` + col + `_b` }), pick(func(col string) string { return `f.` + col })
		if live, largs := p.liveFactsFrom(`insight_facts f CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) m`,
			func(sg string) string {
				if sg == "1" {
					return `m.k AS metric, ` + bucket + ` AS bucket, 1 AS n, ` + total + ` AS total, ` + derived + ` AS derived`
				}
				return `m.k AS metric, ` + bucket + ` AS bucket, -1 AS n, -(` + total + `) AS total, -(` + derived + `) AS derived`
			}, ""); live != "" {
			parts, args = append(parts, live), append(args, largs...)
		}
		if len(parts) > 0 {
			q := `SELECT metric, bucket, SUM(n), SUM(total), SUM(derived) FROM (` + strings.Join(parts, "\nUNION ALL ") + `) x
WHERE bucket IS NOT NULL GROUP BY metric, bucket`
			if err := s.scanRows(ctx, q, args, scanHist); err != nil {
				return err
			}
		}
	} else if rollup != "" {
		if err := s.scanRows(ctx, rollup, rargs, scanHist); err != nil {
			return err
		}
	}
	var byMetric [nMetrics][]bucketCount
	var totals [nMetrics]int64
	for k, v := range hist {
		if v.n == 0 || k.metric < 0 || k.metric >= nMetrics {
			continue
		}
		byMetric[k.metric] = append(byMetric[k.metric], bucketCount{b: k.bucket, n: v.n, derived: v.derived})
		totals[k.metric] += v.total
	}
	dst := [nMetrics]*hindsight.Distribution{&out.TimeToDetect, &out.TimeToAcknowledge, &out.TimeToMitigate, &out.Duration}
	for m := range nMetrics {
		slices.SortFunc(byMetric[m], func(a, b bucketCount) int { return cmp.Compare(a.b, b.b) })
		d, err := s.distribution(ctx, p, m, byMetric[m], totals[m])
		if err != nil {
			return err
		}
		*dst[m] = d
	}
	return nil
}

// distribution computes one time figure from its bucket counts.
func (s *Store) distribution(ctx context.Context, p *insightPlan, m int, hist []bucketCount, total int64) (hindsight.Distribution, error) {
	var n, derived int64
	for _, b := range hist {
		n += b.n
		derived += b.derived
	}
	if n == 0 {
		return hindsight.Distribution{}, nil
	}
	// the ranks (0-based) to read, as percentile_cont picks them
	pos5, pos9 := 0.5*float64(n-1), 0.9*float64(n-1)
	r5, r9 := int64(pos5), int64(pos9)
	ranks := []int64{0, r5, min(r5+1, n-1), r9, min(r9+1, n-1), n - 1}
	vals := map[int64]float64{}
	// group the ranks by bucket: one read per bucket that holds several
	// values
	type need struct{ lo, hi int64 } // offsets within the bucket
	needs := map[int]*need{}
	var cum int64
	for i, b := range hist {
		for _, r := range ranks {
			if r < cum || r >= cum+b.n {
				continue
			}
			if bucketExact(b.b) {
				vals[r] = float64(b.b)
				continue
			}
			x := needs[i]
			if x == nil {
				x = &need{lo: r - cum, hi: r - cum}
				needs[i] = x
			}
			x.lo, x.hi = min(x.lo, r-cum), max(x.hi, r-cum)
		}
		cum += b.n
	}
	col := metricCols[m]
	c := p.valueCond(s.noIndex)
	q := s.d.Rebind(`SELECT f.` + col + ` FROM insight_facts f WHERE f.` + col + `_b = ? AND ` + c.String() + `
ORDER BY f.` + col + ` LIMIT ? OFFSET ?`)
	cum = 0
	for i, b := range hist {
		if x := needs[i]; x != nil {
			rows, err := s.figQueryFresh(ctx, q, append(append([]any{b.b}, c.args...), x.hi-x.lo+1, x.lo)...)
			if err != nil {
				return hindsight.Distribution{}, err
			}
			for k := x.lo; rows.Next(); k++ {
				var v int64
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return hindsight.Distribution{}, err
				}
				vals[cum+k] = float64(v)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return hindsight.Distribution{}, err
			}
		}
		cum += b.n
	}
	for _, r := range ranks {
		if _, ok := vals[r]; !ok {
			return hindsight.Distribution{}, fmt.Errorf("%s: the value at rank %d of %d is missing (bucket counts and facts disagree)", col, r, n)
		}
	}
	interp := func(pos float64, lo int64) float64 {
		a, b := vals[lo], vals[min(lo+1, n-1)]
		return a + (pos-float64(lo))*(b-a)
	}
	return hindsight.Distribution{
		N:       int(n),
		Mean:    hindsight.Round3(float64(total) / float64(n)),
		Median:  hindsight.Round3(interp(pos5, r5)),
		P90:     hindsight.Round3(interp(pos9, r9)),
		Min:     vals[0],
		Max:     vals[n-1],
		Derived: int(derived),
	}, nil
}

// itemCond is the condition on action items (alias a, with their copies of
// the incident's columns) of the plan's matching incidents, without a
// service filter.
func (p *insightPlan) itemCond() *cond {
	var c cond
	c.add(`a.inc_live = 1`)
	visibleCond(&c, p.v, `a.inc_restricted`, `a.incident_id`)
	if p.ranged {
		c.add(`a.inc_started = 1`)
		if p.whole.lo != minKey {
			c.add(`a.inc_start_key >= ?`, p.whole.lo)
		}
		if p.whole.hi != maxKey {
			c.add(`a.inc_start_key < ?`, p.whole.hi)
		}
	}
	p.filters(&c, `a.inc_severity`, `a.inc_status`)
	p.teamCond(&c, `a.incident_id`)
	shapeCond(&c, `a.incident_id`, p.fields, p.tag, p.category)
	return &c
}

// objectiveCond is "past its objective as of day" on open action items
// (alias a): the incident's end (copied into the item) is more than the
// priority's objective days before day.
func (s *Store) objectiveCond(o hindsight.Objectives, day time.Time) (string, []any) {
	o = o.OrDefault()
	var parts []string
	var args []any
	for _, pr := range []hindsight.Priority{hindsight.P0, hindsight.P1, hindsight.P2} {
		d, _ := o.Days(pr)
		parts = append(parts, `(a.priority = ? AND a.inc_end_at < ?)`)
		args = append(args, string(pr), s.d.Time(day.AddDate(0, 0, -d)))
	}
	return `(a.inc_end_at IS NOT NULL AND (` + strings.Join(parts, ` OR `) + `))`, args
}

// ItemsOnePassDialect is a Dialect that counts the overdue and
// past-objective action items of the insights in one pass over the open
// items of the matching incidents: on PostgreSQL each item read is a heap
// fetch, and the four counts through their own indexes fetched some 9,400
// items at 100,000 incidents (12-15 ms a request) where one pass fetches
// the 6,400 open ones (5-8 ms). Without it (SQLite) each count reads its
// covering index range: SQLite's plan for one pass scanned a whole index.
type ItemsOnePassDialect interface {
	ItemsOnePass()
}

// insightItems counts the overdue and past-objective items of the matching
// incidents (insightCounts has summed the totals): only open items are
// read, from their partial index.
func (s *Store) insightItems(ctx context.Context, p *insightPlan, f *hindsight.InsightsFilter, out *hindsight.Insights) error {
	a := &out.ActionItems
	a.Closed = a.Total - a.Open
	a.CompletionRate = share(a.Closed, a.Total)
	if a.Open == 0 {
		return nil
	}
	if p.scope == 1 {
		// one service's incidents with open items first, then their items
		objSQL, objArgs := s.objectiveCond(f.Objectives, f.AsOf)
		c := p.factCond("f", p.scope, &p.service, piece{r: p.whole, ranged: p.ranged})
		q := `SELECT COALESCE(SUM(CASE WHEN a.target_date IS NOT NULL AND a.target_date < ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN ` + objSQL + ` THEN 1 ELSE 0 END), 0)
FROM insight_facts f CROSS JOIN action_items a
WHERE ` + c.String() + ` AND f.open_items > 0 AND a.incident_id = f.incident_id AND a.is_open = 1 AND a.inc_live = 1`
		args := append(append([]any{s.d.Date(f.AsOf)}, objArgs...), c.args...)
		return s.figQueryRow(ctx, s.d.Rebind(q), args...).Scan(&a.Overdue, &a.PastObjective)
	}
	c := p.itemCond()
	if _, ok := s.d.(ItemsOnePassDialect); ok {
		objSQL, objArgs := s.objectiveCond(f.Objectives, f.AsOf)
		q := `SELECT COALESCE(SUM(CASE WHEN a.target_date IS NOT NULL AND a.target_date < ? THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN ` + objSQL + ` THEN 1 ELSE 0 END), 0)
FROM action_items a WHERE a.is_open = 1 AND ` + c.String()
		args := append(append([]any{s.d.Date(f.AsOf)}, objArgs...), c.args...)
		return s.figQueryRowFresh(ctx, s.d.Rebind(q), args...).Scan(&a.Overdue, &a.PastObjective)
	}
	// one count through the target date index of open items, three (one
	// per priority) through their (priority, end) index: each reads only
	// the items it counts
	q := `SELECT (SELECT COUNT(*) FROM action_items a WHERE a.is_open = 1 AND a.target_date < ? AND ` + c.String() + `)`
	args := append([]any{s.d.Date(f.AsOf)}, c.args...)
	o := f.Objectives.OrDefault()
	for _, pr := range []hindsight.Priority{hindsight.P0, hindsight.P1, hindsight.P2} {
		d, _ := o.Days(pr)
		q += `,
    (SELECT COUNT(*) FROM action_items a WHERE a.is_open = 1 AND a.priority = ? AND a.inc_end_at < ? AND ` + c.String() + `)`
		args = append(append(args, string(pr), s.d.Time(f.AsOf.AddDate(0, 0, -d))), c.args...)
	}
	var p0, p1, p2 int
	if err := s.figQueryRowFresh(ctx, s.d.Rebind(q), args...).Scan(&a.Overdue, &p0, &p1, &p2); err != nil {
		return err
	}
	a.PastObjective = p0 + p1 + p2
	return nil
}

// insightUnpublished finishes the late-postmortem figure: insightCounts
// has counted the matching incidents that ended and are not Published;
// those that ended on or after the cut (few: the last days) are taken off,
// and the 50 that ended first are listed, from the facts in end order:
// those that ended at or after the range's start, and those that ended
// before their own Start (a data error, so the end order from the range's
// start misses them) through their partial index.
func (s *Store) insightUnpublished(ctx context.Context, p *insightPlan, f *hindsight.InsightsFilter, out *hindsight.Insights) error {
	if out.Unpublished.N == 0 {
		return nil
	}
	cut := f.AsOf.AddDate(0, 0, -f.UnpublishedDays).Unix()
	published := string(hindsight.StatusPublished)
	c := p.refineCond(s.noIndex)
	var recent int
	err := s.figQueryRowFresh(ctx, s.d.Rebind(`SELECT COUNT(*) FROM insight_facts f WHERE `+c.String()+` AND f.status <> ? AND f.end_key >= ?`),
		append(append([]any{}, c.args...), published, cut)...).Scan(&recent)
	if err != nil {
		return err
	}
	out.Unpublished.N -= recent
	if out.Unpublished.N <= 0 {
		out.Unpublished.N = 0
		return nil
	}
	type late struct {
		id  string
		key int64
		end time.Time
	}
	var list []late
	read := func(q string, args ...any) error {
		rows, err := s.figQueryFresh(ctx, s.d.Rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x late
			if err := rows.Scan(&x.id, &x.key, timeScan{&x.end}); err != nil {
				return err
			}
			list = append(list, x)
		}
		return rows.Err()
	}
	// end_key (whole seconds) orders like end_at: (end_key, end_at, id) is
	// the (end_at, id) order, read from the end index
	q := `SELECT i.id, f.end_key, i.end_at FROM insight_facts f CROSS JOIN incidents i
WHERE ` + c.String() + ` AND f.status <> ? AND f.end_key < ?%s AND i.id = f.incident_id
ORDER BY f.end_key, i.end_at, i.id LIMIT 50`
	args := append(append([]any{}, c.args...), published, cut)
	if !p.ranged || p.whole.lo == minKey {
		if err := read(fmt.Sprintf(q, ""), args...); err != nil {
			return err
		}
	} else {
		if err := read(fmt.Sprintf(q, ` AND f.end_key >= ?`), append(args, p.whole.lo)...); err != nil {
			return err
		}
		e := p.factCond("f", p.scope, &p.service, piece{r: p.whole, ranged: true})
		qe := `SELECT i.id, f.end_key, i.end_at FROM insight_facts f CROSS JOIN incidents i
WHERE ` + e.String() + ` AND f.end_key < f.start_key AND f.status <> ? AND f.end_key < ? AND i.id = f.incident_id
ORDER BY f.end_key, i.end_at, i.id LIMIT 50`
		if err := read(qe, append(append([]any{}, e.args...), published, cut)...); err != nil {
			return err
		}
		slices.SortFunc(list, func(a, b late) int {
			if a.key != b.key {
				return cmp.Compare(a.key, b.key)
			}
			if c := a.end.Compare(b.end); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
		list = slices.CompactFunc(list, func(a, b late) bool { return a.id == b.id })
	}
	for _, x := range list[:min(len(list), 50)] {
		out.Unpublished.IDs = append(out.Unpublished.IDs, x.id)
	}
	return nil
}

// fixedSQL selects, per service known to the rollups, the earliest Start
// key of an incident on it that the viewer sees, with action items all
// Closed: later incidents on the service are recurrences. Its arguments
// are fixedArgs'.
func fixedSQL(v hindsight.Viewer) (string, []any) {
	var c cond
	c.add(`x.scope = 1 AND x.service = s.service AND x.fixed = 1`)
	switch {
	case v.SeesAll():
	case v.UserID == "":
		c.add(`x.restricted = 0`)
	default:
		c.add(`(x.restricted = 0 OR `+memberExists(`x.incident_id`)+`)`, clean(v.UserID))
	}
	return `SELECT s.service AS service, (SELECT x.start_key FROM insight_facts x WHERE ` + c.String() + ` ORDER BY x.start_key LIMIT 1) AS k
FROM (SELECT DISTINCT service FROM insight_counts WHERE scope = 1 AND dims = 0) s`, c.args
}

// insightServices counts the matching incidents per service and the
// recurrences: matching incidents, started, on a service that had an
// earlier incident with action items all Closed (the viewer sees it).
// Per service, fix is the earliest such incident's start; whole rollup
// months after its month count entirely, its own month is counted from
// the facts, and live pieces compare each start with it.
func (s *Store) insightServices(ctx context.Context, p *insightPlan, out *hindsight.Insights) error {
	fsql, fargs := fixedSQL(p.v)
	fix := map[string]int64{}
	rows, err := s.figQuery(ctx, s.d.Rebind(fsql), fargs...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		var k *int64
		if err := rows.Scan(&name, &k); err != nil {
			rows.Close()
			return err
		}
		if k != nil {
			fix[name] = *k
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	n, rec := map[string]int{}, map[string]int{}
	if p.rollup && p.scope == 0 {
		dims := p.dimsHist
		var c cond
		c.add(`scope = 1 AND dims = ?`, dims)
		p.rollupCond(&c, dims == 1)
		q := `SELECT service, started, mon, SUM(n) FROM insight_counts WHERE ` + c.String() + ` GROUP BY service, started, mon`
		rows, err := s.figQuery(ctx, s.d.Rebind(q), c.args...)
		if err != nil {
			return err
		}
		type partial struct {
			service string
			mon     int
		}
		var partials []partial
		for rows.Next() {
			var name string
			var started, mon, k int
			if err := rows.Scan(&name, &started, &mon, &k); err != nil {
				rows.Close()
				return err
			}
			n[name] += k
			fk, ok := fix[name]
			if started != 1 || !ok || k == 0 {
				continue
			}
			switch fm := monthIndex(time.Unix(fk, 0)); {
			case mon > fm:
				rec[name] += k
			case mon == fm:
				partials = append(partials, partial{name, mon})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// the month of a service's first fix: count the later starts in it
		for _, x := range partials {
			var c cond
			c.add(`g.scope = 1 AND g.service = ? AND g.started = 1 AND g.start_key > ? AND g.start_key < ?`, x.service, fix[x.service], monthStart(x.mon+1).Unix())
			c.add(p.rolledIn(`g.restricted`))
			p.filters(&c, `g.severity`, `g.status`)
			var k int
			if err := s.figQueryRow(ctx, s.d.Rebind(`SELECT COUNT(*) FROM insight_facts g WHERE `+c.String()), c.args...).Scan(&k); err != nil {
				return err
			}
			rec[x.service] += k
		}
	}
	// live pieces: the services of their incidents, per service and sign
	// (a negative piece's are subtracted). Per service, the started ones
	// all count as recurrences when the earliest starts after the
	// service's fix (the usual case), none when the latest starts at or
	// before it; otherwise they are counted exactly, one query per such
	// service and sign.
	live := func(neg bool, extra string, extraArgs ...any) (string, []any) {
		var parts []string
		var args []any
		for _, x := range p.pieces {
			if x.neg != neg {
				continue
			}
			var c *cond
			from := `insight_facts g`
			if p.scope == 0 {
				c = p.factCond("g", 1, nil, x)
			} else {
				// the service's incidents, then all their services
				c = p.factCond("f", 1, &p.service, x)
				c.add(`g.incident_id = f.incident_id AND g.scope = 1`)
				from = `insight_facts f CROSS JOIN insight_facts g`
			}
			parts = append(parts, `SELECT g.service, g.started, g.start_key FROM `+from+` WHERE `+c.String()+extra)
			args = append(append(args, c.args...), extraArgs...)
		}
		return strings.Join(parts, "\nUNION ALL "), args
	}
	for _, neg := range []bool{false, true} {
		lq, largs := live(neg, "")
		if lq == "" {
			continue
		}
		sg := 1
		if neg {
			sg = -1
		}
		q := `SELECT l.service, COUNT(*), SUM(l.started), MIN(CASE WHEN l.started = 1 THEN l.start_key END), MAX(CASE WHEN l.started = 1 THEN l.start_key END)
FROM (` + lq + `) l GROUP BY l.service`
		rows, err := s.figQuery(ctx, s.d.Rebind(q), largs...)
		if err != nil {
			return err
		}
		var exact []string
		for rows.Next() {
			var name string
			var k, started int
			var first, last *int64
			if err := rows.Scan(&name, &k, &started, &first, &last); err != nil {
				rows.Close()
				return err
			}
			n[name] += sg * k
			fk, ok := fix[name]
			switch {
			case !ok || first == nil || *last <= fk:
			case *first > fk:
				rec[name] += sg * started
			default:
				exact = append(exact, name)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range exact {
			lq, largs := live(neg, ` AND g.service = ? AND g.started = 1 AND g.start_key > ?`, name, fix[name])
			var k int
			if err := s.figQueryRow(ctx, s.d.Rebind(`SELECT COUNT(*) FROM (`+lq+`) l`), largs...).Scan(&k); err != nil {
				return err
			}
			rec[name] += sg * k
		}
	}
	for name, k := range n {
		if k > 0 {
			out.ByService = append(out.ByService, hindsight.Count{Key: name, N: k, Share: share(k, out.Incidents)})
		}
		if r := rec[name]; r > 0 {
			out.Recurrences = append(out.Recurrences, hindsight.Count{Key: name, N: r, Share: share(r, out.Incidents)})
		}
	}
	// most first; recurrences tied on their count in the services' order
	slices.SortFunc(out.ByService, func(a, b hindsight.Count) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Key, b.Key)
	})
	slices.SortFunc(out.Recurrences, func(a, b hindsight.Count) int {
		if a.N != b.N {
			return b.N - a.N
		}
		if x, y := n[a.Key], n[b.Key]; x != y {
			return y - x
		}
		return strings.Compare(a.Key, b.Key)
	})
	return nil
}
