package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// RunInsights runs the insights conformance tests against stores made by
// open, which must also implement hindsight.InsightStore. Every expected
// figure is computed by hand in the comments of insightFixture.
func RunInsights(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s insightStore, f *fixture)
	}{
		{"Figures", testInsightFigures},
		{"Ranges", testInsightRanges},
		{"Filters", testInsightFilters},
		{"BadFilter", testInsightBadFilter},
		{"Tracker", testTracker},
		{"TrackerKeyset", testTrackerKeyset},
		{"OwnerCounts", testOwnerCounts},
		{"RelatedAndRecurrences", testRelated},
		{"Gauges", testGauges},
		{"MaintainedOnSave", testInsightMaintained},
		{"Reference", testInsightReference},
		{"ShapeReference", testInsightShapeReference},
		{"ShapeEmptyRange", testInsightShapeEmptyRange},
		{"RepeatedReference", testInsightRepeatedReference},
		{"Trends", testInsightTrends},
		{"RollupsMatchMigration", testInsightMigration},
		{"ConcurrentSaves", testInsightConcurrentSaves},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t, open)
			s, ok := st.(insightStore)
			if !ok {
				t.Fatalf("%T does not implement hindsight.InsightStore", st)
			}
			tc.fn(t, s, insightFixture(t, s))
		})
	}
}

type insightStore interface {
	hindsight.Store
	hindsight.InsightStore
}

// fixture holds the Incident IDs of the insight fixture, by letter.
type fixture struct{ A, B, C, D, E string }

// asOf is "today" of the insight tests.
var asOf = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

type incSpec struct {
	title, start   string
	detect, end    int // minutes after start
	tta, ttm       int // -1 when not stated
	sev, status    string
	services       []string
	detectedBy     string
	events         []hindsight.Event
	items          []hindsight.ActionItem
	factors        []string
	restrictedTo   string
	executive      string
	primaryFactors string
}

func (s incSpec) doc() *hindsight.Postmortem {
	p := &hindsight.Postmortem{Title: s.title, Version: "1.0", Status: hindsight.Status(s.status), Owner: "alice", ExecutiveSummary: s.executive}
	st := tm(s.start)
	p.Summary.Start = st
	p.Summary.End = hindsight.TimeOf(st.T.Add(time.Duration(s.end) * time.Minute))
	p.Summary.Duration = hindsight.Minutes(s.end)
	p.Summary.Severity = hindsight.Severity(s.sev)
	for _, n := range s.services {
		p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: n, Impact: "degraded"})
	}
	p.Detection.DetectedBy = s.detectedBy
	p.Detection.DetectionTime = hindsight.TimeOf(st.T.Add(time.Duration(s.detect) * time.Minute))
	if s.tta >= 0 {
		p.Detection.TTA = hindsight.Minutes(s.tta)
	}
	if s.ttm >= 0 {
		p.Detection.TTM = hindsight.Minutes(s.ttm)
	}
	p.Timeline = append([]hindsight.Event{{Time: st, Event: "Errors begin"}}, s.events...)
	p.Timeline = append(p.Timeline, hindsight.Event{Time: p.Summary.End, Event: "Resolved"})
	p.RootCause.Primary = s.primaryFactors
	p.RootCause.Factors = s.factors
	p.ActionItems = s.items
	return p
}

func item(id, owner, prio, target, status string) hindsight.ActionItem {
	a := hindsight.ActionItem{ID: id, Action: "fix " + id, Owner: owner, Priority: hindsight.Priority(prio), Status: hindsight.ItemStatus(status)}
	if target != "" {
		a.TargetDate = date(target)
	}
	return a
}

// insightFixture creates five incidents. Times in minutes after Start:
//
//	   start             sev    status     services            detect end   TTA     TTM     by
//	A  2026-01-10 10:00  SEV-1  Published  checkout, payments  5      90    4       30      Monitoring
//	B  2026-02-15 08:00  SEV-2  Draft      checkout            15     1500  10      60      Customer report
//	C  2026-02-20 12:00  SEV-2  In Review  search              30     60    (7)     20      Monitoring
//	D  2026-03-05 00:00  SEV-3  Published  checkout            15     600   2       -       Internal team
//	E  2026-03-10 06:00  SEV-1  Published  checkout            100    200   50      90      Monitoring  (restricted to bob)
//
// C states no TTA: the timeline's "acknowledged" event 7 minutes after
// detection gives it (derived). D states no TTM and its timeline has no
// mitigation event, so it has none. Action items (owner, priority, target,
// status): A: alice P0 2026-01-20 Closed, bob P1 2026-02-01 Closed;
// B: alice P0 2026-03-01 Open, carol P2 (none) Open; C: dave P1 (none)
// Closed; E: alice P0 2026-03-20 Open.
func insightFixture(t *testing.T, s hindsight.Store) *fixture {
	t.Helper()
	specs := []incSpec{
		{title: "Checkout latency from connection pool exhaustion", start: "2026-01-10 10:00", detect: 5, end: 90, tta: 4, ttm: 30, sev: "SEV-1", status: "Published",
			services: []string{"checkout", "payments"}, detectedBy: "Monitoring (Prometheus alert)",
			factors: []string{"Connection pool exhaustion under retry storm", "No load test of the new client"},
			items:   []hindsight.ActionItem{item("AI-001", "alice", "P0", "2026-01-20", "Closed"), item("AI-002", "bob", "P1", "2026-02-01", "Closed")}},
		{title: "Checkout errors for EU customers", start: "2026-02-15 08:00", detect: 15, end: 1500, tta: 10, ttm: 60, sev: "SEV-2", status: "Draft",
			services: []string{"checkout"}, detectedBy: "Customer report via support",
			factors: []string{"Connection pool exhaustion after deploy"},
			items:   []hindsight.ActionItem{item("AI-001", "alice", "P0", "2026-03-01", "Open"), item("AI-002", "carol", "P2", "", "Open")}},
		{title: "Search index lag", start: "2026-02-20 12:00", detect: 30, end: 60, tta: -1, ttm: 20, sev: "SEV-2", status: "In Review",
			services: []string{"search"}, detectedBy: "Monitoring",
			events: []hindsight.Event{{Time: tm("2026-02-20 12:37"), Event: "Dave acknowledged the page"}},
			items:  []hindsight.ActionItem{item("AI-001", "dave", "P1", "", "Closed")}},
		{title: "Checkout slow after cache flush", start: "2026-03-05 00:00", detect: 15, end: 600, tta: 2, ttm: -1, sev: "SEV-3", status: "Published",
			services: []string{"Checkout"}, detectedBy: "Internal team noticed"},
		{title: "Checkout outage (restricted)", start: "2026-03-10 06:00", detect: 100, end: 200, tta: 50, ttm: 90, sev: "SEV-1", status: "Published",
			services: []string{"checkout"}, detectedBy: "Monitoring", restrictedTo: "bob",
			items: []hindsight.ActionItem{item("AI-001", "alice", "P0", "2026-03-20", "Open")}},
	}
	var got []string
	for _, sp := range specs {
		c := hindsight.IncidentCreate{Doc: sp.doc(), Author: "alice"}
		if sp.restrictedTo != "" {
			c.Restricted, c.Members = true, []string{sp.restrictedTo}
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatalf("create %q: %v", sp.title, err)
		}
		got = append(got, inc.ID)
	}
	return &fixture{got[0], got[1], got[2], got[3], got[4]}
}

var anon = hindsight.Viewer{}

func year2026() hindsight.InsightsFilter {
	return hindsight.InsightsFilter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Before: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), AsOf: asOf}
}

func checkDist(t *testing.T, name string, got, want hindsight.Distribution) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", name, got, want)
	}
}

func checkCounts(t *testing.T, name string, got []hindsight.Count, want string) {
	t.Helper()
	var parts []string
	for _, c := range got {
		parts = append(parts, c.Key+"="+strconv.Itoa(c.N))
	}
	if g := strings.Join(parts, " "); g != want {
		t.Errorf("%s = %q, want %q", name, g, want)
	}
}

func testInsightFigures(t *testing.T, s insightStore, f *fixture) {
	// The anonymous viewer sees A-D.
	in, err := s.Insights(ctx(t), anon, year2026())
	if err != nil {
		t.Fatal(err)
	}
	if in.Incidents != 4 {
		t.Fatalf("incidents = %d, want 4", in.Incidents)
	}
	checkCounts(t, "by severity", in.BySeverity, "SEV-1=1 SEV-2=2 SEV-3=1")
	checkCounts(t, "by status", in.ByStatus, "Draft=1 In Review=1 Published=2")
	checkCounts(t, "by month", in.ByMonth, "2026-01=1 2026-02=2 2026-03=1")
	checkCounts(t, "by service", in.ByService, "checkout=3 payments=1 search=1")
	checkCounts(t, "detection", in.Detection, "Monitoring=2 Customer report=1 Internal team=1")
	if in.Detection[0].Share != 0.5 {
		t.Errorf("monitoring share = %v, want 0.5", in.Detection[0].Share)
	}
	// TTD [5 15 15 30]: mean 65/4, median (15+15)/2 (a tie), p90 at rank
	// 1+0.9*3 = 3.7: 15 + 0.7*(30-15) = 25.5.
	checkDist(t, "time to detect", in.TimeToDetect, hindsight.Distribution{N: 4, Mean: 16.25, Median: 15, P90: 25.5, Min: 5, Max: 30})
	// TTA [2 4 7 10], 7 derived: mean 23/4, median (4+7)/2, p90 7+0.7*3.
	checkDist(t, "TTA", in.TimeToAcknowledge, hindsight.Distribution{N: 4, Mean: 5.75, Median: 5.5, P90: 9.1, Min: 2, Max: 10, Derived: 1})
	// TTM [20 30 60]: mean 110/3, median 30, p90 at rank 1+0.9*2 = 2.8:
	// 30 + 0.8*30 = 54.
	checkDist(t, "TTM", in.TimeToMitigate, hindsight.Distribution{N: 3, Mean: 36.667, Median: 30, P90: 54, Min: 20, Max: 60})
	// Duration [60 90 600 1500] (B is over 24 hours): mean 2250/4, median
	// (90+600)/2, p90 600 + 0.7*900.
	checkDist(t, "duration", in.Duration, hindsight.Distribution{N: 4, Mean: 562.5, Median: 345, P90: 1230, Min: 60, Max: 1500})
	// Items of A-D: 5, 3 closed; B's P0 is past its target (2026-03-01);
	// both of B's open items are past their objectives (B ended
	// 2026-02-16: P0 by 03-02, P2 by 04-13).
	wantItems := hindsight.ActionItemFigures{Total: 5, Open: 2, Closed: 3, Overdue: 1, PastObjective: 2, CompletionRate: 0.6}
	if in.ActionItems != wantItems {
		t.Errorf("action items = %+v, want %+v", in.ActionItems, wantItems)
	}
	// B (Draft) and C (In Review) ended long before 14 days ago; B first.
	if in.Unpublished.N != 2 || !slices.Equal(in.Unpublished.IDs, []string{f.B, f.C}) || in.Unpublished.Days != 14 {
		t.Errorf("unpublished = %+v, want 2 [%s %s] after 14 days", in.Unpublished, f.B, f.C)
	}
	// B and D hit checkout after A, whose items are all closed.
	checkCounts(t, "recurrences", in.Recurrences, "checkout=2")

	// bob also sees E: TTD [5 15 15 30 100]: mean 33, median 15, p90 at
	// rank 4.6: 30 + 0.6*70 = 72.
	in, err = s.Insights(ctx(t), hindsight.Viewer{UserID: "bob"}, year2026())
	if err != nil {
		t.Fatal(err)
	}
	if in.Incidents != 5 {
		t.Fatalf("bob: incidents = %d, want 5", in.Incidents)
	}
	checkDist(t, "bob: time to detect", in.TimeToDetect, hindsight.Distribution{N: 5, Mean: 33, Median: 15, P90: 72, Min: 5, Max: 100})
	checkCounts(t, "bob: recurrences", in.Recurrences, "checkout=3")
	if in.ActionItems.Total != 6 || in.ActionItems.Overdue != 2 {
		t.Errorf("bob: action items = %+v, want 6 items, 2 overdue", in.ActionItems)
	}
	// carol is not a member of E: the same as anonymous.
	in, err = s.Insights(ctx(t), hindsight.Viewer{UserID: "carol"}, year2026())
	if err != nil {
		t.Fatal(err)
	}
	if in.Incidents != 4 {
		t.Errorf("carol: incidents = %d, want 4", in.Incidents)
	}
}

func testInsightRanges(t *testing.T, s insightStore, f *fixture) {
	day := func(s string) time.Time { return date(s).T }
	tests := []struct {
		name     string
		from, to time.Time
		n        int
		ttd      hindsight.Distribution
		dur      hindsight.Distribution
	}{
		// Nothing in 2025: every figure is empty.
		{"Empty", day("2025-01-01"), day("2026-01-01"), 0, hindsight.Distribution{}, hindsight.Distribution{}},
		// January holds A alone: every statistic is its value.
		{"Single", day("2026-01-01"), day("2026-02-01"), 1,
			hindsight.Distribution{N: 1, Mean: 5, Median: 5, P90: 5, Min: 5, Max: 5},
			hindsight.Distribution{N: 1, Mean: 90, Median: 90, P90: 90, Min: 90, Max: 90}},
		// February holds B and C: TTD [15 30], duration [60 1500].
		{"Two", day("2026-02-01"), day("2026-03-01"), 2,
			hindsight.Distribution{N: 2, Mean: 22.5, Median: 22.5, P90: 28.5, Min: 15, Max: 30},
			hindsight.Distribution{N: 2, Mean: 780, Median: 780, P90: 1356, Min: 60, Max: 1500}},
		// From is inclusive, Before exclusive: A starts at 10:00 exactly.
		{"Bounds", day("2026-01-10").Add(10 * time.Hour), day("2026-02-15").Add(8 * time.Hour), 1,
			hindsight.Distribution{N: 1, Mean: 5, Median: 5, P90: 5, Min: 5, Max: 5},
			hindsight.Distribution{N: 1, Mean: 90, Median: 90, P90: 90, Min: 90, Max: 90}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := s.Insights(ctx(t), anon, hindsight.InsightsFilter{From: tc.from, Before: tc.to, AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			if in.Incidents != tc.n {
				t.Errorf("incidents = %d, want %d", in.Incidents, tc.n)
			}
			checkDist(t, "time to detect", in.TimeToDetect, tc.ttd)
			checkDist(t, "duration", in.Duration, tc.dur)
			if tc.n == 0 {
				if len(in.BySeverity)+len(in.ByMonth)+len(in.ByService)+len(in.Recurrences) != 0 || in.ActionItems != (hindsight.ActionItemFigures{}) {
					t.Errorf("empty range has figures: %+v", in)
				}
				if js := jsonOf(t, in.TimeToDetect); js != `{"n":0,"mean":null,"median":null,"p90":null,"min":null,"max":null,"derived":0}` {
					t.Errorf("empty distribution JSON = %s", js)
				}
			}
		})
	}
}

func testInsightFilters(t *testing.T, s insightStore, f *fixture) {
	tests := []struct {
		name   string
		filter func(*hindsight.InsightsFilter)
		n      int
		ttd    hindsight.Distribution
	}{
		{"Severity", func(x *hindsight.InsightsFilter) { x.Severity = []hindsight.Severity{"SEV-2"} }, 2,
			hindsight.Distribution{N: 2, Mean: 22.5, Median: 22.5, P90: 28.5, Min: 15, Max: 30}},
		// service names compare case-insensitively: D's "Checkout" counts.
		{"Service", func(x *hindsight.InsightsFilter) { x.Service = "CHECKOUT" }, 3,
			hindsight.Distribution{N: 3, Mean: 11.667, Median: 15, P90: 15, Min: 5, Max: 15}},
		{"Status", func(x *hindsight.InsightsFilter) { x.Status = []hindsight.Status{"Published"} }, 2,
			hindsight.Distribution{N: 2, Mean: 10, Median: 10, P90: 14, Min: 5, Max: 15}},
		{"NoRange", func(x *hindsight.InsightsFilter) { x.From, x.Before = time.Time{}, time.Time{} }, 4,
			hindsight.Distribution{N: 4, Mean: 16.25, Median: 15, P90: 25.5, Min: 5, Max: 30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := year2026()
			tc.filter(&x)
			in, err := s.Insights(ctx(t), anon, x)
			if err != nil {
				t.Fatal(err)
			}
			if in.Incidents != tc.n {
				t.Errorf("incidents = %d, want %d", in.Incidents, tc.n)
			}
			checkDist(t, "time to detect", in.TimeToDetect, tc.ttd)
		})
	}
	// A grace period of 300 days: C ended 2026-02-20 13:00, B 02-16 09:00;
	// 300 days before 2026-11-26 is 2026-01-30, so neither is late yet.
	x := year2026()
	x.UnpublishedDays = 300
	in, err := s.Insights(ctx(t), anon, x)
	if err != nil {
		t.Fatal(err)
	}
	if in.Unpublished.N != 0 {
		t.Errorf("unpublished after 300 days = %+v, want none", in.Unpublished)
	}
}

func testInsightBadFilter(t *testing.T, s insightStore, f *fixture) {
	x := year2026()
	x.From, x.Before = x.Before, x.From
	_, err := s.Insights(ctx(t), anon, x)
	wantCode(t, "from after before", err, hindsight.EInvalid)
	x = year2026()
	x.UnpublishedDays = -1
	_, err = s.Insights(ctx(t), anon, x)
	wantCode(t, "negative days", err, hindsight.EInvalid)
	_, err = s.TrackActionItems(ctx(t), anon, hindsight.ActionItemQuery{Sort: "color"})
	wantCode(t, "bad sort", err, hindsight.EInvalid)
}

func itemKeys(items []hindsight.TrackedItem, f *fixture) string {
	name := map[string]string{f.A: "A", f.B: "B", f.C: "C", f.D: "D", f.E: "E"}
	var out []string
	for _, it := range items {
		out = append(out, name[it.IncidentID]+":"+it.ID)
	}
	return strings.Join(out, " ")
}

func testTracker(t *testing.T, s insightStore, f *fixture) {
	q := func(mod func(*hindsight.ActionItemQuery)) hindsight.ActionItemQuery {
		x := hindsight.ActionItemQuery{AsOf: asOf}
		if mod != nil {
			mod(&x)
		}
		return x
	}
	tests := []struct {
		name  string
		v     hindsight.Viewer
		q     hindsight.ActionItemQuery
		want  string
		total int
	}{
		// by target date, items without one last (then incident, position)
		{"All", anon, q(nil), "A:AI-001 A:AI-002 B:AI-001 B:AI-002 C:AI-001", 5},
		{"Bob sees E", hindsight.Viewer{UserID: "bob"}, q(nil), "A:AI-001 A:AI-002 B:AI-001 E:AI-001 B:AI-002 C:AI-001", 6},
		{"MyItems", anon, q(func(x *hindsight.ActionItemQuery) { x.Owner = "ALICE" }), "A:AI-001 B:AI-001", 2},
		{"Overdue", anon, q(func(x *hindsight.ActionItemQuery) { x.Overdue = true }), "B:AI-001", 1},
		{"PastObjective", anon, q(func(x *hindsight.ActionItemQuery) { x.PastObjective = true }), "B:AI-001 B:AI-002", 2},
		{"Open", anon, q(func(x *hindsight.ActionItemQuery) { x.Status = []hindsight.ItemStatus{"Open"} }), "B:AI-001 B:AI-002", 2},
		{"Priority", anon, q(func(x *hindsight.ActionItemQuery) { x.Priority = []hindsight.Priority{"P1"} }), "A:AI-002 C:AI-001", 2},
		{"Service", anon, q(func(x *hindsight.ActionItemQuery) { x.Service = "search" }), "C:AI-001", 1},
		{"Severity", anon, q(func(x *hindsight.ActionItemQuery) { x.Severity = []hindsight.Severity{"SEV-1"} }), "A:AI-001 A:AI-002", 2},
		// due window [2026-01-20, 2026-02-02): A's two items
		{"DueWindow", anon, q(func(x *hindsight.ActionItemQuery) {
			x.DueFrom, x.DueBefore = date("2026-01-20").T, date("2026-02-02").T
		}), "A:AI-001 A:AI-002", 2},
		{"SortOwnerDesc", anon, q(func(x *hindsight.ActionItemQuery) { x.Sort, x.Desc = hindsight.ItemSortOwner, true }), "C:AI-001 B:AI-002 A:AI-002 B:AI-001 A:AI-001", 5},
		{"SortSeverity", anon, q(func(x *hindsight.ActionItemQuery) { x.Sort = hindsight.ItemSortSeverity }), "A:AI-001 A:AI-002 B:AI-001 B:AI-002 C:AI-001", 5},
		{"Page", anon, q(func(x *hindsight.ActionItemQuery) { x.Limit, x.Offset = 2, 2 }), "B:AI-001 B:AI-002", 5},
		{"PastTheEnd", anon, q(func(x *hindsight.ActionItemQuery) { x.Offset = 9 }), "", 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.TrackActionItems(ctx(t), tc.v, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := itemKeys(page.Items, f); got != tc.want || page.Total != tc.total {
				t.Errorf("items = %q (total %d), want %q (total %d)", got, page.Total, tc.want, tc.total)
			}
		})
	}
	// B's items: the P0 is overdue and past its objective (2026-03-02);
	// the P2 has no target, so its objective (2026-04-13) is suggested.
	page, err := s.TrackActionItems(ctx(t), anon, hindsight.ActionItemQuery{AsOf: asOf, ActionItemFilter: hindsight.ActionItemFilter{IncidentID: f.B}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 {
		t.Fatalf("items of B = %d, want 2", len(page.Items))
	}
	p0, p2 := page.Items[0], page.Items[1]
	if !p0.Overdue || !p0.PastObjective || p0.Suggested || p0.Objective.String() != "2026-03-02" {
		t.Errorf("B's P0 = overdue %v past %v suggested %v objective %s, want true true false 2026-03-02", p0.Overdue, p0.PastObjective, p0.Suggested, p0.Objective)
	}
	if p2.Overdue || !p2.PastObjective || !p2.Suggested || p2.Objective.String() != "2026-04-13" {
		t.Errorf("B's P2 = overdue %v past %v suggested %v objective %s, want false true true 2026-04-13", p2.Overdue, p2.PastObjective, p2.Suggested, p2.Objective)
	}
	if p0.IncidentStatus != "Draft" || !slices.Equal(p0.Services, []string{"checkout"}) || p0.IncidentEnd.Format(hindsight.TimeLayout) != "2026-02-16 09:00" {
		t.Errorf("B's P0 incident data = %q %v %v", p0.IncidentStatus, p0.Services, p0.IncidentEnd)
	}
	// Custom objectives: P2 within 400 days is not past yet.
	page, err = s.TrackActionItems(ctx(t), anon, hindsight.ActionItemQuery{AsOf: asOf, PastObjective: true, Objectives: hindsight.Objectives{P0: 14, P1: 28, P2: 400}})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemKeys(page.Items, f); got != "B:AI-001" {
		t.Errorf("past custom objectives = %q, want B:AI-001", got)
	}
}

func testOwnerCounts(t *testing.T, s insightStore, f *fixture) {
	got, err := s.ActionItemCounts(ctx(t), anon, hindsight.ActionItemQuery{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	want := []hindsight.OwnerCount{
		{Owner: "alice", Open: 1, Overdue: 1, PastObjective: 1, Closed: 1, Total: 2},
		{Owner: "carol", Open: 1, PastObjective: 1, Total: 1},
		{Owner: "bob", Closed: 1, Total: 1},
		{Owner: "dave", Closed: 1, Total: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("owner counts = %+v, want %+v", got, want)
	}
	got, err = s.ActionItemCounts(ctx(t), hindsight.SystemViewer, hindsight.ActionItemQuery{AsOf: asOf, ActionItemFilter: hindsight.ActionItemFilter{Overdue: true}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []hindsight.OwnerCount{{Owner: "alice", Open: 2, Overdue: 2, PastObjective: 2, Total: 2}}; !slices.Equal(got, want) {
		t.Errorf("overdue owner counts = %+v, want %+v", got, want)
	}
}

func testRelated(t *testing.T, s insightStore, f *fixture) {
	rel, err := s.RelatedIncidents(ctx(t), anon, f.B, 10)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string][]string{}
	for _, r := range rel {
		reasons[r.ID] = r.Reasons
		if r.ID == f.E || r.ID == f.B {
			t.Errorf("related incidents of B include %s", r.ID)
		}
	}
	if !slices.Contains(reasons[f.A], "same service: checkout") || !slices.Contains(reasons[f.D], "same service: Checkout") {
		t.Errorf("related of B = %+v, want A and D with same service: checkout", rel)
	}
	// A shares B's factor words (connection pool exhaustion).
	if !slices.Contains(reasons[f.A], "similar contributing factors") {
		t.Errorf("A's reasons = %q, want similar contributing factors", reasons[f.A])
	}
	if len(rel) > 0 && rel[0].ID != f.A {
		t.Errorf("best related of B = %s, want A (%s)", rel[0].ID, f.A)
	}
	if len(rel) > 0 && rel[0].Title == "" {
		t.Errorf("related incident without title: %+v", rel[0])
	}
	_, err = s.RelatedIncidents(ctx(t), anon, f.E, 10)
	wantCode(t, "related of a restricted incident", err, hindsight.ENotFound)

	tests := []struct {
		name string
		v    hindsight.Viewer
		id   string
		want []string // service:earlier
	}{
		{"FirstHasNone", anon, f.A, nil},
		{"AfterClosedFix", anon, f.B, []string{"checkout:" + f.A}},
		// B is on checkout too but has open items: only A counts.
		{"OpenItemsDoNotCount", anon, f.D, []string{"Checkout:" + f.A}},
		{"OtherService", anon, f.C, nil},
		{"Restricted", hindsight.Viewer{UserID: "bob"}, f.E, []string{"checkout:" + f.A}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := s.Recurrences(ctx(t), tc.v, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Service+":"+r.EarlierID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("recurrences = %q, want %q", got, tc.want)
			}
		})
	}
	_, err = s.Recurrences(ctx(t), anon, f.E)
	wantCode(t, "recurrences of a restricted incident", err, hindsight.ENotFound)
}

func testGauges(t *testing.T, s insightStore, f *fixture) {
	g, err := s.Gauges(ctx(t), hindsight.SystemViewer, asOf)
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, c := range g.Incidents {
		cells = append(cells, string(c.Severity)+"/"+string(c.Status)+"="+strconv.Itoa(c.N))
	}
	want := "SEV-1/Published=2 SEV-2/Draft=1 SEV-2/In Review=1 SEV-3/Published=1"
	if got := strings.Join(cells, " "); got != want {
		t.Errorf("incident gauges = %q, want %q", got, want)
	}
	if g.OpenItems != 3 || g.OverdueItems != 2 {
		t.Errorf("open/overdue = %d/%d, want 3/2", g.OpenItems, g.OverdueItems)
	}
	g, err = s.Gauges(ctx(t), anon, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if g.OpenItems != 2 || g.OverdueItems != 1 {
		t.Errorf("anonymous open/overdue = %d/%d, want 2/1", g.OpenItems, g.OverdueItems)
	}
}

// testInsightMaintained changes the fixture and checks the figures
// (computed by hand) follow: a time to acknowledge derived from the
// timeline after an update, visibility changes and deletes.
func testInsightMaintained(t *testing.T, s insightStore, f *fixture) {
	get := func(id string) *hindsight.Incident {
		inc, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, id)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	figures := func(v hindsight.Viewer) *hindsight.Insights {
		in, err := s.Insights(ctx(t), v, year2026())
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	// B states no TTA any more; its timeline says it was acknowledged 12
	// minutes after detection (08:15), in capitals, and an earlier
	// "acknowledged" before detection does not count.
	b := get(f.B)
	doc := *b.Doc
	doc.Detection.TTA = hindsight.Duration{}
	doc.Timeline = append(slices.Clone(doc.Timeline),
		hindsight.Event{Time: tm("2026-02-15 08:05"), Event: "acknowledged too early"},
		hindsight.Event{Time: tm("2026-02-15 08:27"), Event: "Erin ACKNOWLEDGED the page"})
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: f.B, BaseRevision: b.Revision, Doc: &doc, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	// TTA [2 4 7 12], 7 and 12 derived: mean 25/4, median (4+7)/2, p90 at
	// rank 3.7: 7 + 0.7*5 = 10.5.
	checkDist(t, "TTA after B's update", figures(anon).TimeToAcknowledge, hindsight.Distribution{N: 4, Mean: 6.25, Median: 5.5, P90: 10.5, Min: 2, Max: 12, Derived: 2})

	// E is no longer restricted: everyone sees it. TTD [5 15 15 30 100]:
	// mean 33, median 15, p90 at rank 4.6: 30 + 0.6*70 = 72.
	e := get(f.E)
	open := false
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: f.E, BaseRevision: e.Revision, Doc: e.Doc, Author: "alice", Restricted: &open}); err != nil {
		t.Fatal(err)
	}
	in := figures(anon)
	if in.Incidents != 5 {
		t.Errorf("incidents after E is unrestricted = %d, want 5", in.Incidents)
	}
	checkDist(t, "TTD after E is unrestricted", in.TimeToDetect, hindsight.Distribution{N: 5, Mean: 33, Median: 15, P90: 72, Min: 5, Max: 100})
	checkCounts(t, "recurrences after E is unrestricted", in.Recurrences, "checkout=3")

	// A deleted: its closed items no longer make later checkout incidents
	// recurrences. B, C, D, E: TTD [15 30 15 100] sorted [15 15 30 100]:
	// mean 40, median 22.5, p90 at rank 3.7: 30 + 0.7*70 = 79.
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: f.A, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	in = figures(anon)
	if in.Incidents != 4 {
		t.Errorf("incidents after deleting A = %d, want 4", in.Incidents)
	}
	checkDist(t, "TTD after deleting A", in.TimeToDetect, hindsight.Distribution{N: 4, Mean: 40, Median: 22.5, P90: 79, Min: 15, Max: 100})
	checkCounts(t, "by service after deleting A", in.ByService, "checkout=3 search=1")
	checkCounts(t, "recurrences after deleting A", in.Recurrences, "")
	// B's two, C's one, E's one: 4 items, 1 closed.
	if in.ActionItems.Total != 4 || in.ActionItems.Closed != 1 {
		t.Errorf("action items after deleting A = %+v, want 4, 1 closed", in.ActionItems)
	}
	page, err := s.TrackActionItems(ctx(t), anon, hindsight.ActionItemQuery{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemKeys(page.Items, f); got != "B:AI-001 E:AI-001 B:AI-002 C:AI-001" || page.Total != 4 {
		t.Errorf("tracker after deleting A = %q (%d), want B:AI-001 E:AI-001 B:AI-002 C:AI-001", got, page.Total)
	}

	// D purged: B, C, E remain.
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: f.D, Author: "alice", Purge: true}); err != nil {
		t.Fatal(err)
	}
	in = figures(anon)
	if in.Incidents != 3 {
		t.Errorf("incidents after purging D = %d, want 3", in.Incidents)
	}
	checkCounts(t, "by service after purging D", in.ByService, "checkout=2 search=1")
	owners, err := s.ActionItemCounts(ctx(t), anon, hindsight.ActionItemQuery{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	// alice: B's P0 (overdue, past objective) and E's P0 (target 03-20,
	// overdue; E ended 03-10 09:20, objective 03-24: past); carol: B's P2;
	// dave: C's closed item.
	want := []hindsight.OwnerCount{
		{Owner: "alice", Open: 2, Overdue: 2, PastObjective: 2, Total: 2},
		{Owner: "carol", Open: 1, PastObjective: 1, Total: 1},
		{Owner: "dave", Closed: 1, Total: 1},
	}
	if !slices.Equal(owners, want) {
		t.Errorf("owner counts after purging D = %+v, want %+v", owners, want)
	}
}

// testTrackerKeyset pages through open items with cursors while items
// change between pages: an item already shown is closed (it leaves the
// list, which made offset paging skip an item), a new item is added. Every
// item open from start to end is listed exactly once, no item twice, and a
// restricted incident's items only to its members.
func testTrackerKeyset(t *testing.T, s insightStore, f *fixture) {
	var ids []string
	for n := range 8 {
		var items []hindsight.ActionItem
		for k := range 5 {
			target := ""
			if (n+k)%3 != 0 {
				target = fmt.Sprintf("2026-%02d-%02d", 4+k%2, 1+(n*5+k)%7) // ties on purpose
			}
			items = append(items, item(fmt.Sprintf("AI-%03d", k+1), "erin", "P1", target, "Open"))
		}
		c := hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: fmt.Sprintf("keyset %d", n), Status: "Draft", ActionItems: items}, Author: "alice"}
		if n == 3 || n == 6 {
			c.Restricted, c.Members = true, []string{"bob"}
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inc.ID)
	}
	key := func(it hindsight.TrackedItem) string { return it.IncidentID + ":" + it.ID }
	added := 100
	for _, tc := range []struct {
		name string
		v    hindsight.Viewer
		sort hindsight.ActionItemSort
		desc bool
	}{
		{"Target", anon, "", false}, {"TargetDesc", anon, "", true}, {"Member", hindsight.Viewer{UserID: "bob"}, "", false},
		{"Incident", anon, hindsight.ItemSortIncident, true}, {"Owner", anon, hindsight.ItemSortOwner, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := hindsight.ActionItemQuery{AsOf: asOf, Sort: tc.sort, Desc: tc.desc,
				ActionItemFilter: hindsight.ActionItemFilter{Owner: "erin", Status: []hindsight.ItemStatus{"Open"}, Limit: 3}}
			before, err := s.TrackActionItems(ctx(t), tc.v, hindsight.ActionItemQuery{AsOf: asOf, Sort: tc.sort, Desc: tc.desc,
				ActionItemFilter: hindsight.ActionItemFilter{Owner: "erin", Status: []hindsight.ItemStatus{"Open"}, Limit: 5000}})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			changed := map[string]bool{}
			for round := 0; ; round++ {
				page, err := s.TrackActionItems(ctx(t), tc.v, x)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					seen[key(it)]++
					if (it.IncidentID == ids[3] || it.IncidentID == ids[6]) && tc.v.UserID != "bob" {
						t.Fatalf("a restricted incident's item %s shown to %+v", key(it), tc.v)
					}
				}
				if page.Next == "" {
					break
				}
				if round > 40 {
					t.Fatal("more than 40 pages of 3")
				}
				// close the first item of this page, add one to an incident
				first := page.Items[0]
				inc, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, first.IncidentID)
				if err != nil {
					t.Fatal(err)
				}
				doc := *inc.Doc
				doc.ActionItems = slices.Clone(doc.ActionItems)
				for i := range doc.ActionItems {
					if doc.ActionItems[i].ID == first.ID {
						doc.ActionItems[i].Status = "Closed"
					}
				}
				added++
				doc.ActionItems = append(doc.ActionItems, item(fmt.Sprintf("AI-%03d", added), "erin", "P1", "2026-04-03", "Open"))
				if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: inc.Revision, Doc: &doc, Author: "alice"}); err != nil {
					t.Fatal(err)
				}
				changed[first.IncidentID+":"+first.ID] = true
				changed[inc.ID+":"+fmt.Sprintf("AI-%03d", added)] = true
				x.Cursor = page.Next
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("item %s listed %d times", k, n)
				}
			}
			for _, it := range before.Items {
				if k := key(it); !changed[k] && seen[k] != 1 {
					t.Errorf("item %s, open throughout, listed %d times", k, seen[k])
				}
			}
			if len(before.Items) < 15 {
				t.Fatalf("only %d items to page through", len(before.Items))
			}
		})
	}
}
