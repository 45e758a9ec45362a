package insights

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

func TestParseObjectives(t *testing.T) {
	tests := []struct {
		in      string
		want    hindsight.Objectives
		wantErr string
	}{
		{"", hindsight.Objectives{P0: 14, P1: 28, P2: 56}, ""},
		{"P0=7", hindsight.Objectives{P0: 7, P1: 28, P2: 56}, ""},
		{"p0=1w, P1=3w ,P2=90d", hindsight.Objectives{P0: 7, P1: 21, P2: 90}, ""},
		{"P3=5", hindsight.DefaultObjectives, `"P3" is not P0, P1 or P2`},
		{"P0", hindsight.DefaultObjectives, `"P0" is not PRIORITY=DAYS`},
		{"P0=0", hindsight.DefaultObjectives, `P0: "0" is not a number of days`},
		{"P1=soon", hindsight.DefaultObjectives, `P1: "soon" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseObjectives(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || hindsight.ErrorCode(err) != hindsight.EInvalid {
					t.Fatalf("error = %v, want EInvalid containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %+v, %v; want %+v", got, err, tc.want)
			}
			if back, _ := ParseObjectives(FormatObjectives(got)); back != got {
				t.Errorf("round trip %q = %+v", FormatObjectives(got), back)
			}
		})
	}
}

func TestObjectives(t *testing.T) {
	end := time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC)
	o := hindsight.DefaultObjectives
	tests := []struct {
		p       hindsight.Priority
		st      hindsight.ItemStatus
		today   string
		suggest string
		past    bool
	}{
		{hindsight.P0, hindsight.ItemOpen, "2026-01-15", "2026-01-15", false}, // due today: not past
		{hindsight.P0, hindsight.ItemOpen, "2026-01-16", "2026-01-15", true},
		{hindsight.P0, hindsight.ItemClosed, "2026-06-01", "2026-01-15", false},
		{hindsight.P1, hindsight.ItemOpen, "2026-01-29", "2026-01-29", false},
		{hindsight.P2, hindsight.ItemOpen, "2026-02-27", "2026-02-26", true},
		{"high", hindsight.ItemOpen, "2030-01-01", "", false},
	}
	for _, tc := range tests {
		today, _ := hindsight.ParseDate(tc.today)
		d, ok := SuggestedTarget(o, tc.p, end)
		if got := d.String(); got != tc.suggest || ok != (tc.suggest != "") {
			t.Errorf("%s: suggested %q (%v), want %q", tc.p, got, ok, tc.suggest)
		}
		if got := PastObjective(o, tc.p, tc.st, end, today.T); got != tc.past {
			t.Errorf("%s %s on %s: past = %v, want %v", tc.p, tc.st, tc.today, got, tc.past)
		}
	}
	if _, ok := SuggestedTarget(o, hindsight.P0, time.Time{}); ok {
		t.Error("suggested a date for an incident without end")
	}
}

func TestWeek(t *testing.T) {
	for _, day := range []string{"2026-11-23", "2026-11-26", "2026-11-29"} {
		d, _ := hindsight.ParseDate(day)
		from, before := Week(d.T.Add(13 * time.Hour))
		if from.Format(time.DateOnly) != "2026-11-23" || before.Format(time.DateOnly) != "2026-11-30" {
			t.Errorf("Week(%s) = %s..%s, want 2026-11-23..2026-11-30", day, from, before)
		}
	}
}

func sample() *hindsight.Insights {
	return &hindsight.Insights{
		Incidents:    4,
		BySeverity:   []hindsight.Count{{Key: "SEV-1", N: 1, Share: 0.25}, {Key: "SEV-2", N: 3, Share: 0.75}},
		ByService:    []hindsight.Count{{Key: "<checkout>", N: 4, Share: 1}},
		TimeToDetect: hindsight.Distribution{N: 4, Mean: 16.25, Median: 15, P90: 25.5, Min: 5, Max: 30},
		Duration:     hindsight.Distribution{N: 4, Mean: 562.5, Median: 345, P90: 1230, Min: 60, Max: 1500},
		ActionItems:  hindsight.ActionItemFigures{Total: 5, Open: 2, Closed: 3, Overdue: 1, PastObjective: 2, CompletionRate: 0.6},
		Unpublished:  hindsight.Unpublished{Days: 14, N: 1, IDs: []string{"INC-20260215-001"}},
	}
}

func TestFigures(t *testing.T) {
	figs := Figures(sample())
	byID := map[string]Figure{}
	for _, f := range figs {
		if f.Formula == "" {
			t.Errorf("figure %s has no formula", f.ID)
		}
		byID[f.ID] = f
	}
	if got := byID["time-to-detect"].Rows[0]; strings.Join(got, "|") != "4|0|16.25|15|25.5|5|30" {
		t.Errorf("time to detect row = %q", got)
	}
	if got := byID["duration"].Rows[0][3]; got != "345 (05:45)" {
		t.Errorf("duration median = %q, want 345 (05:45)", got)
	}
	if got := byID["time-to-acknowledge"]; got.Chart != nil || got.Rows[0][2] != "—" {
		t.Errorf("empty TTA figure = %+v, want no chart and a dash", got)
	}
	if got := byID["by-severity"].Rows; len(got) != 2 || got[1][2] != "75%" {
		t.Errorf("severity rows = %q", got)
	}
	svg := string(byID["by-service"].Chart.SVG())
	for _, want := range []string{`<title id="chart-by-service-title">Incidents by service</title>`, `&lt;checkout&gt;`, `role="img"`, `width="260.0"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "<checkout>") {
		t.Error("SVG does not escape labels")
	}
	if svg != string(byID["by-service"].Chart.SVG()) {
		t.Error("SVG is not deterministic")
	}
	empty := (&Chart{ID: "x", Title: "X"}).SVG()
	if !strings.Contains(string(empty), "no data") {
		t.Errorf("empty chart = %s", empty)
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"incidents||n|4": true, "by_severity|SEV-2|share|0.75": true, "time_to_detect||p90_minutes|25.5": true,
		"duration||median_minutes|345": true, "action_items||completion_rate|0.6": true, "unpublished|INC-20260215-001|incident|1": true,
	}
	for _, r := range recs {
		delete(want, strings.Join(r, "|"))
		if strings.HasPrefix(strings.Join(r, "|"), "time_to_acknowledge||mean") {
			t.Errorf("empty distribution has a mean: %q", r)
		}
	}
	if len(want) > 0 {
		t.Errorf("CSV lacks %v", want)
	}
}

func TestWriteItemsCSV(t *testing.T) {
	it := hindsight.TrackedItem{Services: []string{"a", "b"}, Suggested: true}
	it.IncidentID, it.ID, it.Action, it.Owner = "INC-20260101-001", "AI-001", "=HYPERLINK(\"x\")", "@bob"
	it.Objective, _ = hindsight.ParseDate("2026-01-15")
	var b bytes.Buffer
	if err := WriteItemsCSV(&b, []hindsight.TrackedItem{it}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || len(recs[1]) != len(ItemColumns) {
		t.Fatalf("records = %q", recs)
	}
	row := map[string]string{}
	for i, c := range ItemColumns {
		row[c] = recs[1][i]
	}
	if row["action"] != `'=HYPERLINK("x")` || row["owner"] != "'@bob" || row["services"] != "a; b" || row["objective_date"] != "2026-01-15" || row["suggested"] != "true" {
		t.Errorf("row = %v", row)
	}
}

func TestShapeFigures(t *testing.T) {
	m := 42.5
	in := &hindsight.Insights{Incidents: 4,
		Filter:           hindsight.InsightsFilter{GroupFields: []string{"Customer tier", "Region"}},
		ByFactorCategory: []hindsight.Count{{Key: "change/config", N: 2, Share: 0.5, MedianTTM: &m}},
		ByTag:            []hindsight.Count{{Key: "=cmd", N: 1, Share: 0.25}},
		ByField:          map[string][]hindsight.Count{"Region": {{Key: "us-east-1", N: 3, Share: 0.75, MedianTTM: &m}}},
		RepeatFactors:    []hindsight.RepeatFactor{{Category: "capacity", Service: "checkout", Incidents: []string{"INC-1", "INC-2"}}},
	}
	rows := map[string][][]string{}
	for _, f := range Figures(in) {
		rows[f.ID] = f.Rows
	}
	checks := []struct {
		id   string
		want string
	}{
		{"by-factor-category", "change/config|2|50%|42.5"},
		{"by-tag", "=cmd|1|25%|—"},
		{"by-field-region", "us-east-1|3|75%|42.5"},
		{"repeat-factors", "capacity|checkout|2|INC-1 INC-2"},
	}
	for _, c := range checks {
		r, ok := rows[c.id]
		if !ok || len(r) != 1 || strings.Join(r[0], "|") != c.want {
			t.Errorf("%s: rows %q, want one row %q", c.id, r, c.want)
		}
	}
	if _, ok := rows["by-field-customer-tier"]; ok {
		t.Errorf("a field without a breakdown has a figure")
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, in); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range recs {
		got[strings.Join(r, ",")] = true
	}
	for _, want := range []string{"by_factor_category,change/config,median_ttm_minutes,42.5", "by_tag,'=cmd,n,1", "by_field:Region,us-east-1,share,0.75",
		"repeat_factors,capacity @ checkout,incident,INC-2"} {
		if !got[want] {
			t.Errorf("CSV lacks %q", want)
		}
	}
}
