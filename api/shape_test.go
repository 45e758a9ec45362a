package api_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
)

// shapeSeed stores three incidents with custom fields, tags and factor
// categories (issue 19).
func shapeSeed(t *testing.T, e *env) {
	t.Helper()
	docs := []struct {
		title   string
		fields  [][2]string
		factors []string
	}{
		{"Checkout DNS outage", [][2]string{{"Region", "us-east-1"}, {"Customer tier", "pro, enterprise"}, {"Tags", "dns, network"}},
			[]string{"[change/config] The TTL was set by hand"}},
		{"Search capacity", [][2]string{{"Region", "eu-west-1"}, {"Tags", "DNS"}}, []string{"[capacity] Too few nodes"}},
		{"Billing delay", [][2]string{{"Region", "eu-west-1"}, {"Customer tier", "free"}}, []string{"No category"}},
	}
	for _, d := range docs {
		p := sampleDoc(d.title)
		ex := hindsight.Extra{}
		for _, f := range d.fields {
			ex.Fields = append(ex.Fields, hindsight.Field{Label: f[0], Value: f[1]})
		}
		if p.Extras == nil {
			p.Extras = map[string]hindsight.Extra{}
		}
		p.Extras[hindsight.SecSummary] = ex
		p.RootCause.Factors = d.factors
		if _, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestShapeFilters(t *testing.T) {
	e := newEnv(t)
	shapeSeed(t, e)
	tests := []struct {
		query string
		want  []string // titles, sorted
	}{
		{"tag=dns", []string{"Checkout DNS outage", "Search capacity"}},
		{"tag=Network", []string{"Checkout DNS outage"}},
		{"factor=CHANGE/CONFIG", []string{"Checkout DNS outage"}},
		{"field.Region=eu-west-1", []string{"Billing delay", "Search capacity"}},
		{"field.customer%20tier=Enterprise", []string{"Checkout DNS outage"}},
		{"field.Region=eu-west-1&tag=dns", []string{"Search capacity"}},
		{"field.Region=eu-west-1&field.Customer+tier=free", []string{"Billing delay"}},
		{"field.Region=", []string{"Billing delay", "Checkout DNS outage", "Search capacity"}},
		{"factor=nosuch", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.do(req{method: "GET", path: "/api/v1/incidents?" + tt.query})
			var page hindsight.IncidentPage
			res.json(t, &page)
			if res.status != http.StatusOK {
				t.Fatalf("%d %s", res.status, res.body)
			}
			got := []string{}
			for _, s := range page.Incidents {
				got = append(got, s.Title)
			}
			sort.Strings(got)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("incidents: got %q, want %q", got, tt.want)
			}
			// the same incidents' action items (sampleDoc gives each two)
			res = e.do(req{method: "GET", path: "/api/v1/action-items?" + tt.query})
			var ai api.ActionItems
			res.json(t, &ai)
			if res.status != http.StatusOK {
				t.Fatalf("%d %s", res.status, res.body)
			}
			titles := map[string]bool{}
			for _, r := range ai.ActionItems {
				titles[r.IncidentTitle] = true
			}
			if len(titles) != len(tt.want) {
				t.Errorf("action items of %v, want those of %q", titles, tt.want)
			}
		})
	}
	bad := []struct{ query, field string }{
		{"field.=x", "field."},
		{"tag=a&tag=b", "tag"},
		{"field.Region=a&field.region=b", "field.region"},
	}
	for _, b := range bad {
		for _, path := range []string{"/api/v1/incidents?", "/api/v1/action-items?"} {
			res := e.do(req{method: "GET", path: path + b.query})
			if res.status != http.StatusBadRequest {
				t.Fatalf("%s%s: %d %s", path, b.query, res.status, res.body)
			}
			d := res.errorBody(t)
			if len(d.Fields) != 1 || d.Fields[0].Field != b.field {
				t.Errorf("%s%s: fields %+v, want %q", path, b.query, d.Fields, b.field)
			}
		}
	}
}
