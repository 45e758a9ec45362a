package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
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

func TestIncidentsCSV(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/test.db", sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	shape, err := lint.ParseShape([]byte("fields:\n  - name: Region\n    type: enum\n    values: [us-east-1, eu-west-1]\n  - name: Customer tier\n    type: multi\n    values: [free, pro, enterprise]\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(st, app.Options{Now: func() time.Time { return clock }, Lint: lint.DefaultConfig().WithShape(shape)})
	e := newEnvWith(t, svc, api.Options{})
	shapeSeed(t, e)
	p := sampleDoc("=HYPERLINK(\"x\")")
	if _, err := e.svc.Create(ctx, app.System, p, app.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	res := e.do(req{method: "GET", path: "/api/v1/incidents.csv?tag=dns&sort=id&order=asc"})
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s: %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	recs, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(append(append([]string{}, app.CSVColumns...), "Region", "Customer tier"), ",")
	if len(recs) != 3 || strings.Join(recs[0], ",") != head {
		t.Fatalf("records %q, want a header %q and 2 rows", recs, head)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	first := recs[1]
	for name, want := range map[string]string{"title": "Checkout DNS outage", "tags": "dns; network", "factor_categories": "change/config",
		"Region": "us-east-1", "Customer tier": "pro, enterprise", "restricted": "false"} {
		if got := first[col[name]]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// every incident without a filter; a formula is defused
	res = e.do(req{method: "GET", path: "/api/v1/incidents.csv"})
	recs, err = csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(recs) != 5 {
		t.Fatalf("%v: %d records", err, len(recs))
	}
	found := false
	for _, r := range recs[1:] {
		if r[col["title"]] == `'=HYPERLINK("x")` {
			found = true
		}
	}
	if !found {
		t.Errorf("the formula title is not defused: %q", recs)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents.csv?field.=x"})
	if res.status != http.StatusBadRequest {
		t.Errorf("field. without a label: %d %s", res.status, res.body)
	}
}
