package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// InsightTrends implements hindsight.InsightStore. The insights page's
// trends asked Insights once per month (twelve to thirty-six calls, each
// computing every figure); here the same figures come from the plan of
// the whole range in grouped queries: the counts by month and severity
// (rollups for the whole months, the facts for the rest, as insightCounts),
// the time to mitigate's bucket counts by month (as
// insightDistributions), then, per month, the few values at the ranks its
// median and p90 need from the one bucket that holds each (distribution,
// with the month as a condition: index insight_facts_ttm_mon).
func (s *Store) InsightTrends(ctx context.Context, v hindsight.Viewer, f hindsight.InsightsFilter) ([]hindsight.TrendMonth, error) {
	if !f.From.IsZero() && !f.Before.IsZero() && !f.From.Before(f.Before) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "insight trends: from (%s) must be before before (%s)", f.From.Format(time.DateOnly), f.Before.Format(time.DateOnly))
	}
	v, err := s.insightViewer(ctx, v)
	if err != nil {
		return nil, internal("insight trends", err)
	}
	p := s.planInsights(v, &f)
	months, err := s.trendCounts(ctx, p)
	if err != nil {
		return nil, internal("insight trends", err)
	}
	if len(months) == 0 {
		return []hindsight.TrendMonth{}, nil
	}
	hists, totals, err := s.trendHists(ctx, p)
	if err != nil {
		return nil, internal("insight trends", err)
	}
	out := make([]hindsight.TrendMonth, 0, len(months))
	for _, m := range months {
		mp := *p
		mp.month = m.mon
		d, err := s.distribution(ctx, &mp, metricTTM, hists[m.mon], totals[m.mon])
		if err != nil {
			return nil, internal("insight trends", err)
		}
		out = append(out, hindsight.TrendMonth{
			Month:     monthKey(m.mon),
			Incidents: m.n,
			BySeverity: counts(m.sev, m.n, func(a, b string) int {
				return severityRank(hindsight.Severity(a)) - severityRank(hindsight.Severity(b))
			}),
			TimeToMitigate: d,
		})
	}
	return out, nil
}

// trendMonth is one month's counts while they are read.
type trendMonth struct {
	mon int
	n   int
	sev map[string]int
}

// trendCounts counts the plan's started incidents by month and severity,
// oldest month first, from the rollup and the live pieces in one query.
func (s *Store) trendCounts(ctx context.Context, p *insightPlan) ([]trendMonth, error) {
	var parts []string
	var args []any
	if p.rollup {
		var c cond
		c.add(`scope = 0 AND dims = 1 AND service = '' AND started = 1`)
		p.rollupCond(&c, true)
		parts = append(parts, `SELECT mon, severity, n FROM insight_counts WHERE `+c.String())
		args = append(args, c.args...)
	}
	if live, largs := p.liveFacts(func(sg string) string { return `f.mon, f.severity, ` + sg + ` AS n` }, `f.started = 1`); live != "" {
		parts = append(parts, live)
		args = append(args, largs...)
	}
	q := `SELECT mon, severity, SUM(n) FROM (` + strings.Join(parts, "\nUNION ALL ") + `) x GROUP BY mon, severity ORDER BY mon`
	rows, err := s.figQueryFresh(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []trendMonth
	for rows.Next() {
		var mon, n int
		var sev string
		if err := rows.Scan(&mon, &sev, &n); err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		if len(out) == 0 || out[len(out)-1].mon != mon {
			out = append(out, trendMonth{mon: mon, sev: map[string]int{}})
		}
		m := &out[len(out)-1]
		m.n += n
		m.sev[sev] += n
	}
	return out, rows.Err()
}

// trendHists reads the time to mitigate's bucket counts (and sums) of the
// plan's started incidents by month, from the rollup and the live pieces
// in one query.
func (s *Store) trendHists(ctx context.Context, p *insightPlan) (map[int][]bucketCount, map[int]int64, error) {
	var parts []string
	var args []any
	if p.rollup && p.scope == 0 {
		var c cond
		c.add(`dims = ? AND started = 1 AND metric = ?`, p.dimsHist, metricTTM)
		p.rollupCond(&c, p.dimsHist == 1)
		parts = append(parts, `SELECT mon, bucket, n, total, derived FROM insight_hist WHERE `+c.String())
		args = append(args, c.args...)
	}
	col := metricCols[metricTTM]
	if live, largs := p.liveFacts(func(sg string) string {
		return `f.mon, f.` + col + `_b AS bucket, ` + sg + ` AS n, ` + sg + ` * f.` + col + ` AS total, ` + sg + ` * f.` + col + `_derived AS derived`
	}, `f.started = 1 AND f.`+col+` IS NOT NULL`); live != "" {
		parts = append(parts, live)
		args = append(args, largs...)
	}
	q := `SELECT mon, bucket, SUM(n), SUM(total), SUM(derived) FROM (` + strings.Join(parts, "\nUNION ALL ") + `) x
WHERE bucket IS NOT NULL GROUP BY mon, bucket ORDER BY mon, bucket`
	rows, err := s.figQueryFresh(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	hists, totals := map[int][]bucketCount{}, map[int]int64{}
	for rows.Next() {
		var mon int
		var b bucketCount
		var total int64
		if err := rows.Scan(&mon, &b.b, &b.n, &total, &b.derived); err != nil {
			return nil, nil, err
		}
		if b.n == 0 {
			continue
		}
		hists[mon] = append(hists[mon], b)
		totals[mon] += total
	}
	return hists, totals, rows.Err()
}
