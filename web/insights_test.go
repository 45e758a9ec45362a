package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// TestInsightsAtAGlance: the insights page opens with headline tiles and
// their change against the previous period, then the trends by month as
// SVG with text alternatives and no inline styles, then the breakdowns;
// the default period is all time when the last 12 months hold fewer than
// 10 incidents and older ones exist.
func TestInsightsAtAGlance(t *testing.T) {
	e := newShellEnv(t)
	old := &hindsight.Postmortem{Title: "An old outage", Status: hindsight.StatusPublished}
	old.Summary.Start, _ = hindsight.ParseTime("2024-03-01 10:00")
	old.Summary.End = hindsight.TimeOf(old.Summary.Start.T.Add(90 * time.Minute))
	old.Summary.Severity = hindsight.Sev1
	old.Detection.TTM = hindsight.Minutes(45)
	if _, err := e.st.CreateIncident(context.Background(), hindsight.IncidentCreate{Doc: old, Author: "t"}); err != nil {
		t.Fatal(err)
	}
	st, body, _ := e.do(t, "GET", "/insights", nil)
	if st != 200 {
		t.Fatalf("insights: %d", st)
	}
	checkShell(t, "/insights", body)
	for _, want := range []string{
		"All time: the last 12 months hold fewer than 10 incidents",
		`id="tile-incidents"`, `<p class="tile-value">2</p>`, // the public ones: a and the old one
		`id="tile-time-to-mitigate"`, `id="tile-duration"`, `id="tile-action-items"`, `id="tile-overdue"`, `id="tile-unpublished"`,
		"Trends by month", `class="trend-chart"`, `<title id="trend-sev-title">Incidents by month and severity</title>`,
		`Mar 2024: 1 (SEV-1 1)`, `May 2026: 1 (SEV-2 1)`, `class="sev-fill-sev1"`, "Time to mitigate by month: median and p90",
		"Breakdowns", `id="chart-by-severity"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("insights lacks %q", want)
		}
	}
	if strings.Index(body, "tile-incidents") > strings.Index(body, "Trends by month") || strings.Index(body, "Trends by month") > strings.Index(body, "Breakdowns") {
		t.Error("the order is not tiles, trends, breakdowns")
	}
	if n := strings.Count(body, "How this is computed"); n < 6+2+5 {
		t.Errorf("%d 'How this is computed' disclosures", n)
	}
	if m := regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle=`).FindString(body); m != "" {
		t.Errorf("inline style attribute: %s", m)
	}

	// a period: the changes against the previous one of the same length
	_, body, _ = e.do(t, "GET", "/insights?from=2026-01-01&to=2026-12-31", nil)
	for _, want := range []string{"changes against the 12 months before", `<p class="tile-value">1</p>`, "&#43;1 vs the 12 months before", `class="tile-delta delta-bad"`} {
		if !strings.Contains(body, want) {
			t.Errorf("period insights lack %q", want)
		}
	}
	if strings.Contains(body, "All time") {
		t.Error("an explicit period became all time")
	}
}
