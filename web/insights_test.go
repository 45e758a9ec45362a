package web_test

import (
	"context"
	"encoding/json"
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

// TestInsightsCached: the insights page and GET /api/v1/insights come from
// the service's list-page cache, and the cache never shows what its reader
// may not see nor outlives a write: bob (a member of the restricted
// incident) reads first, then carol gets her own count; a new incident
// changes both counts at once; a refused query is a 400 every time.
func TestInsightsCached(t *testing.T) {
	e := newShellEnv(t)
	tile := regexp.MustCompile(`id="tile-incidents"[\s\S]*?<p class="tile-value">(\d+)</p>`)
	page := func(user string) string {
		t.Helper()
		st, body, _ := e.do(t, "GET", "/insights", nil, "X-User", user)
		if st != 200 {
			t.Fatalf("insights as %q: %d", user, st)
		}
		m := tile.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("insights as %q: no incidents tile", user)
		}
		return m[1]
	}
	api := func(user string) int {
		t.Helper()
		st, body, _ := e.do(t, "GET", "/api/v1/insights", nil, "X-User", user)
		if st != 200 {
			t.Fatalf("api insights as %q: %d %s", user, st, body)
		}
		var in hindsight.Insights
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			t.Fatalf("api insights as %q: %v", user, err)
		}
		return in.Incidents
	}
	check := func(step string, bobPage, carolPage string, bobAPI, carolAPI int) {
		t.Helper()
		for i := 0; i < 2; i++ { // the second read is the cached one
			if got := page("bob"); got != bobPage {
				t.Errorf("%s: bob's page (read %d) counts %s incidents, want %s", step, i+1, got, bobPage)
			}
			if got := page("carol"); got != carolPage {
				t.Errorf("%s: carol's page (read %d) counts %s incidents, want %s", step, i+1, got, carolPage)
			}
			if got := api("bob"); got != bobAPI {
				t.Errorf("%s: bob's API (read %d) counts %d incidents, want %d", step, i+1, got, bobAPI)
			}
			if got := api("carol"); got != carolAPI {
				t.Errorf("%s: carol's API (read %d) counts %d incidents, want %d", step, i+1, got, carolAPI)
			}
		}
	}
	check("start", "2", "1", 2, 1)
	if n, _ := e.svc.CacheStats(); n < 4 {
		t.Errorf("%d cached responses after four readers' pages and API answers, want at least 4", n)
	}

	p := &hindsight.Postmortem{Title: "A new outage", Status: hindsight.StatusDraft}
	p.Summary.Start, _ = hindsight.ParseTime("2026-10-01 10:00")
	p.Summary.Severity = hindsight.Sev3
	if _, err := e.st.CreateIncident(context.Background(), hindsight.IncidentCreate{Doc: p, Author: "t"}); err != nil {
		t.Fatal(err)
	}
	check("after a new incident", "3", "2", 3, 2)

	for i := 0; i < 2; i++ {
		if st, body, _ := e.do(t, "GET", "/insights?from=yesterday", nil, "X-User", "bob"); st != 400 || !strings.Contains(body, "from") {
			t.Errorf("insights?from=yesterday (read %d): %d, want 400 naming from", i+1, st)
		}
		if st, body, _ := e.do(t, "GET", "/api/v1/insights?from=yesterday", nil, "X-User", "bob"); st != 400 || !strings.Contains(body, `"from"`) {
			t.Errorf("api insights?from=yesterday (read %d): %d %s, want 400 naming from", i+1, st, body)
		}
	}
}
