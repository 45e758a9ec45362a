package insights

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// Figure is one figure of the insights page: a table, the definition of
// its numbers, and a chart of them (nil when a chart would not help).
type Figure struct {
	ID      string     `json:"id"`
	Title   string     `json:"title"`
	Formula string     `json:"formula"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	Chart   *Chart     `json:"-"`
}

// Num formats a figure: up to three decimals, no trailing zeros.
func Num(x float64) string {
	return strconv.FormatFloat(hindsight.Round3(x), 'f', -1, 64)
}

// Pct formats a share (0..1) as a percentage.
func Pct(x float64) string { return Num(x*100) + "%" }

// Minutes formats minutes as the figure and, past an hour, HH:MM.
func Minutes(x float64) string {
	if x >= 60 {
		return Num(x) + " (" + hindsight.HHMM(int(x+0.5)) + ")"
	}
	return Num(x)
}

// Definitions of the figures, as docs/metrics.md states them.
const (
	FormulaCount       = "count of incidents matching the filter (Start in [from, before)); share = count / incidents"
	FormulaService     = "incidents naming the service in Services Affected (names compared case-insensitively); an incident with two services counts for both, so shares can add up past 100%"
	FormulaMonth       = "incidents by the UTC month of their Start"
	FormulaDetection   = "incidents by Detected By, classified as Monitoring, Customer report, Internal team or Other (blank: not stated); share = count / incidents"
	FormulaTTD         = "time to detect = Detection Time − Start, in minutes; incidents with either time missing, or detection before start, are left out (N counts the rest)"
	FormulaTTA         = "TTA as stated in the postmortem; when not stated, the first timeline event mentioning \"acknowledg…\" at or after Detection Time, minus Detection Time (derived)"
	FormulaTTM         = "TTM as stated in the postmortem; when not stated, the first timeline event mentioning \"mitigat…\" at or after Detection Time, minus Detection Time (derived)"
	FormulaDuration    = "duration = End − Start, in minutes; the stated Duration when a time is missing (derived)"
	FormulaStats       = "mean = sum / N; median and p90 = percentile_cont(0.5) and (0.9): the value at rank 1 + p·(N−1) of the sorted values, interpolated linearly between the two nearest ranks (the median of an even N is the mean of the two middle values)"
	FormulaItems       = "action items of the matching incidents: open = not Closed; overdue = open with a target date before today; past objective = open and today after incident End + the objective of its priority; completion rate = closed / total"
	FormulaUnpublished = "matching incidents whose End is more than N days before today and whose postmortem status is not Published"
	FormulaRecurrence  = "matching incidents that hit a service which had an earlier incident (earlier Start) with action items, all of them Closed: did the fix work?"
	FormulaGroup       = "matching incidents by %s (compared case-insensitively; shown as the shape declares it, else as the oldest unrestricted incident with it writes it); an incident with two counts for both, so shares can add up past 100%%; share = count / incidents; median TTM = percentile_cont(0.5) of the time to mitigate (as stated, or derived from the timeline) of the counted incidents that have one"
	FormulaRepeat      = "a contributing-factor category recurring on a service: matching incidents naming the service in Services Affected and a factor of the category (\"[category] ...\"), each started at most 90 days after the one before; incidents lists those in such a chain, oldest first"
)

// GroupFormula is the definition of a breakdown by what (e.g. "tag").
func GroupFormula(what string) string { return fmt.Sprintf(FormulaGroup, what) }

// Figures lists the figures of in, in page order.
func Figures(in *hindsight.Insights) []Figure {
	var out []Figure
	counts := func(id, title, formula, key string, cs []hindsight.Count, blank string) {
		f := Figure{ID: id, Title: title, Formula: formula, Columns: []string{key, "incidents", "share"}, Rows: [][]string{}}
		ch := &Chart{ID: id, Title: title, Unit: "incidents"}
		for _, c := range cs {
			k := c.Key
			if k == "" {
				k = blank
			}
			f.Rows = append(f.Rows, []string{k, strconv.Itoa(c.N), Pct(c.Share)})
			ch.Bars = append(ch.Bars, Bar{Label: k, Value: float64(c.N), Text: strconv.Itoa(c.N)})
		}
		f.Chart = ch
		out = append(out, f)
	}
	out = append(out, Figure{ID: "incidents", Title: "Incidents", Formula: FormulaCount, Columns: []string{"incidents"},
		Rows: [][]string{{strconv.Itoa(in.Incidents)}}})
	counts("by-severity", "Incidents by severity", FormulaCount, "severity", in.BySeverity, "(not set)")
	counts("by-service", "Incidents by service", FormulaService, "service", in.ByService, "(not set)")
	counts("by-month", "Incidents by month", FormulaMonth, "month", in.ByMonth, "(no start)")
	counts("by-status", "Incidents by postmortem status", FormulaCount, "status", in.ByStatus, "Template")
	counts("detection", "Detected by", FormulaDetection, "source", in.Detection, "(not stated)")

	dists := []struct {
		id, title, formula string
		d                  hindsight.Distribution
	}{
		{"time-to-detect", "Time to detect (minutes)", FormulaTTD, in.TimeToDetect},
		{"time-to-acknowledge", "Time to acknowledge (minutes)", FormulaTTA, in.TimeToAcknowledge},
		{"time-to-mitigate", "Time to mitigate (minutes)", FormulaTTM, in.TimeToMitigate},
		{"duration", "Duration (minutes)", FormulaDuration, in.Duration},
	}
	for _, d := range dists {
		f := Figure{ID: d.id, Title: d.title, Formula: d.formula + ". " + FormulaStats,
			Columns: []string{"N", "derived", "mean", "median", "p90", "min", "max"}}
		if d.d.N == 0 {
			f.Rows = [][]string{{"0", "0", "—", "—", "—", "—", "—"}}
		} else {
			f.Rows = [][]string{{strconv.Itoa(d.d.N), strconv.Itoa(d.d.Derived), Minutes(d.d.Mean), Minutes(d.d.Median), Minutes(d.d.P90), Minutes(d.d.Min), Minutes(d.d.Max)}}
			f.Chart = &Chart{ID: d.id, Title: d.title, Unit: "minutes", Bars: []Bar{
				{Label: "median", Value: d.d.Median, Text: Minutes(d.d.Median)},
				{Label: "mean", Value: d.d.Mean, Text: Minutes(d.d.Mean)},
				{Label: "p90", Value: d.d.P90, Text: Minutes(d.d.P90)},
			}}
		}
		out = append(out, f)
	}
	a := in.ActionItems
	out = append(out, Figure{ID: "action-items", Title: "Action items", Formula: FormulaItems,
		Columns: []string{"total", "open", "closed", "overdue", "past objective", "completion rate"},
		Rows:    [][]string{{strconv.Itoa(a.Total), strconv.Itoa(a.Open), strconv.Itoa(a.Closed), strconv.Itoa(a.Overdue), strconv.Itoa(a.PastObjective), Pct(a.CompletionRate)}},
		Chart: &Chart{ID: "action-items", Title: "Action items", Unit: "items", Bars: []Bar{
			{Label: "closed", Value: float64(a.Closed), Text: strconv.Itoa(a.Closed)},
			{Label: "open", Value: float64(a.Open), Text: strconv.Itoa(a.Open)},
			{Label: "overdue", Value: float64(a.Overdue), Text: strconv.Itoa(a.Overdue)},
			{Label: "past objective", Value: float64(a.PastObjective), Text: strconv.Itoa(a.PastObjective)},
		}}})
	u := in.Unpublished
	out = append(out, Figure{ID: "unpublished", Title: fmt.Sprintf("Postmortems not published %d days after the end", u.Days),
		Formula: strings.Replace(FormulaUnpublished, "N days", strconv.Itoa(u.Days)+" days", 1),
		Columns: []string{"incidents", "oldest (up to 50)"}, Rows: [][]string{{strconv.Itoa(u.N), strings.Join(u.IDs, " ")}}})
	counts("recurrences", "Recurrences by service", FormulaRecurrence, "service", in.Recurrences, "(not set)")
	groups := func(id, title, key string, cs []hindsight.Count) {
		f := Figure{ID: id, Title: title, Formula: GroupFormula(key), Columns: []string{key, "incidents", "share", "median TTM (minutes)"}, Rows: [][]string{}}
		ch := &Chart{ID: id, Title: title, Unit: "incidents"}
		for _, c := range cs {
			m := "—"
			if c.MedianTTM != nil {
				m = Minutes(*c.MedianTTM)
			}
			f.Rows = append(f.Rows, []string{c.Key, strconv.Itoa(c.N), Pct(c.Share), m})
			ch.Bars = append(ch.Bars, Bar{Label: c.Key, Value: float64(c.N), Text: strconv.Itoa(c.N)})
		}
		f.Chart = ch
		out = append(out, f)
	}
	groups("by-factor-category", "Incidents by contributing-factor category", "factor category", in.ByFactorCategory)
	groups("by-tag", "Incidents by tag", "tag", in.ByTag)
	for _, name := range fieldNames(in) {
		groups("by-field-"+slug(name), "Incidents by "+name, name, in.ByField[name])
	}
	rf := Figure{ID: "repeat-factors", Title: "Repeat factors (within 90 days on a service)", Formula: FormulaRepeat,
		Columns: []string{"factor category", "service", "incidents", "incident IDs"}, Rows: [][]string{}}
	for _, r := range in.RepeatFactors {
		rf.Rows = append(rf.Rows, []string{r.Category, r.Service, strconv.Itoa(len(r.Incidents)), strings.Join(r.Incidents, " ")})
	}
	out = append(out, rf)
	return out
}

// fieldNames are the fields of in.ByField in the order the filter named
// them.
func fieldNames(in *hindsight.Insights) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range in.Filter.GroupFields {
		if _, ok := in.ByField[n]; ok && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// slug makes a figure ID of a field name: lower case letters and digits,
// other runs as one "-".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// WriteJSON writes in as indented JSON.
func WriteJSON(w io.Writer, in *hindsight.Insights) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(in)
}

// WriteCSV writes every figure of in in long form: figure, key, measure,
// value (one number per row, so a spreadsheet can pivot it).
func WriteCSV(w io.Writer, in *hindsight.Insights) error {
	cw := csv.NewWriter(w)
	put := func(fig, key, measure, value string) { _ = cw.Write([]string{fig, key, measure, value}) }
	put("figure", "key", "measure", "value")
	put("incidents", "", "n", strconv.Itoa(in.Incidents))
	for _, g := range []struct {
		id string
		cs []hindsight.Count
	}{{"by_severity", in.BySeverity}, {"by_status", in.ByStatus}, {"by_service", in.ByService}, {"by_month", in.ByMonth},
		{"detection", in.Detection}, {"recurrences", in.Recurrences}} {
		for _, c := range g.cs {
			put(g.id, c.Key, "n", strconv.Itoa(c.N))
			put(g.id, c.Key, "share", Num(c.Share))
		}
	}
	for _, d := range []struct {
		id string
		d  hindsight.Distribution
	}{{"time_to_detect", in.TimeToDetect}, {"time_to_acknowledge", in.TimeToAcknowledge}, {"time_to_mitigate", in.TimeToMitigate}, {"duration", in.Duration}} {
		put(d.id, "", "n", strconv.Itoa(d.d.N))
		put(d.id, "", "derived", strconv.Itoa(d.d.Derived))
		if d.d.N > 0 {
			for _, m := range []struct {
				k string
				v float64
			}{{"mean", d.d.Mean}, {"median", d.d.Median}, {"p90", d.d.P90}, {"min", d.d.Min}, {"max", d.d.Max}} {
				put(d.id, "", m.k+"_minutes", Num(m.v))
			}
		}
	}
	a := in.ActionItems
	for _, m := range []struct {
		k string
		v int
	}{{"total", a.Total}, {"open", a.Open}, {"closed", a.Closed}, {"overdue", a.Overdue}, {"past_objective", a.PastObjective}} {
		put("action_items", "", m.k, strconv.Itoa(m.v))
	}
	put("action_items", "", "completion_rate", Num(a.CompletionRate))
	put("unpublished", "", "days", strconv.Itoa(in.Unpublished.Days))
	put("unpublished", "", "n", strconv.Itoa(in.Unpublished.N))
	for _, id := range in.Unpublished.IDs {
		put("unpublished", id, "incident", "1")
	}
	group := func(id string, cs []hindsight.Count) {
		for _, c := range cs {
			put(id, SafeCell(c.Key), "n", strconv.Itoa(c.N))
			put(id, SafeCell(c.Key), "share", Num(c.Share))
			if c.MedianTTM != nil {
				put(id, SafeCell(c.Key), "median_ttm_minutes", Num(*c.MedianTTM))
			}
		}
	}
	group("by_factor_category", in.ByFactorCategory)
	group("by_tag", in.ByTag)
	for _, name := range fieldNames(in) {
		group("by_field:"+name, in.ByField[name])
	}
	for _, r := range in.RepeatFactors {
		key := SafeCell(r.Category + " @ " + r.Service)
		put("repeat_factors", key, "n", strconv.Itoa(len(r.Incidents)))
		for _, id := range r.Incidents {
			put("repeat_factors", key, "incident", id)
		}
	}
	cw.Flush()
	return cw.Error()
}

// ItemColumns are the columns of the action item CSV export.
var ItemColumns = []string{"incident_id", "incident_title", "severity", "incident_status", "services", "item_id", "action", "owner",
	"priority", "target_date", "status", "objective_date", "suggested", "overdue", "past_objective"}

// ItemRecord is one tracked item as CSV fields (ItemColumns).
func ItemRecord(it hindsight.TrackedItem) []string {
	return []string{it.IncidentID, it.IncidentTitle, string(it.IncidentSeverity), it.IncidentStatus.Label(), strings.Join(it.Services, "; "),
		it.ID, it.Action, it.Owner, string(it.Priority), it.TargetDate.String(), string(it.Status), it.Objective.String(),
		strconv.FormatBool(it.Suggested), strconv.FormatBool(it.Overdue), strconv.FormatBool(it.PastObjective)}
}

// WriteItemsCSV writes tracked items as CSV with a header row. Fields that
// a spreadsheet would run as a formula (starting with = + - @) are
// prefixed with a quote.
func WriteItemsCSV(w io.Writer, items []hindsight.TrackedItem) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(ItemColumns)
	for _, it := range items {
		rec := ItemRecord(it)
		for i, f := range rec {
			rec[i] = SafeCell(f)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell defuses spreadsheet formula injection: a cell starting with
// = + - @ (or a tab or carriage return) gets a leading apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
