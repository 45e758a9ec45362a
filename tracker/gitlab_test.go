package tracker

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func gitlabIssue(iid int, desc string) map[string]any {
	return map[string]any{"id": 3000 + iid, "iid": iid, "project_id": 7, "title": "t", "description": desc, "state": "opened",
		"web_url": fmt.Sprintf("https://gitlab.example.com/acme/platform/ops/-/issues/%d", iid), "labels": []string{}}
}

func gitlabConfig(base string) Config {
	return Config{Kind: GitLab, Repo: "acme/platform/ops", BaseURL: base + "/api/v4/", Labels: []string{"postmortem"}, Token: "gl-token"}
}

const gitlabProject = "/api/v4/projects/acme%2Fplatform%2Fops"

func TestGitLabCreate(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, gitlabSpec, "", func(c call) reply {
		switch routeKey(c) {
		case "GET /api/v4/users":
			if c.Query.Get("username") != "ann" {
				t.Errorf("user lookup %v", c.Query)
			}
			return reply{Status: 200, Body: []any{map[string]any{"id": 5, "username": "ann", "name": "Ann", "state": "active"}}}
		case "POST " + gitlabProject + "/issues":
			return reply{Status: 201, Body: gitlabIssue(3, "")}
		case "PUT " + gitlabProject + "/issues/3":
			return reply{Status: 200, Body: gitlabIssue(3, "")}
		}
		return f.unexpected(c)
	})
	c := mustClient(t, gitlabConfig(f.srv.URL))
	ref, err := c.Create(context.Background(), Issue{Title: "Rotate", Body: "Rotate the credentials.", Labels: []string{"P2"},
		Assignee: "@ann", Due: time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC), Marker: testMarker, Closed: true})
	if err != nil {
		t.Fatal(err)
	}
	if ref != (Ref{Kind: GitLab, Key: "acme/platform/ops#3", URL: "https://gitlab.example.com/acme/platform/ops/-/issues/3"}) {
		t.Fatalf("ref %+v", ref)
	}
	calls := f.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want user lookup, create, close", len(calls))
	}
	if got := calls[1].Header.Get("Private-Token"); got != "gl-token" {
		t.Errorf("PRIVATE-TOKEN %q", got)
	}
	req := calls[1].json(t)
	if req["description"] != "Rotate the credentials.\n\n<!-- "+testMarker+" -->" {
		t.Errorf("description %q", req["description"])
	}
	if req["due_date"] != "2026-12-20" {
		t.Errorf("due_date %v", req["due_date"])
	}
	if req["labels"] != "postmortem,P2" {
		t.Errorf("labels %v", req["labels"])
	}
	if ids, _ := req["assignee_ids"].([]any); len(ids) != 1 || ids[0] != float64(5) {
		t.Errorf("assignee_ids %v", req["assignee_ids"])
	}
	if calls[2].json(t)["state_event"] != "close" {
		t.Errorf("close sent %s", calls[2].Body)
	}
}

func TestGitLabUpdate(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, gitlabSpec, "", func(c call) reply {
		if routeKey(c) == "PUT "+gitlabProject+"/issues/3" {
			return reply{Status: 200, Body: gitlabIssue(3, "")}
		}
		return f.unexpected(c)
	})
	c := mustClient(t, gitlabConfig(f.srv.URL))
	ref := Ref{Kind: GitLab, Key: "acme/platform/ops#3"}
	due := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	if err := c.Update(context.Background(), ref, Change{Closed: ptr(false), Due: &due}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(context.Background(), ref, Change{Due: &time.Time{}}); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	if p := calls[0].json(t); p["state_event"] != "reopen" || p["due_date"] != "2027-01-15" {
		t.Errorf("update sent %v", p)
	}
	if p := calls[1].json(t); p["due_date"] != nil {
		t.Errorf("clearing sent %v, want due_date null", p)
	} else if _, ok := p["due_date"]; !ok {
		t.Errorf("clearing sent %v without due_date", p)
	}
}

func TestGitLabFindByMarker(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, gitlabSpec, "", func(c call) reply {
		if routeKey(c) != "GET "+gitlabProject+"/issues" {
			return f.unexpected(c)
		}
		if c.Query.Get("search") != testMarker || c.Query.Get("in") != "description" {
			t.Errorf("query %v", c.Query)
		}
		return reply{Status: 200, Body: []any{gitlabIssue(4, "<!-- "+testMarker+"0 -->"), gitlabIssue(3, "x <!-- "+testMarker+" -->")}}
	})
	c := mustClient(t, gitlabConfig(f.srv.URL))
	ref, ok, err := c.FindByMarker(context.Background(), testMarker)
	if err != nil || !ok || ref.Key != "acme/platform/ops#3" {
		t.Fatalf("FindByMarker: %+v %v %v", ref, ok, err)
	}
}
