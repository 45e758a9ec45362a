package tracker

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
)

const testMarker = "hindsight:INC-20261201-001/AI-001"

func jiraConfig(base string) Config {
	return Config{Kind: Jira, BaseURL: base, Project: "OPS", IssueType: "Task", Labels: []string{"postmortem"},
		Email: "bot@acme.example", Token: "jira-token"}
}

func jiraTransitions() reply {
	return reply{Status: 200, Body: map[string]any{"transitions": []any{
		map[string]any{"id": "11", "name": "To Do", "hasScreen": false, "isAvailable": true,
			"to": map[string]any{"id": "10000", "name": "To Do", "statusCategory": map[string]any{"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"}}},
		map[string]any{"id": "21", "name": "In Progress", "to": map[string]any{"id": "3", "name": "In Progress", "statusCategory": map[string]any{"id": 4, "key": "indeterminate"}}},
		map[string]any{"id": "31", "name": "Done", "to": map[string]any{"id": "10001", "name": "Done", "statusCategory": map[string]any{"id": 3, "key": "done"}}},
	}}}
}

func TestJiraCreate(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, "jira-platform-v3.json", "", func(c call) reply {
		switch routeKey(c) {
		case "POST /rest/api/3/issue":
			return reply{Status: 201, Body: map[string]any{"id": "10012", "key": "OPS-12", "self": f.srv.URL + "/rest/api/3/issue/10012"}}
		case "GET /rest/api/3/issue/OPS-12/transitions":
			return jiraTransitions()
		case "POST /rest/api/3/issue/OPS-12/transitions":
			return reply{Status: 204}
		}
		return f.unexpected(c)
	})
	c := mustClient(t, jiraConfig(f.srv.URL+"/"))
	due := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
	ref, err := c.Create(context.Background(), Issue{
		Title: "Add a rate limit alert\nfor the DNS resolver", Body: "Add the alert.\n\nFrom https://hindsight.example.com/incidents/INC-20261201-001.",
		Labels: []string{"P1", "dns resolver"}, Assignee: "5b10a2844c20165700ede21g", Due: due, Marker: testMarker, Closed: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ref != (Ref{Kind: Jira, Key: "OPS-12", URL: f.srv.URL + "/browse/OPS-12"}) {
		t.Fatalf("ref %+v", ref)
	}
	calls := f.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want create, transitions, transition", len(calls))
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("bot@acme.example:jira-token"))
	if got := calls[0].Header.Get("Authorization"); got != auth {
		t.Errorf("Authorization %q, want %q", got, auth)
	}
	fields, _ := calls[0].json(t)["fields"].(map[string]any)
	if fields["summary"] != "Add a rate limit alert for the DNS resolver" {
		t.Errorf("summary %q", fields["summary"])
	}
	if fields["duedate"] != "2026-12-20" {
		t.Errorf("duedate %v", fields["duedate"])
	}
	if p, _ := fields["priority"].(map[string]any); p["name"] != "High" {
		t.Errorf("priority %v, want High for the P1 label", fields["priority"])
	}
	for _, l := range []string{"postmortem", "dns-resolver", testMarker} {
		if !hasString(fields["labels"], l) {
			t.Errorf("labels %v lack %q", fields["labels"], l)
		}
	}
	if hasString(fields["labels"], "P1") {
		t.Errorf("labels %v keep the priority label", fields["labels"])
	}
	if a, _ := fields["assignee"].(map[string]any); a["accountId"] != "5b10a2844c20165700ede21g" {
		t.Errorf("assignee %v", fields["assignee"])
	}
	desc, _ := fields["description"].(map[string]any)
	if desc["type"] != "doc" || desc["version"] != float64(1) {
		t.Errorf("description is not an ADF document: %v", desc)
	}
	if tr, _ := calls[2].json(t)["transition"].(map[string]any); tr["id"] != "31" {
		t.Errorf("closing used transition %v, want 31 (into the done category)", tr)
	}
}

func TestJiraUpdate(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, "jira-platform-v3.json", "", func(c call) reply {
		switch routeKey(c) {
		case "PUT /rest/api/3/issue/OPS-12":
			return reply{Status: 204}
		case "GET /rest/api/3/issue/OPS-12/transitions":
			return jiraTransitions()
		case "POST /rest/api/3/issue/OPS-12/transitions":
			return reply{Status: 204}
		}
		return f.unexpected(c)
	})
	// Jira's documentation clears a field with null ({"fields":{"duedate":null}});
	// its description gives `fields` values the schema {} without nullable.
	f.allow = []string{`"/fields/duedate": Value is not nullable`}
	c := mustClient(t, jiraConfig(f.srv.URL))
	ref := Ref{Kind: Jira, Key: "OPS-12"}
	due := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	if err := c.Update(context.Background(), ref, Change{Closed: ptr(false), Due: &due}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(context.Background(), ref, Change{Due: &time.Time{}}); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls, want PUT, GET, POST, PUT", len(calls))
	}
	if f0, _ := calls[0].json(t)["fields"].(map[string]any); f0["duedate"] != "2027-01-15" {
		t.Errorf("due date sent %v", f0)
	}
	if tr, _ := calls[2].json(t)["transition"].(map[string]any); tr["id"] != "11" {
		t.Errorf("reopening used transition %v, want 11 (into the new category)", tr)
	}
	f3, _ := calls[3].json(t)["fields"].(map[string]any)
	if v, ok := f3["duedate"]; !ok || v != nil {
		t.Errorf("clearing the due date sent %v, want duedate null", f3)
	}
	if err := c.Update(context.Background(), Ref{Kind: Jira, Key: "../OPS-12"}, Change{Closed: ptr(true)}); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("bad key: %v, want EInvalid", err)
	}
}

func TestJiraFindByMarker(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, "jira-platform-v3.json", "", func(c call) reply {
		if routeKey(c) != "POST /rest/api/3/search/jql" {
			return f.unexpected(c)
		}
		jql, _ := c.json(t)["jql"].(string)
		if jql != `project = "OPS" AND labels = "`+testMarker+`"` {
			t.Errorf("jql %q", jql)
		}
		return reply{Status: 200, Body: map[string]any{"isLast": true, "issues": []any{
			map[string]any{"id": "10012", "key": "OPS-12", "fields": map[string]any{"labels": []string{"postmortem", testMarker}}},
		}}}
	})
	c := mustClient(t, jiraConfig(f.srv.URL))
	ref, ok, err := c.FindByMarker(context.Background(), testMarker)
	if err != nil || !ok || ref.Key != "OPS-12" || ref.URL != f.srv.URL+"/browse/OPS-12" {
		t.Fatalf("FindByMarker: %+v %v %v", ref, ok, err)
	}
	if _, _, err := c.FindByMarker(context.Background(), `x" OR project = "SECRET`); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Fatalf("a JQL injection attempt: %v, want EInvalid", err)
	}
}

// TestRetryErrors: every client turns rate limits, 5xx and an unreachable
// tracker into a *RetryError with the delay the tracker asked for, and other
// refusals into coded errors.
func TestRetryErrors(t *testing.T) {
	reset := time.Now().Add(90 * time.Second).Unix()
	tests := []struct {
		name  string
		rep   reply
		after time.Duration // -1: not a RetryError
		code  hindsight.Code
	}{
		{"429RetryAfter", reply{Status: 429, Header: http.Header{"Retry-After": {"30"}}, Body: map[string]any{"message": "slow down"}}, 30 * time.Second, ""},
		{"503", reply{Status: 503, Body: map[string]any{"message": "down"}}, 0, ""},
		{"403Secondary", reply{Status: 403, Header: http.Header{"Retry-After": {"60"}}, Body: map[string]any{"message": "You have exceeded a secondary rate limit"}}, 60 * time.Second, ""},
		{"403Primary", reply{Status: 403, Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {itoa(reset)}}, Body: map[string]any{"message": "API rate limit exceeded"}}, 90 * time.Second, ""},
		{"401", reply{Status: 401, Body: map[string]any{"message": "Bad credentials"}}, -1, hindsight.EUnauth},
		{"404", reply{Status: 404, Body: map[string]any{"message": "Not Found"}}, -1, hindsight.ENotFound},
		{"422", reply{Status: 422, Body: map[string]any{"message": "Validation Failed", "errorMessages": []string{}, "errors": map[string]string{"duedate": "bad"}}}, -1, hindsight.EInvalid},
	}
	for _, kind := range Kinds {
		for _, tt := range tests {
			t.Run(string(kind)+"/"+tt.name, func(t *testing.T) {
				f := newFakeTracker(t, "", "", func(call) reply { return tt.rep })
				cfg := Config{Kind: kind, Repo: "acme/ops", BaseURL: f.srv.URL + "/", Project: "OPS", Token: "t"}
				if kind == GitLab {
					cfg.BaseURL = f.srv.URL + "/api/v4/"
				}
				c := mustClient(t, cfg)
				_, err := c.Create(context.Background(), Issue{Title: "x", Marker: testMarker})
				checkRetry(t, err, tt.after, tt.code)
			})
		}
	}
	for _, kind := range Kinds {
		t.Run(string(kind)+"/Unreachable", func(t *testing.T) {
			f := newFakeTracker(t, "", "", func(call) reply { return reply{Status: 200} })
			f.srv.Close()
			c := mustClient(t, Config{Kind: kind, Repo: "acme/ops", BaseURL: f.srv.URL + "/", Project: "OPS"})
			_, _, err := c.FindByMarker(context.Background(), testMarker)
			checkRetry(t, err, 0, "")
		})
	}
}

func checkRetry(t *testing.T, err error, after time.Duration, code hindsight.Code) {
	t.Helper()
	var re *RetryError
	if after < 0 {
		if errors.As(err, &re) {
			t.Fatalf("err %v is a RetryError, want code %q", err, code)
		}
		if got := hindsight.ErrorCode(err); got != code {
			t.Fatalf("err %v: code %q, want %q", err, got, code)
		}
		return
	}
	if !errors.As(err, &re) {
		t.Fatalf("err %v (%T), want a RetryError", err, err)
	}
	// The reset time is absolute: allow the seconds the test took.
	if re.After > after || re.After < after-5*time.Second {
		t.Fatalf("After %v, want %v", re.After, after)
	}
}

func itoa(n int64) string { return fmtInt(n) }

// TestJiraAlreadyThere: closing an issue that is already done (no transition
// into the done category is offered) succeeds without a transition; a
// workflow that forbids the move is EConflict.
func TestJiraAlreadyThere(t *testing.T) {
	category := "done"
	var f *fakeTracker
	f = newFakeTracker(t, "jira-platform-v3.json", "", func(c call) reply {
		switch routeKey(c) {
		case "GET /rest/api/3/issue/OPS-12/transitions":
			return reply{Status: 200, Body: map[string]any{"transitions": []any{
				map[string]any{"id": "11", "name": "Reopen", "to": map[string]any{"id": "10000", "name": "To Do", "statusCategory": map[string]any{"id": 2, "key": "new"}}},
			}}}
		case "GET /rest/api/3/issue/OPS-12":
			if c.Query.Get("fields") != "status" {
				t.Errorf("query %v", c.Query)
			}
			return reply{Status: 200, Body: map[string]any{"id": "10012", "key": "OPS-12",
				"fields": map[string]any{"status": map[string]any{"name": "x", "statusCategory": map[string]any{"key": category}}}}}
		}
		return f.unexpected(c)
	})
	c := mustClient(t, jiraConfig(f.srv.URL))
	if err := c.Update(context.Background(), Ref{Kind: Jira, Key: "OPS-12"}, Change{Closed: ptr(true)}); err != nil {
		t.Fatalf("closing a done issue: %v", err)
	}
	category = "new"
	if err := c.Update(context.Background(), Ref{Kind: Jira, Key: "OPS-12"}, Change{Closed: ptr(true)}); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Fatalf("a forbidden move: %v, want EConflict", err)
	}
	for _, cl := range f.Calls() {
		if cl.Method == http.MethodPost {
			t.Errorf("a transition was posted: %s", cl.Body)
		}
	}
}

// TestJiraPriority: every priority the model knows (P0-P2) maps to Jira's
// default scheme unless trackers.jira.priorities names another; an item
// priority written as a Jira name is sent as that name; a priority label
// counts only when the item has no priority.
func TestJiraPriority(t *testing.T) {
	for _, tc := range []struct {
		name     string
		config   map[hindsight.Priority]string
		priority hindsight.Priority
		labels   []string
		want     string // "" : no priority field
	}{
		{"P0", nil, hindsight.P0, nil, "Highest"},
		{"P1", nil, hindsight.P1, nil, "High"},
		{"P2", nil, hindsight.P2, nil, "Medium"},
		{"as written p-2", nil, "p-2", nil, "Medium"},
		{"Jira name Low", nil, "low", nil, "Low"},
		{"Jira name Lowest", nil, "Lowest", nil, "Lowest"},
		{"unknown text", nil, "soon", nil, ""},
		{"none", nil, "", nil, ""},
		{"configured P2", map[hindsight.Priority]string{hindsight.P2: "Low"}, hindsight.P2, nil, "Low"},
		{"configured keeps other defaults", map[hindsight.Priority]string{hindsight.P2: "Low"}, hindsight.P0, nil, "Highest"},
		{"configured custom scheme", map[hindsight.Priority]string{hindsight.P0: "Blocker"}, hindsight.P0, nil, "Blocker"},
		{"label when no priority", nil, "", []string{"priority/P2"}, "Medium"},
		{"item priority over label", nil, hindsight.P0, []string{"P2"}, "Highest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f *fakeTracker
			f = newFakeTracker(t, "jira-platform-v3.json", "", func(c call) reply {
				if routeKey(c) == "POST /rest/api/3/issue" {
					return reply{Status: 201, Body: map[string]any{"id": "10012", "key": "OPS-12", "self": f.srv.URL + "/rest/api/3/issue/10012"}}
				}
				return f.unexpected(c)
			})
			cfg := jiraConfig(f.srv.URL)
			cfg.Priorities = tc.config
			c := mustClient(t, cfg)
			if _, err := c.Create(context.Background(), Issue{Title: "Alert on saturation", Priority: tc.priority, Labels: tc.labels, Marker: testMarker}); err != nil {
				t.Fatal(err)
			}
			calls := f.Calls()
			if len(calls) != 1 {
				t.Fatalf("%d calls, want one create", len(calls))
			}
			fields, _ := calls[0].json(t)["fields"].(map[string]any)
			p, _ := fields["priority"].(map[string]any)
			if got, _ := p["name"].(string); got != tc.want {
				t.Errorf("priority %v, want %q", fields["priority"], tc.want)
			}
			for _, l := range tc.labels {
				if hasString(fields["labels"], l) {
					t.Errorf("labels %v keep the priority label %q", fields["labels"], l)
				}
			}
		})
	}
}

func TestJiraPrioritiesConfigRefused(t *testing.T) {
	for _, bad := range []map[hindsight.Priority]string{{"P3": "Low"}, {hindsight.P1: " "}} {
		cfg := jiraConfig("https://example.atlassian.net")
		cfg.Priorities = bad
		if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "trackers.jira.priorities") {
			t.Errorf("%v: error %v, want one naming trackers.jira.priorities", bad, err)
		}
	}
}
