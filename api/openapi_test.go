package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/server"
)

// recTB records the errors checkContract reports.
type recTB struct {
	testing.TB
	errs []string
}

func (r *recTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recTB) Helper() {}

// TestContractCatchesViolations shows that the contract check is not
// vacuous: responses and requests that break the document are reported.
func TestContractCatchesViolations(t *testing.T) {
	incident := `{"id":"INC-20261118-001","revision":1,"doc":` + mustJSON(t, sampleDoc("x")) + `,"restricted":false,"created_at":"2026-11-18T10:00:00Z","created_by":"a","updated_at":"2026-11-18T10:00:00Z","updated_by":"a"}`
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name string
		req  req
		res  resp
		bad  bool
	}{
		{"valid incident", req{method: "GET", path: "/api/v1/incidents/INC-20261118-001"}, resp{200, jsonCT, []byte(incident)}, false},
		{"missing doc", req{method: "GET", path: "/api/v1/incidents/INC-20261118-001"}, resp{200, jsonCT, []byte(`{"id":"x","revision":1}`)}, true},
		{"extra field", req{method: "GET", path: "/api/v1/incidents"}, resp{200, jsonCT, []byte(`{"incidents":[],"total":3}`)}, true},
		{"undocumented status", req{method: "GET", path: "/api/v1/incidents"}, resp{http.StatusTeapot, jsonCT, []byte(`{}`)}, true},
		{"error without fields", req{method: "GET", path: "/api/v1/incidents/x"}, resp{404, jsonCT, []byte(`{"error":{"code":"not_found","message":"no"}}`)}, true},
		{"bad request body", req{method: "POST", path: "/api/v1/lint", header: jsonHeader, body: `{"title":5}`}, resp{200, jsonCT, []byte(`{"findings":[],"errors":0,"warnings":0,"infos":0}`)}, true},
		{"bad enum parameter", req{method: "GET", path: "/api/v1/incidents?sort=title"}, resp{200, jsonCT, []byte(`{"incidents":[]}`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recTB{TB: t}
			checkContract(rec, tt.req, tt.res)
			if got := len(rec.errs) > 0; got != tt.bad {
				t.Errorf("violation reported: %v, want %v: %v", got, tt.bad, rec.errs)
			}
		})
	}
}

// TestRouteTableMatchesDocument checks that every route of the API
// package is an operation of the document, with the same access level.
// The document describes every /api/v1 route of the server, whichever
// package serves it: internal/stack's TestOpenAPICoversRouteTable checks
// the whole table against it, both ways.
func TestRouteTableMatchesDocument(t *testing.T) {
	doc, _ := contract(t)
	svc := app.New(nil, app.Options{})
	routes := server.Table(server.Config{}, api.New(svc, api.Options{}).Routes())
	inTable := map[string]httpx.Access{}
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok {
			if rt.Name != "api.not_found" {
				t.Errorf("route %s (%q) has no method", rt.Name, rt.Pattern)
			}
			continue
		}
		inTable[method+" "+path] = rt.Access
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			inDoc[key] = true
			access, ok := inTable[key]
			if !ok {
				continue // served by another package (accounts, webhooks, follow-up)
			}
			if got := op.Extensions["x-hindsight-access"]; got != access.String() {
				t.Errorf("%s: x-hindsight-access %v, route table %s", key, got, access)
			}
		}
	}
	var missing []string
	for key := range inTable {
		if !inDoc[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("routes missing from the document: %v", missing)
	}
}

// TestDocumentIsOpenAPI31 checks the served document's version and that
// the model's schemas came from schema/postmortem.schema.json.
func TestDocumentIsOpenAPI31(t *testing.T) {
	doc, _ := contract(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for _, name := range []string{api.SchemaPostmortem, api.SchemaPostmortemInput, "pm_summary", "pmin_summary", "pm_time"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("component %s is missing", name)
		}
	}
	if req := doc.Components.Schemas["pmin_summary"].Value.Required; len(req) != 0 {
		t.Errorf("input schemas require nothing; pmin_summary requires %v", req)
	}
	if req := doc.Components.Schemas["pm_summary"].Value.Required; len(req) == 0 {
		t.Errorf("pm_summary requires nothing")
	}
}
