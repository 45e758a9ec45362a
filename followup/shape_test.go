package followup_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestShapeParams: the insights, tracker and owners APIs read tag=,
// factor=, field.<Label>= and group_field= (issue 19).
func TestShapeParams(t *testing.T) {
	e := newEnv(t)
	p := &hindsight.Postmortem{Title: "Tagged", Status: hindsight.StatusDraft}
	p.Summary.Start, _ = hindsight.ParseTime("2026-08-01 10:00")
	p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
	p.Extras = map[string]hindsight.Extra{hindsight.SecSummary: {Fields: []hindsight.Field{{Label: "Region", Value: "eu-west-1"}, {Label: "Tags", Value: "DNS"}}}}
	p.RootCause.Factors = []string{"[capacity] Too few nodes"}
	p.Detection.TTM = hindsight.Minutes(40)
	p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Add nodes", Owner: "dana", Priority: hindsight.P1, Status: hindsight.ItemOpen}}
	if _, err := e.st.CreateIncident(context.Background(), hindsight.IncidentCreate{Doc: p, Author: "t"}); err != nil {
		t.Fatal(err)
	}
	st, body, _ := e.do(t, "GET", "/api/v1/insights?from=2026-01-01&to=2026-12-31&tag=dns&group_field=Region", "", nil, false)
	var in hindsight.Insights
	if err := json.Unmarshal([]byte(body), &in); err != nil || st != 200 {
		t.Fatalf("insights: %d %v %s", st, err, body)
	}
	rg := in.ByField["Region"]
	if in.Incidents != 1 || len(in.ByTag) != 1 || in.ByTag[0].Key != "DNS" || in.ByTag[0].MedianTTM == nil || *in.ByTag[0].MedianTTM != 40 ||
		len(rg) != 1 || rg[0].Key != "eu-west-1" || len(in.ByFactorCategory) != 1 {
		t.Errorf("insights %+v", in)
	}
	st, body, _ = e.do(t, "GET", "/api/v1/action-items/tracker?field.region=EU-WEST-1", "", nil, false)
	var page hindsight.ActionItemPage
	if err := json.Unmarshal([]byte(body), &page); err != nil || st != 200 || page.Total != 1 || page.Items[0].Action != "Add nodes" {
		t.Errorf("tracker: %d %v %s", st, err, body)
	}
	st, body, _ = e.do(t, "GET", "/api/v1/action-items/owners?factor=capacity", "", nil, false)
	if st != 200 || !strings.Contains(body, `"owner":"dana"`) || strings.Contains(body, `"owner":"alice"`) {
		t.Errorf("owners: %d %s", st, body)
	}
	st, body, _ = e.do(t, "GET", "/api/v1/insights?field.=x", "", nil, false)
	if st != 400 || !strings.Contains(body, `"field":"field."`) {
		t.Errorf("field. without a label: %d %s", st, body)
	}
}

// TestInsightsKeyCase: the breakdowns by factor category, tag and field
// show their keys as the shape declares them, or for a free value as the
// oldest document the reader may see writes it, not as the lower-case
// match key; a filter by any case still matches.
func TestInsightsKeyCase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shape := "fields:\n  - name: Region\n    type: enum\n    values: [US-East-1, eu-west-1]\n  - name: Team name\n    type: text\n" +
		"taxonomy:\n  factors: [Change/Deploy, capacity]\ntags: {free: true, suggested: [PostgreSQL]}\n"
	if err := e.svc.SaveShape(ctx, app.System, []byte(shape)); err != nil {
		t.Fatal(err)
	}
	mk := func(title, start, region, team, tags string, factors []string, restricted bool) {
		p := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
		p.Summary.Start, _ = hindsight.ParseTime(start)
		p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
		p.Extras = map[string]hindsight.Extra{hindsight.SecSummary: {Fields: []hindsight.Field{{Label: "Region", Value: region}, {Label: "Team name", Value: team}, {Label: "Tags", Value: tags}}}}
		p.RootCause.Factors = factors
		c := hindsight.IncidentCreate{Doc: p, Author: "t", Restricted: restricted}
		if restricted {
			c.Members = []string{"bob"}
		}
		if _, err := e.st.CreateIncident(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// the restricted one is the oldest: its spelling is shown to no one
	// (one spelling for every reader), so a key only it has stays in lower
	// case for its members
	mk("Hidden", "2026-03-01 10:00", "us-east-1", "PAYMENTS core", "KAFKA, SecretThing", []string{"[Vendor/Cloud] Hidden"}, true)
	mk("First", "2026-04-01 10:00", "us-east-1", "Payments Core", "postgresql, Kafka", []string{"[change/deploy] A deploy", "[vendor/cloud] The region"}, false)
	mk("Second", "2026-05-01 10:00", "US-EAST-1", "payments core", "POSTGRESQL, kafka", []string{"[CAPACITY] Too few"}, false)
	keys := func(cs []hindsight.Count) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Key)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name, user                  string
		tags, factors, region, team string
	}{
		{"reader", "", "Kafka,PostgreSQL", "Change/Deploy,capacity,vendor/cloud", "US-East-1", "Payments Core"},
		{"member of the restricted one", "bob", "Kafka,PostgreSQL,secretthing", "Change/Deploy,capacity,vendor/cloud", "US-East-1", "Payments Core"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body, _ := e.do(t, "GET", "/api/v1/insights?from=2026-01-01&to=2026-12-31&group_field=Region&group_field=Team+name", tc.user, nil, false)
			var in hindsight.Insights
			if err := json.Unmarshal([]byte(body), &in); err != nil || st != 200 {
				t.Fatalf("insights: %d %v %s", st, err, body)
			}
			for _, c := range []struct{ what, got, want string }{
				{"tags", keys(in.ByTag), tc.tags},
				{"factor categories", keys(in.ByFactorCategory), tc.factors},
				{"Region", keys(in.ByField["Region"]), tc.region},
				{"Team name", keys(in.ByField["Team name"]), tc.team},
			} {
				if c.got != c.want {
					t.Errorf("%s: keys %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
	// matching stays case-insensitive: the key as shown filters
	st, body, _ := e.do(t, "GET", "/api/v1/insights?from=2026-01-01&to=2026-12-31&tag=PostgreSQL&factor=Change/Deploy", "", nil, false)
	var in hindsight.Insights
	if err := json.Unmarshal([]byte(body), &in); err != nil || st != 200 || in.Incidents != 1 {
		t.Errorf("filter by the shown keys: %d %v incidents %d", st, err, in.Incidents)
	}
}
