package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// Exec runs SQL statements directly on a store's database (its own schema
// on PostgreSQL): RunShape uses it to undo the rows migration 00160's
// backfill writes.
type Exec func(t *testing.T, s hindsight.Store, stmts ...string)

// RunShape runs the conformance suite of the shape rows (issue 19): the
// tag, custom field and factor category filters of incident lists, action
// items, the tracker and insights, and the backfill of existing incidents
// after migrating.
func RunShape(t *testing.T, open Opener, exec Exec) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hindsight.Store)
	}{
		{"ListFilters", testShapeListFilters},
		{"PagesWithCursor", testShapePages},
		{"ListByStart", testShapeListByStart},
		{"UpdateReplacesRows", testShapeUpdate},
		{"RestrictedAndDeleted", testShapeVisibility},
		{"ActionItems", testShapeActionItems},
		{"TrackerPages", testShapeTrackerPages},
		{"InsightsFilter", testShapeInsights},
		{"InsightsBreakdowns", testShapeBreakdowns},
		{"FactorRepeats", testFactorRepeats},
		{"Backfill", func(t *testing.T, s hindsight.Store) { testShapeBackfill(t, s, exec) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t, open)) })
	}
}

// shaped is a spec with Incident Summary fields (label, value pairs, Tags
// among them) and contributing factors.
type shaped struct {
	spec
	fields  [][2]string
	factors []string
}

func (s shaped) doc() *hindsight.Postmortem {
	p := s.spec.doc()
	if len(s.fields) > 0 {
		e := hindsight.Extra{}
		for _, f := range s.fields {
			e.Fields = append(e.Fields, hindsight.Field{Label: f[0], Value: f[1]})
		}
		if p.Extras == nil {
			p.Extras = map[string]hindsight.Extra{}
		}
		p.Extras[hindsight.SecSummary] = e
	}
	p.RootCause.Factors = s.factors
	return p
}

// shapeSeed stores five incidents:
//
//	alpha   Region us-east-1; Customer tier pro, enterprise; Tags DNS, network; [change/config]
//	bravo   Region US-EAST-1;  Tags dns; [Capacity], [change/config] twice
//	charlie Region eu-west-1; Customer tier free; no tags; a factor without a category
//	delta   Region "us-east-1, eu-west-1" (kept as written); Tags certificates; [dependency/third-party]
//	echo    nothing
func shapeSeed(t *testing.T, s hindsight.Store) map[string]string {
	t.Helper()
	docs := []shaped{
		{spec{title: "alpha", start: "2026-01-10 08:00", sev: "SEV-1", owner: "Dana", services: []string{"checkout"},
			items: []hindsight.ActionItem{{ID: "AI-001", Action: "Raise the limit", Owner: "dana", Priority: hindsight.P1, Status: hindsight.ItemOpen}}},
			[][2]string{{"Region", "us-east-1"}, {"Customer tier", "pro, enterprise"}, {"Tags", "DNS, network"}},
			[]string{"[change/config] The limit was set by hand"}},
		{spec{title: "bravo", start: "2026-02-10 08:00", sev: "SEV-2", owner: "Eve", services: []string{"checkout"},
			items: []hindsight.ActionItem{{ID: "AI-001", Action: "Add capacity", Owner: "eve", Priority: hindsight.P2, Status: hindsight.ItemOpen}}},
			[][2]string{{"region", "US-EAST-1"}, {"TAGS", " dns ,, "}},
			[]string{"[Capacity] Too few nodes", "[change/config] A flag", "[change/config] Another flag"}},
		{spec{title: "charlie", start: "2026-03-10 08:00", sev: "SEV-2", owner: "Dana", services: []string{"search"}},
			[][2]string{{"Region", "eu-west-1"}, {"Customer tier", "free"}},
			[]string{"No category here"}},
		{spec{title: "delta", start: "2026-04-10 08:00", sev: "SEV-3", owner: "Gus", services: []string{"search"},
			items: []hindsight.ActionItem{{ID: "AI-001", Action: "Pin the CA", Owner: "gus", Priority: hindsight.P1, Status: hindsight.ItemOpen}}},
			[][2]string{{"Region", "us-east-1, eu-west-1"}, {"Tags", "certificates"}},
			[]string{"[dependency/third-party] The CA rotated"}},
		{spec{title: "echo", start: "2026-05-10 08:00", sev: "SEV-4", owner: "Gus"}, nil, nil},
	}
	ids := map[string]string{}
	for _, d := range docs {
		ids[d.title] = mustCreate(t, s, d.doc()).ID
	}
	return ids
}

func listTitles(t *testing.T, s hindsight.Store, v hindsight.Viewer, f hindsight.IncidentFilter) []string {
	t.Helper()
	page, err := s.FindIncidents(ctx(t), v, f)
	if err != nil {
		t.Fatal(err)
	}
	return titles(page.Incidents)
}

func testShapeListFilters(t *testing.T, s hindsight.Store) {
	shapeSeed(t, s)
	cases := []struct {
		name string
		f    hindsight.IncidentFilter
		want []string
	}{
		{"Tag", hindsight.IncidentFilter{Tag: "dns"}, []string{"alpha", "bravo"}},
		{"TagIgnoresCaseAndSpace", hindsight.IncidentFilter{Tag: " Network "}, []string{"alpha"}},
		{"TagNoMatch", hindsight.IncidentFilter{Tag: "database"}, []string{}},
		{"Category", hindsight.IncidentFilter{FactorCategory: "change/config"}, []string{"alpha", "bravo"}},
		{"CategoryIgnoresCase", hindsight.IncidentFilter{FactorCategory: "CAPACITY"}, []string{"bravo"}},
		{"CategoryIsNotText", hindsight.IncidentFilter{FactorCategory: "No category here"}, []string{}},
		{"FieldWholeValue", hindsight.IncidentFilter{Fields: map[string]string{"Region": "us-east-1"}}, []string{"alpha", "bravo", "delta"}},
		{"FieldLabelIgnoresCase", hindsight.IncidentFilter{Fields: map[string]string{"REGION": "eu-west-1"}}, []string{"charlie", "delta"}},
		{"FieldMultiPiece", hindsight.IncidentFilter{Fields: map[string]string{"customer tier": "Enterprise"}}, []string{"alpha"}},
		{"FieldMultiWhole", hindsight.IncidentFilter{Fields: map[string]string{"customer tier": "pro, enterprise"}}, []string{"alpha"}},
		{"FieldNotPrefix", hindsight.IncidentFilter{Fields: map[string]string{"Region": "us"}}, []string{}},
		{"TagsIsNotAField", hindsight.IncidentFilter{Fields: map[string]string{"Tags": "dns"}}, []string{}},
		{"TwoFields", hindsight.IncidentFilter{Fields: map[string]string{"Region": "us-east-1", "Customer tier": "pro"}}, []string{"alpha"}},
		{"EmptyValueIgnored", hindsight.IncidentFilter{Fields: map[string]string{"Region": " "}}, []string{"alpha", "bravo", "charlie", "delta", "echo"}},
		{"AllThree", hindsight.IncidentFilter{Tag: "dns", FactorCategory: "capacity", Fields: map[string]string{"Region": "us-east-1"}}, []string{"bravo"}},
		{"WithSeverity", hindsight.IncidentFilter{Fields: map[string]string{"Region": "us-east-1"}, Severity: []hindsight.Severity{"SEV-1", "SEV-3"}}, []string{"alpha", "delta"}},
		{"WithService", hindsight.IncidentFilter{Fields: map[string]string{"Region": "eu-west-1"}, Service: "search"}, []string{"charlie", "delta"}},
		{"WithServiceByStart", hindsight.IncidentFilter{Tag: "dns", Service: "Checkout", Sort: hindsight.SortStart}, []string{"alpha", "bravo"}},
		{"WithOwner", hindsight.IncidentFilter{Tag: "dns", Owner: "eve"}, []string{"bravo"}},
		{"WithQuery", hindsight.IncidentFilter{FactorCategory: "change/config", Query: "alpha"}, []string{"alpha"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, sort := range []hindsight.IncidentSort{hindsight.SortStart, hindsight.SortSeverity, hindsight.SortUpdated, hindsight.SortID} {
				f := c.f
				f.Sort = sort
				if got := listTitles(t, s, hindsight.SystemViewer, f); !sameSet(got, c.want) {
					t.Errorf("sort %s: got %v, want %v", sort, got, c.want)
				}
			}
		})
	}
}

func testShapePages(t *testing.T, s hindsight.Store) {
	shapeSeed(t, s)
	for _, desc := range []bool{false, true} {
		f := hindsight.IncidentFilter{Fields: map[string]string{"region": "US-East-1"}, Limit: 1, Desc: desc}
		var got []string
		for range 10 {
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, titles(page.Incidents)...)
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		want := []string{"alpha", "bravo", "delta"}
		if desc {
			want = []string{"delta", "bravo", "alpha"}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("desc %v: pages %v, want %v", desc, got, want)
		}
	}
}

func testShapeUpdate(t *testing.T, s hindsight.Store) {
	ids := shapeSeed(t, s)
	doc := shaped{spec{title: "alpha", start: "2026-01-10 08:00", sev: "SEV-1", owner: "Dana", services: []string{"checkout"}},
		[][2]string{{"Region", "eu-west-1"}, {"Tags", "database"}}, []string{"[monitoring/gap] No alert"}}.doc()
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: ids["alpha"], BaseRevision: 1, Doc: doc, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		f    hindsight.IncidentFilter
		want []string
	}{
		{hindsight.IncidentFilter{Tag: "dns"}, []string{"bravo"}},
		{hindsight.IncidentFilter{Tag: "database"}, []string{"alpha"}},
		{hindsight.IncidentFilter{FactorCategory: "change/config"}, []string{"bravo"}},
		{hindsight.IncidentFilter{FactorCategory: "monitoring/gap"}, []string{"alpha"}},
		{hindsight.IncidentFilter{Fields: map[string]string{"Customer tier": "pro"}}, []string{}},
		{hindsight.IncidentFilter{Fields: map[string]string{"Region": "eu-west-1"}}, []string{"alpha", "charlie", "delta"}},
	}
	for _, c := range cases {
		if got := listTitles(t, s, hindsight.SystemViewer, c.f); !sameSet(got, c.want) {
			t.Errorf("%+v after the update: got %v, want %v", c.f, got, c.want)
		}
	}
}

func testShapeVisibility(t *testing.T, s hindsight.Store) {
	ids := shapeSeed(t, s)
	secret := shaped{spec{title: "secret", start: "2026-06-10 08:00", sev: "SEV-1", owner: "Zed"},
		[][2]string{{"Region", "us-east-1"}, {"Tags", "dns"}}, []string{"[change/config] Hidden"}}.doc()
	if _, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: secret, Author: "zed", Restricted: true, Members: []string{"zed"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: ids["bravo"], Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
		want []string
	}{
		{"Anonymous", hindsight.Viewer{}, []string{"alpha"}},
		{"NotMember", hindsight.Viewer{UserID: "bob"}, []string{"alpha"}},
		{"Member", hindsight.Viewer{UserID: "zed"}, []string{"alpha", "secret"}},
		{"Admin", hindsight.Viewer{UserID: "root", Admin: true}, []string{"alpha", "secret"}},
	}
	for _, vc := range viewers {
		t.Run(vc.name, func(t *testing.T) {
			for _, f := range []hindsight.IncidentFilter{{Tag: "DNS"}, {FactorCategory: "change/config"}} {
				if got := listTitles(t, s, vc.v, f); !sameSet(got, vc.want) {
					t.Errorf("%+v: got %v, want %v", f, got, vc.want)
				}
			}
		})
	}
	if got := listTitles(t, s, hindsight.SystemViewer, hindsight.IncidentFilter{Tag: "dns", Deleted: hindsight.OnlyDeleted}); !sameSet(got, []string{"bravo"}) {
		t.Errorf("deleted with the tag: got %v, want [bravo]", got)
	}
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: ids["bravo"], Author: "alice", Purge: true}); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, s, hindsight.SystemViewer, hindsight.IncidentFilter{Tag: "dns", Deleted: hindsight.WithDeleted}); !sameSet(got, []string{"alpha", "secret"}) {
		t.Errorf("after the purge: got %v, want [alpha secret]", got)
	}
}

func testShapeActionItems(t *testing.T, s hindsight.Store) {
	shapeSeed(t, s)
	cases := []struct {
		name string
		f    hindsight.ActionItemFilter
		want []string
	}{
		{"Tag", hindsight.ActionItemFilter{Tag: "DNS"}, []string{"Raise the limit", "Add capacity"}},
		{"Category", hindsight.ActionItemFilter{FactorCategory: "dependency/third-party"}, []string{"Pin the CA"}},
		{"Field", hindsight.ActionItemFilter{Fields: map[string]string{"Region": "eu-west-1"}}, []string{"Pin the CA"}},
		{"WithOwner", hindsight.ActionItemFilter{Tag: "dns", Owner: "eve"}, []string{"Add capacity"}},
		{"NoMatch", hindsight.ActionItemFilter{Tag: "certificates", Owner: "eve"}, []string{}},
	}
	is := s.(hindsight.InsightStore)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, c.f)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, r := range rows {
				got = append(got, r.Action)
			}
			if !sameSet(got, c.want) {
				t.Errorf("FindActionItems: got %v, want %v", got, c.want)
			}
			page, err := is.TrackActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemQuery{ActionItemFilter: c.f})
			if err != nil {
				t.Fatal(err)
			}
			got = []string{}
			for _, r := range page.Items {
				got = append(got, r.Action)
			}
			if !sameSet(got, c.want) || page.Total != len(c.want) {
				t.Errorf("TrackActionItems: got %v (total %d), want %v", got, page.Total, c.want)
			}
			counts, err := is.ActionItemCounts(ctx(t), hindsight.SystemViewer, hindsight.ActionItemQuery{ActionItemFilter: c.f})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, oc := range counts {
				n += oc.Open + oc.Closed
			}
			if n != len(c.want) {
				t.Errorf("ActionItemCounts: %d items, want %d (%+v)", n, len(c.want), counts)
			}
		})
	}
}

func testShapeInsights(t *testing.T, s hindsight.Store) {
	shapeSeed(t, s)
	is := s.(hindsight.InsightStore)
	cases := []struct {
		name  string
		f     hindsight.InsightsFilter
		n     int
		items int
	}{
		{"Tag", hindsight.InsightsFilter{Tag: "dns"}, 2, 2},
		{"Category", hindsight.InsightsFilter{FactorCategory: "change/config"}, 2, 2},
		{"Field", hindsight.InsightsFilter{Fields: map[string]string{"Region": "eu-west-1"}}, 2, 1},
		{"FieldRanged", hindsight.InsightsFilter{Fields: map[string]string{"Region": "us-east-1"}, From: tm("2026-02-01 00:00").T, Before: tm("2026-12-01 00:00").T}, 2, 2},
		{"WithService", hindsight.InsightsFilter{Tag: "dns", Service: "checkout"}, 2, 2},
		{"None", hindsight.InsightsFilter{Tag: "nosuch"}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := is.Insights(ctx(t), hindsight.SystemViewer, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Incidents != c.n || got.ActionItems.Total != c.items || got.TimeToMitigate.N != c.n {
				t.Errorf("incidents %d, items %d, TTM n %d; want %d, %d, %d", got.Incidents, got.ActionItems.Total, got.TimeToMitigate.N, c.n, c.items, c.n)
			}
		})
	}
}

// countsOf renders counts as "key=n/median" (median "-" when nil).
func countsOf(cs []hindsight.Count) string {
	var b strings.Builder
	for _, c := range cs {
		m := "-"
		if c.MedianTTM != nil {
			m = fmt.Sprint(*c.MedianTTM)
		}
		fmt.Fprintf(&b, "%s=%d/%s ", c.Key, c.N, m)
	}
	return strings.TrimSpace(b.String())
}

func testShapeBreakdowns(t *testing.T, s hindsight.Store) {
	ids := shapeSeed(t, s)
	// bravo mitigated faster: medians differ by group
	bravo, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, ids["bravo"])
	if err != nil {
		t.Fatal(err)
	}
	bravo.Doc.Detection.TTM = hindsight.Minutes(25)
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: bravo.ID, BaseRevision: bravo.Revision, Doc: bravo.Doc, Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	is := s.(hindsight.InsightStore)
	in, err := is.Insights(ctx(t), hindsight.Viewer{}, hindsight.InsightsFilter{GroupFields: []string{"Region", "Customer tier", "Nothing"}})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		// keys as the oldest incident with them writes them (migration
		// 00230), ordered as the lower-case keys
		{"by tag", countsOf(in.ByTag), "DNS=2/55 certificates=1/85 network=1/85"},
		{"by factor category", countsOf(in.ByFactorCategory), "change/config=2/55 Capacity=1/25 dependency/third-party=1/85"},
		{"by Region", countsOf(in.ByField["Region"]), "us-east-1=3/85 eu-west-1=2/85"},
		{"by Customer tier", countsOf(in.ByField["Customer tier"]), "enterprise=1/85 free=1/85 pro=1/85"},
		{"by Nothing", countsOf(in.ByField["Nothing"]), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(in.ByTag) > 0 && in.ByTag[0].Share != 0.4 {
		t.Errorf("dns share %v, want 0.4 (2 of 5)", in.ByTag[0].Share)
	}
	want := []hindsight.RepeatFactor{{Category: "change/config", Service: "checkout", Incidents: []string{ids["alpha"], ids["bravo"]}}}
	if jsonOf(t, in.RepeatFactors) != jsonOf(t, want) {
		t.Errorf("repeat factors %s, want %s", jsonOf(t, in.RepeatFactors), jsonOf(t, want))
	}
	// a narrower filter narrows the breakdowns
	in, err = is.Insights(ctx(t), hindsight.Viewer{}, hindsight.InsightsFilter{Tag: "certificates", GroupFields: []string{"region"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := countsOf(in.ByField["region"]); got != "eu-west-1=1/85 us-east-1=1/85" {
		t.Errorf("certificates by region: %q", got)
	}
	if len(in.RepeatFactors) != 0 {
		t.Errorf("certificates: repeat factors %+v", in.RepeatFactors)
	}
}

func testFactorRepeats(t *testing.T, s hindsight.Store) {
	ids := shapeSeed(t, s)
	rs, ok := s.(hindsight.RepeatStore)
	if !ok {
		t.Fatalf("%T does not implement hindsight.RepeatStore", s)
	}
	cases := []struct {
		name     string
		exclude  string
		cats     []string
		services []string
		start    string
		want     string
	}{
		{"Both", "", []string{"CHANGE/CONFIG", "nosuch"}, []string{"Checkout", "search"}, "2026-02-01 00:00", "change/config checkout " + ids["alpha"] + "," + ids["bravo"]},
		{"Excluded", ids["alpha"], []string{"change/config"}, []string{"checkout"}, "2026-02-01 00:00", "change/config checkout " + ids["bravo"]},
		{"OutsideWindow", "", []string{"change/config"}, []string{"checkout"}, "2026-08-01 00:00", ""},
		{"OtherService", "", []string{"change/config"}, []string{"search"}, "2026-02-01 00:00", ""},
		{"NoStart", "", []string{"change/config"}, []string{"checkout"}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var start hindsight.Time
			if c.start != "" {
				start = tm(c.start)
			}
			got, err := rs.FactorRepeats(ctx(t), hindsight.Viewer{}, c.exclude, c.cats, c.services, start.T)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, r := range got {
				parts = append(parts, r.Category+" "+r.Service+" "+strings.Join(r.Incidents, ","))
			}
			if strings.Join(parts, "; ") != c.want {
				t.Errorf("got %q, want %q", strings.Join(parts, "; "), c.want)
			}
		})
	}
}

func testShapeBackfill(t *testing.T, s hindsight.Store, exec Exec) {
	shapeSeed(t, s)
	// as a database migrated to 00160 finds itself: incidents without rows
	exec(t, s, `DELETE FROM incident_tags`, `DELETE FROM incident_fields`, `DELETE FROM incident_factors`,
		`INSERT INTO shape_backfill (incident_id) SELECT id FROM incidents`)
	if got := listTitles(t, s, hindsight.SystemViewer, hindsight.IncidentFilter{Tag: "dns"}); len(got) != 0 {
		t.Fatalf("before the backfill: got %v", got)
	}
	m, ok := s.(hindsight.Migrator)
	if !ok {
		t.Fatalf("%T does not implement hindsight.Migrator", s)
	}
	if err := m.MigrateUp(ctx(t)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		f    hindsight.IncidentFilter
		want []string
	}{
		{hindsight.IncidentFilter{Tag: "dns"}, []string{"alpha", "bravo"}},
		{hindsight.IncidentFilter{FactorCategory: "change/config"}, []string{"alpha", "bravo"}},
		{hindsight.IncidentFilter{Fields: map[string]string{"Customer tier": "pro"}}, []string{"alpha"}},
	}
	for _, c := range cases {
		if got := listTitles(t, s, hindsight.SystemViewer, c.f); !sameSet(got, c.want) {
			t.Errorf("%+v after the backfill: got %v, want %v", c.f, got, c.want)
		}
	}
	// a second run finds nothing to do and changes nothing
	if err := m.MigrateUp(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := listTitles(t, s, hindsight.SystemViewer, hindsight.IncidentFilter{Tag: "dns"}); !sameSet(got, []string{"alpha", "bravo"}) {
		t.Errorf("after a second run: got %v", got)
	}
	// as a database migrated to 00230 finds itself: rows without their
	// written forms, every incident listed again
	exec(t, s, `UPDATE incident_tags SET written = ''`, `UPDATE incident_fields SET written = ''`, `UPDATE incident_factors SET written = ''`,
		`INSERT INTO shape_backfill (incident_id) SELECT id FROM incidents`)
	is := s.(hindsight.InsightStore)
	spelled := func() string {
		t.Helper()
		in, err := is.Insights(ctx(t), hindsight.Viewer{}, hindsight.InsightsFilter{GroupFields: []string{"Customer tier"}})
		if err != nil {
			t.Fatal(err)
		}
		return countsOf(in.ByTag) + " | " + countsOf(in.ByFactorCategory) + " | " + countsOf(in.ByField["Customer tier"])
	}
	if got, want := spelled(), "dns=2/85 certificates=1/85 network=1/85 | change/config=2/85 capacity=1/85 dependency/third-party=1/85 | enterprise=1/85 free=1/85 pro=1/85"; got != want {
		t.Errorf("before the backfill of 00230: %q, want %q", got, want)
	}
	if err := m.MigrateUp(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got, want := spelled(), "DNS=2/85 certificates=1/85 network=1/85 | change/config=2/85 Capacity=1/85 dependency/third-party=1/85 | enterprise=1/85 free=1/85 pro=1/85"; got != want {
		t.Errorf("after the backfill of 00230: %q, want %q", got, want)
	}
}
