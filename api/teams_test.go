package api_test

import (
	"strings"
	"testing"
)

// TestTeamRoutes walks every team operation of the API through the
// contract check: create, list, read, change, an incident's teams (from an
// owned service and by hand), and delete.
func TestTeamRoutes(t *testing.T) {
	e := newEnv(t)
	incs := seed(t, e) // the first owns service "checkout"
	json := map[string]string{"Content-Type": "application/json"}

	res := e.do(req{method: "POST", path: "/api/v1/teams", header: json,
		body: `{"slug":"payments","name":"Payments","members":[],"services":["checkout"]}`})
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if loc := res.header.Get("Location"); loc != "/api/v1/teams/payments" {
		t.Errorf("create: Location %q", loc)
	}
	res = e.do(req{method: "POST", path: "/api/v1/teams", header: json, body: `{"slug":"payments","name":"Again"}`})
	if res.status != 409 {
		t.Errorf("create twice: %d %s, want 409", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: "/api/v1/teams", header: json, body: `{"slug":"sre","name":"SRE"}`})
	if res.status != 201 {
		t.Fatalf("create sre: %d %s", res.status, res.body)
	}

	var list struct {
		Teams []struct {
			Slug     string   `json:"slug"`
			Services []string `json:"services"`
		} `json:"teams"`
	}
	res = e.do(req{method: "GET", path: "/api/v1/teams"})
	res.json(t, &list)
	if res.status != 200 || len(list.Teams) != 2 {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/teams?member=someone", invalid: true})
	if res.status != 400 {
		t.Errorf("list member=someone: %d, want 400", res.status)
	}

	res = e.do(req{method: "PATCH", path: "/api/v1/teams/sre", header: json,
		body: `{"name":"Site Reliability","add_services":["billing"]}`})
	if res.status != 200 {
		t.Fatalf("patch: %d %s", res.status, res.body)
	}
	// name_was: a rename from a stale read is a 409 naming the current name
	res = e.do(req{method: "PATCH", path: "/api/v1/teams/sre", header: json,
		body: `{"name":"SRE","name_was":"Sre"}`})
	if res.status != 409 || !strings.Contains(string(res.body), `renamed “Site Reliability”`) || !strings.Contains(string(res.body), `"field":"name"`) {
		t.Errorf("patch from a stale name: %d %s, want 409 naming the current name", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/teams/sre"})
	var one struct {
		Name     string   `json:"name"`
		Services []string `json:"services"`
	}
	res.json(t, &one)
	if res.status != 200 || one.Name != "Site Reliability" || len(one.Services) != 1 || one.Services[0] != "billing" {
		t.Errorf("get after patch: %d %s", res.status, res.body)
	}

	var teams struct {
		Teams []struct {
			Slug string `json:"slug"`
		} `json:"teams"`
	}
	id := incs[0].ID
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + id + "/teams"})
	res.json(t, &teams)
	if res.status != 200 || len(teams.Teams) != 1 || teams.Teams[0].Slug != "payments" {
		t.Errorf("incident teams from the owned service: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "PUT", path: "/api/v1/incidents/" + id + "/teams", header: json, body: `{"teams":["sre"]}`})
	res.json(t, &teams)
	if res.status != 200 || len(teams.Teams) != 2 {
		t.Errorf("set incident teams: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "PUT", path: "/api/v1/incidents/" + id + "/teams", header: json, body: `{"teams":["nobody"]}`})
	if res.status < 400 || res.status >= 500 {
		t.Errorf("set an unknown team: %d %s, want a 4xx naming it", res.status, res.body)
	}

	res = e.do(req{method: "DELETE", path: "/api/v1/teams/sre"})
	if res.status != 204 {
		t.Errorf("delete: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/teams/sre"})
	if res.status != 404 {
		t.Errorf("get after delete: %d, want 404", res.status)
	}
}
