package followup_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
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
	if in.Incidents != 1 || len(in.ByTag) != 1 || in.ByTag[0].Key != "dns" || in.ByTag[0].MedianTTM == nil || *in.ByTag[0].MedianTTM != 40 ||
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
