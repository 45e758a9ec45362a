package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/insights"
)

// The insights page opens with headline tiles (each with its change
// against the previous period of the same length), then trends by month,
// then the breakdowns. The figures come from the store (InsightStore, one
// call per period and one for every month's trends); this file only lays
// them out.

// minDefaultIncidents: when the last 12 months hold fewer incidents than
// this, the default period is all time, so a young install shows its data.
const minDefaultIncidents = 10

// maxTrendMonths bounds the months the trends show (the latest ones).
const maxTrendMonths = 36

// tile is one headline figure.
type tile struct {
	ID      string
	Label   string
	Value   string
	Sub     string // a second figure under the value ("12 overdue")
	Delta   string // "+3 vs previous period", "" without one
	Trend   string // "up", "down" or "flat"
	Better  bool   // the change is an improvement
	Formula string
}

// trendMonth is one month of the trends.
type trendMonth struct {
	Key       string // 2026-03
	Label     string // Mar 2026
	Incidents int
	BySev     [5]int // SEV-1..SEV-4 at 1..4, other at 0
	TTM       hindsight.Distribution
}

// monthStart is the first instant of t's UTC month.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// periodQuery returns q with the period [from, before) as the page's from
// and to (inclusive) parameters; a zero from is no lower bound.
func periodQuery(q url.Values, from, before time.Time) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Del("format")
	out.Set("from", "")
	if !from.IsZero() {
		out.Set("from", from.Format(hindsight.DateLayout))
	}
	out.Set("to", before.AddDate(0, 0, -1).Format(hindsight.DateLayout))
	return out
}

// trends reads the months of the period (the latest maxTrendMonths) from
// the store in one call (InsightTrends); all-time periods start at the
// first month with data.
func (u *UI) trends(ctx context.Context, v hindsight.Viewer, q url.Values, in *hindsight.Insights) ([]trendMonth, error) {
	from, before := in.Filter.From, in.Filter.Before
	if before.IsZero() {
		before = u.svc.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	}
	if from.IsZero() {
		for _, c := range in.ByMonth {
			if t, err := time.Parse("2006-01", c.Key); err == nil && (from.IsZero() || t.Before(from)) {
				from = t
			}
		}
		if from.IsZero() {
			return nil, nil
		}
	}
	var out []trendMonth
	for m := monthStart(from); m.Before(before); m = m.AddDate(0, 1, 0) {
		out = append(out, trendMonth{Key: m.Format("2006-01"), Label: m.Format("Jan 2006")})
	}
	if len(out) > maxTrendMonths {
		out = out[len(out)-maxTrendMonths:]
	}
	if len(out) == 0 {
		return nil, nil
	}
	// the shown months only: from the first one's start (or from, when
	// later) to before
	lo, _ := time.Parse("2006-01", out[0].Key)
	if lo.Before(from) {
		lo = from
	}
	ms, err := u.fu.Trends(ctx, v, periodQuery(q, lo, before))
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]hindsight.TrendMonth, len(ms))
	for _, m := range ms {
		byKey[m.Month] = m
	}
	for i := range out {
		m, ok := byKey[out[i].Key]
		if !ok {
			continue
		}
		out[i].Incidents, out[i].TTM = m.Incidents, m.TimeToMitigate
		for _, c := range m.BySeverity {
			s, _ := hindsight.ParseSeverity(c.Key)
			out[i].BySev[s.Level()] += c.N
		}
	}
	return out, nil
}

// headline builds the tiles of in, with the changes against prev (nil:
// no previous period, as for all time).
func headline(in, prev *hindsight.Insights, period string) []tile {
	minutes := func(d hindsight.Distribution) (string, float64, bool) {
		if d.N == 0 {
			return "—", 0, false
		}
		return hindsight.HHMM(int(math.Round(d.Median))), d.Median, true
	}
	// change sets the tile's change; lower is better for every headline
	change := func(t *tile, cur, old float64, ok bool, fmtDelta func(float64) string) {
		if prev == nil || !ok {
			return
		}
		d := cur - old
		switch {
		case math.Abs(d) < 0.5:
			t.Delta, t.Trend, t.Better = "same as "+period, "flat", true
			return
		case d > 0:
			t.Trend = "up"
		default:
			t.Trend = "down"
		}
		t.Better = d < 0
		t.Delta = fmtDelta(d) + " vs " + period
	}
	count := func(d float64) string { return fmt.Sprintf("%+d", int(math.Round(d))) }
	dur := func(d float64) string {
		sign := "+"
		if d < 0 {
			sign, d = "−", -d
		}
		return sign + hindsight.HHMM(int(math.Round(d)))
	}
	var ts []tile

	t := tile{ID: "incidents", Label: "Incidents", Value: strconv.Itoa(in.Incidents), Formula: insights.FormulaCount}
	if prev != nil {
		change(&t, float64(in.Incidents), float64(prev.Incidents), true, count)
	}
	ts = append(ts, t)

	v, cur, ok := minutes(in.TimeToMitigate)
	t = tile{ID: "time-to-mitigate", Label: "Median time to mitigate", Value: v, Sub: fmt.Sprintf("p90 %s · %d incidents", hhmm(in.TimeToMitigate.P90), in.TimeToMitigate.N), Formula: insights.FormulaTTM + ". " + insights.FormulaStats}
	if !ok {
		t.Sub = "no incident states one"
	}
	if prev != nil {
		_, old, pok := minutes(prev.TimeToMitigate)
		change(&t, cur, old, ok && pok, dur)
	}
	ts = append(ts, t)

	v, cur, ok = minutes(in.Duration)
	t = tile{ID: "duration", Label: "Median duration", Value: v, Sub: fmt.Sprintf("p90 %s", hhmm(in.Duration.P90)), Formula: insights.FormulaDuration + ". " + insights.FormulaStats}
	if !ok {
		t.Sub = ""
	}
	if prev != nil {
		_, old, pok := minutes(prev.Duration)
		change(&t, cur, old, ok && pok, dur)
	}
	ts = append(ts, t)

	ai := in.ActionItems
	t = tile{ID: "action-items", Label: "Open action items", Value: strconv.Itoa(ai.Open), Sub: fmt.Sprintf("%d overdue · %d past objective", ai.Overdue, ai.PastObjective), Formula: insights.FormulaItems}
	if prev != nil {
		change(&t, float64(ai.Open), float64(prev.ActionItems.Open), true, count)
	}
	ts = append(ts, t)

	t = tile{ID: "overdue", Label: "Overdue action items", Value: strconv.Itoa(ai.Overdue), Sub: fmt.Sprintf("of %d open", ai.Open), Formula: insights.FormulaItems}
	if prev != nil {
		change(&t, float64(ai.Overdue), float64(prev.ActionItems.Overdue), true, count)
	}
	ts = append(ts, t)

	t = tile{ID: "unpublished", Label: "Postmortems late", Value: strconv.Itoa(in.Unpublished.N), Sub: fmt.Sprintf("not published %d days after the end", in.Unpublished.Days),
		Formula: strings.Replace(insights.FormulaUnpublished, "N days", strconv.Itoa(in.Unpublished.Days)+" days", 1)}
	if prev != nil {
		change(&t, float64(in.Unpublished.N), float64(prev.Unpublished.N), true, count)
	}
	ts = append(ts, t)
	return ts
}

// hhmm writes minutes as HH:MM.
func hhmm(m float64) string { return hindsight.HHMM(int(math.Round(m))) }

// Trend chart geometry (SVG user units; the chart scales to its box).
const (
	trendW, trendH           = 720, 240
	trendLeft, trendRight    = 60, 12
	trendTop, trendBottom    = 14, 40
	trendPlotW, trendPlotH   = trendW - trendLeft - trendRight, trendH - trendTop - trendBottom
	trendBarShare            = 0.68
	trendTicks               = 4
	trendLabelEvery          = 3
	trendSeverityClassPrefix = "sev-fill-"
)

// niceMax rounds v up to a round axis maximum.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// axis writes the horizontal grid lines with their values and the month
// labels.
func axis(b *strings.Builder, months []trendMonth, top float64, label func(float64) string) {
	for i := 0; i <= trendTicks; i++ {
		v := top * float64(i) / trendTicks
		y := float64(trendTop+trendPlotH) - float64(trendPlotH)*float64(i)/trendTicks
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, trendLeft, trendW-trendRight, y, y)
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, trendLeft-6, y+4, template.HTMLEscapeString(label(v)))
	}
	step := float64(trendPlotW) / float64(max(len(months), 1))
	every := 1
	if len(months) > 12 {
		every = trendLabelEvery
	}
	for i, m := range months {
		if i%every != 0 && i != len(months)-1 {
			continue
		}
		x := float64(trendLeft) + step*(float64(i)+0.5)
		fmt.Fprintf(b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, trendH-trendBottom+20, template.HTMLEscapeString(shortMonth(m, i)))
	}
}

// shortMonth labels a month on the axis: "Mar", with the year on January
// and the first month.
func shortMonth(m trendMonth, i int) string {
	t, _ := time.Parse("2006-01", m.Key)
	if i == 0 || t.Month() == time.January {
		return t.Format("Jan ’06")
	}
	return t.Format("Jan")
}

var sevNames = [5]string{"other", "SEV-1", "SEV-2", "SEV-3", "SEV-4"}

// severityTrendSVG is a stacked column per month: incidents by severity.
func severityTrendSVG(months []trendMonth) template.HTML {
	var desc []string
	top := 0
	for _, m := range months {
		top = max(top, m.Incidents)
		var parts []string
		for s := 1; s <= 4; s++ {
			if m.BySev[s] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", sevNames[s], m.BySev[s]))
			}
		}
		if m.BySev[0] > 0 {
			parts = append(parts, fmt.Sprintf("other %d", m.BySev[0]))
		}
		d := fmt.Sprintf("%s: %d", m.Label, m.Incidents)
		if len(parts) > 0 {
			d += " (" + strings.Join(parts, ", ") + ")"
		}
		desc = append(desc, d)
	}
	// whole incidents on every grid line
	ymax := float64(max(trendTicks, (top+trendTicks-1)/trendTicks*trendTicks))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="trend-sev-title trend-sev-desc">`, trendW, trendH)
	fmt.Fprintf(&b, `<title id="trend-sev-title">Incidents by month and severity</title><desc id="trend-sev-desc">%s</desc>`, template.HTMLEscapeString(strings.Join(desc, "; ")))
	axis(&b, months, ymax, func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) })
	step := float64(trendPlotW) / float64(max(len(months), 1))
	bw := step * trendBarShare
	for i, m := range months {
		x := float64(trendLeft) + step*float64(i) + (step-bw)/2
		y := float64(trendTop + trendPlotH)
		for _, s := range []int{1, 2, 3, 4, 0} {
			n := m.BySev[s]
			if n == 0 {
				continue
			}
			h := float64(n) / ymax * float64(trendPlotH)
			y -= h
			fmt.Fprintf(&b, `<rect class="%s%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d %s</title></rect>`,
				trendSeverityClassPrefix, strings.ToLower(strings.ReplaceAll(sevNames[s], "-", "")), x, y, bw, h, template.HTMLEscapeString(m.Label), n, sevNames[s])
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// mitigateTrendSVG draws the median and p90 time to mitigate per month as
// two lines (months without a figure leave a gap).
func mitigateTrendSVG(months []trendMonth) template.HTML {
	var desc []string
	top := 0.0
	for _, m := range months {
		if m.TTM.N == 0 {
			desc = append(desc, m.Label+": no figure")
			continue
		}
		top = max(top, m.TTM.P90, m.TTM.Median)
		desc = append(desc, fmt.Sprintf("%s: median %s, p90 %s (%d incidents)", m.Label, hhmm(m.TTM.Median), hhmm(m.TTM.P90), m.TTM.N))
	}
	ymax := niceMax(top)
	if top > 120 {
		ymax = niceMax(top/60) * 60 // whole hours on the grid
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="trend-ttm-title trend-ttm-desc">`, trendW, trendH)
	fmt.Fprintf(&b, `<title id="trend-ttm-title">Time to mitigate by month: median and p90</title><desc id="trend-ttm-desc">%s</desc>`, template.HTMLEscapeString(strings.Join(desc, "; ")))
	axis(&b, months, ymax, func(v float64) string { return hindsight.HHMM(int(math.Round(v))) })
	step := float64(trendPlotW) / float64(max(len(months), 1))
	line := func(class, name string, val func(hindsight.Distribution) float64) {
		var seg []string
		flush := func() {
			if len(seg) > 1 {
				fmt.Fprintf(&b, `<polyline class="%s" points="%s"/>`, class, strings.Join(seg, " "))
			}
			seg = nil
		}
		for i, m := range months {
			if m.TTM.N == 0 {
				flush()
				continue
			}
			x := float64(trendLeft) + step*(float64(i)+0.5)
			y := float64(trendTop+trendPlotH) - val(m.TTM)/ymax*float64(trendPlotH)
			seg = append(seg, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3.5"><title>%s: %s %s</title></circle>`, class, x, y, template.HTMLEscapeString(m.Label), name, hhmm(val(m.TTM)))
		}
		flush()
	}
	line("line-p90", "p90", func(d hindsight.Distribution) float64 { return d.P90 })
	line("line-median", "median", func(d hindsight.Distribution) float64 { return d.Median })
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
