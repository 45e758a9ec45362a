package tracker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// githubIssue is a REST issue as GitHub answers it (the fields the client
// reads and the description's required ones).
func githubIssue(base string, n int, body string, pr bool) map[string]any {
	u := fmt.Sprintf("%s/repos/acme/ops/issues/%d", base, n)
	is := map[string]any{
		"id": 2000 + n, "node_id": "I_x", "url": u, "repository_url": base + "/repos/acme/ops",
		"labels_url": u + "/labels{/name}", "comments_url": u + "/comments", "events_url": u + "/events",
		"html_url": fmt.Sprintf("https://github.example.com/acme/ops/issues/%d", n), "number": n, "state": "open",
		"title": "t", "body": body, "user": nil, "labels": []any{}, "assignee": nil, "assignees": []any{}, "milestone": nil,
		"locked": false, "active_lock_reason": nil, "comments": 0, "closed_at": nil,
		"created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z", "author_association": "NONE",
	}
	if pr {
		is["pull_request"] = map[string]any{"url": u, "html_url": u, "diff_url": u, "patch_url": u}
	}
	return is
}

func githubConfig(base string) Config {
	return Config{Kind: GitHub, Repo: "acme/ops", BaseURL: base, Labels: []string{"postmortem"}, Token: "gh-token"}
}

func TestGitHubCreate(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, githubSpec, "/api/v3", func(c call) reply {
		switch routeKey(c) {
		case "POST /api/v3/repos/acme/ops/issues":
			return reply{Status: 201, Body: githubIssue(f.srv.URL, 12, "", false)}
		case "PATCH /api/v3/repos/acme/ops/issues/12":
			return reply{Status: 200, Body: githubIssue(f.srv.URL, 12, "", false)}
		}
		return f.unexpected(c)
	})
	c := mustClient(t, githubConfig(f.srv.URL))
	due := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
	ref, err := c.Create(context.Background(), Issue{Title: "Add an alert", Body: "Add the alert.\n\nFrom [INC-20261201-001](https://h.example/incidents/INC-20261201-001).",
		Labels: []string{"P1", "Postmortem"}, Assignee: "ann", Due: due, Marker: testMarker, Closed: true})
	if err != nil {
		t.Fatal(err)
	}
	if ref != (Ref{Kind: GitHub, Key: "acme/ops#12", URL: "https://github.example.com/acme/ops/issues/12"}) {
		t.Fatalf("ref %+v", ref)
	}
	calls := f.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want create then close", len(calls))
	}
	if got := calls[0].Header.Get("Authorization"); got != "Bearer gh-token" {
		t.Errorf("Authorization %q", got)
	}
	req := calls[0].json(t)
	body, _ := req["body"].(string)
	if !strings.Contains(body, "**Due:** 2026-12-20") || !strings.HasSuffix(body, "<!-- "+testMarker+" -->") {
		t.Errorf("body lacks the due line or ends without the marker comment:\n%s", body)
	}
	if d, ok := bodyDue(body); !ok || !d.Equal(due) {
		t.Errorf("bodyDue reads %v %v back", d, ok)
	}
	if l, _ := req["labels"].([]any); len(l) != 2 || l[0] != "postmortem" || l[1] != "P1" {
		t.Errorf("labels %v, want [postmortem P1] (deduplicated case-insensitively)", req["labels"])
	}
	if !hasString(req["assignees"], "ann") {
		t.Errorf("assignees %v", req["assignees"])
	}
	if p := calls[1].json(t); p["state"] != "closed" || p["state_reason"] != "completed" {
		t.Errorf("close sent %v", p)
	}
}

func TestGitHubUpdate(t *testing.T) {
	const old = "Add the alert.\n\n**Due:** 2026-12-20\n\n<!-- " + testMarker + " -->"
	var f *fakeTracker
	f = newFakeTracker(t, githubSpec, "/api/v3", func(c call) reply {
		switch routeKey(c) {
		case "GET /api/v3/repos/acme/ops/issues/12":
			return reply{Status: 200, Body: githubIssue(f.srv.URL, 12, old, false)}
		case "PATCH /api/v3/repos/acme/ops/issues/12":
			return reply{Status: 200, Body: githubIssue(f.srv.URL, 12, "", false)}
		}
		return f.unexpected(c)
	})
	c := mustClient(t, githubConfig(f.srv.URL))
	ref := Ref{Kind: GitHub, Key: "acme/ops#12"}
	due := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	if err := c.Update(context.Background(), ref, Change{Closed: ptr(false), Due: &due}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(context.Background(), ref, Change{Due: &time.Time{}}); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls, want GET PATCH GET PATCH", len(calls))
	}
	p := calls[1].json(t)
	if p["state"] != "open" || p["state_reason"] != "reopened" {
		t.Errorf("reopen sent %v", p)
	}
	if want := strings.Replace(old, "2026-12-20", "2027-01-15", 1); p["body"] != want {
		t.Errorf("body %q, want %q", p["body"], want)
	}
	if want := "Add the alert.\n\n<!-- " + testMarker + " -->"; calls[3].json(t)["body"] != want {
		t.Errorf("cleared body %q, want %q", calls[3].json(t)["body"], want)
	}
	if err := c.Update(context.Background(), Ref{Kind: GitHub, Key: "other/repo#1"}, Change{Closed: ptr(true)}); err == nil {
		t.Error("a ref of another repository was accepted")
	}
}

func TestGitHubFindByMarker(t *testing.T) {
	var f *fakeTracker
	f = newFakeTracker(t, githubSpec, "/api/v3", func(c call) reply {
		if routeKey(c) != "GET /api/v3/repos/acme/ops/issues" {
			return f.unexpected(c)
		}
		q := c.Query
		if q.Get("state") != "all" || q.Get("sort") != "created" || q.Get("direction") != "desc" || q.Get("labels") != "postmortem" {
			t.Errorf("query %v", q)
		}
		return reply{Status: 200, Body: []any{
			githubIssue(f.srv.URL, 14, "<!-- "+testMarker+" -->", true),   // a pull request
			githubIssue(f.srv.URL, 13, "<!-- "+testMarker+"0 -->", false), // AI-0010: another item
			githubIssue(f.srv.URL, 12, "text\n\n<!-- "+testMarker+" -->", false),
		}}
	})
	c := mustClient(t, githubConfig(f.srv.URL))
	ref, ok, err := c.FindByMarker(context.Background(), testMarker)
	if err != nil || !ok || ref.Key != "acme/ops#12" {
		t.Fatalf("FindByMarker: %+v %v %v, want acme/ops#12", ref, ok, err)
	}
	_, ok, err = c.FindByMarker(context.Background(), "hindsight:INC-20261201-001/AI-009")
	if err != nil || ok {
		t.Fatalf("absent marker: %v %v", ok, err)
	}
}

func TestBodyDue(t *testing.T) {
	d := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct{ in, want string }{
		{"text", "text\n\n**Due:** 2027-01-15"},
		{"text\n\n<!-- " + testMarker + " -->", "text\n\n**Due:** 2027-01-15\n\n<!-- " + testMarker + " -->"},
		{"a\nDue: 2026-01-01\nb", "a\n**Due:** 2027-01-15\nb"},
		{"a\n**due date:** 2026-01-01\r\nb", "a\n**Due:** 2027-01-15\r\nb"},
	}
	for _, tt := range tests {
		if got := setBodyDue(tt.in, d); got != tt.want {
			t.Errorf("setBodyDue(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got, ok := bodyDue(setBodyDue(tt.in, d)); !ok || !got.Equal(d) {
			t.Errorf("bodyDue after setBodyDue(%q) = %v %v", tt.in, got, ok)
		}
	}
	if got := setBodyDue("a\n**Due:** 2026-01-01\nb", time.Time{}); got != "a\nb" {
		t.Errorf("clearing: %q", got)
	}
}
