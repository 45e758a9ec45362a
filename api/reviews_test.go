package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// newReviewEnv is an API whose caller is chosen by the X-Test-As header
// (an account ID), over a store with four accounts and a gate needing one
// approval for SEV-2.
func newReviewEnv(t *testing.T) (*env, map[string]app.Actor) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/test.db", sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("review:\n  required_approvals: {SEV-2: 1}\n  resolve_threads: true\n  due_days: {default: 10}\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(st, app.Options{Now: func() time.Time { return clock }, Lint: cfg})
	actors := map[string]app.Actor{}
	for _, u := range []struct {
		id   string
		role hindsight.Role
	}{{"usr_author", hindsight.RoleEditor}, {"usr_reviewer", hindsight.RoleEditor}, {"usr_admin", hindsight.RoleAdmin}, {"usr_viewer", hindsight.RoleViewer}} {
		user := &hindsight.User{ID: u.id, Email: u.id[4:] + "@example.com", Role: u.role, PasswordHash: "$argon2id$x"}
		if err := st.CreateUser(ctx, user, false, "", nil); err != nil {
			t.Fatal(err)
		}
		actors[u.id] = app.Actor{ID: user.ID, Name: user.Email, Viewer: user.Viewer()}
	}
	e := newEnvWith(t, svc, api.Options{Actor: func(r *http.Request) app.Actor { return actors[r.Header.Get("X-Test-As")] }})
	return e, actors
}

func as(id string) map[string]string {
	return map[string]string{"Content-Type": "application/json", "X-Test-As": id}
}

func TestReviewAPI(t *testing.T) {
	e, actors := newReviewEnv(t)
	ctx := context.Background()
	start, _ := hindsight.ParseTime("2026-11-18 14:00")
	in, err := e.svc.Open(ctx, actors["usr_author"], app.NewIncident{Title: "Checkout down", Severity: hindsight.Sev2, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	doc := *in.Doc
	doc.Status = hindsight.StatusInReview
	doc.Summary.End, _ = hindsight.ParseTime("2026-11-18 15:00")
	doc.Timeline = []hindsight.Event{{Time: start, Event: "deploy started"}}
	if in, err = e.svc.Save(ctx, actors["usr_author"], in.ID, in.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/incidents/" + in.ID

	res := e.do(req{method: "POST", path: base + "/review-requests", header: as("usr_author"), body: `{"reviewers":["reviewer@example.com"]}`})
	if res.status != http.StatusCreated || !strings.Contains(string(res.body), `"reviewer":"usr_reviewer"`) {
		t.Fatalf("request review: %d %s", res.status, res.body)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"reviewers":["nobody@example.com"]}`, "reviewers[0]"},
		{`{"reviewers":["viewer@example.com"]}`, "reviewers[0]"},
		{`{"reviewers":[]}`, "reviewers"},
	} {
		res = e.do(req{method: "POST", path: base + "/review-requests", header: as("usr_author"), body: tc.body})
		if res.status != http.StatusUnprocessableEntity || len(res.errorBody(t).Fields) == 0 || res.errorBody(t).Fields[0].Field != tc.field {
			t.Errorf("%s: %d %s", tc.body, res.status, res.body)
		}
	}
	if res = e.do(req{method: "GET", path: base + "/review-requests", header: as("usr_reviewer")}); res.status != http.StatusOK {
		t.Errorf("list requests: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: base + "/comments", header: as("usr_reviewer"),
		body: `{"body":"which deploy?","anchor":{"kind":"timeline","section":"timeline","time":"2026-11-18 14:00","text":"deploy started"}}`})
	var c hindsight.Comment
	res.json(t, &c)
	if res.status != http.StatusCreated || c.Position.Row != 0 || c.Position.Outdated {
		t.Fatalf("comment: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: base + "/comments", header: as("usr_reviewer"), body: `{"body":"x","anchor":{"kind":"word"}}`, invalid: true})
	if res.status != http.StatusUnprocessableEntity || res.errorBody(t).Fields[0].Field != "anchor.kind" {
		t.Errorf("bad anchor: %d %s", res.status, res.body)
	}
	cpath := fmt.Sprintf("/api/v1/comments/%d", c.ID)
	if res = e.do(req{method: "PATCH", path: cpath, header: as("usr_author"), body: `{"body":"mine"}`}); res.status != http.StatusForbidden {
		t.Errorf("edit by another: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "PATCH", path: cpath, header: as("usr_reviewer"), body: `{"body":"which deploy, v2.3?"}`}); res.status != http.StatusOK || !strings.Contains(string(res.body), `"history":[{"body":"which deploy?"`) {
		t.Errorf("edit: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "GET", path: base + "/comments", header: as("usr_author")}); res.status != http.StatusOK {
		t.Errorf("list comments: %d %s", res.status, res.body)
	}
	// publishing is refused while the gate is red: 409 even with If-Match
	res = e.do(req{method: "POST", path: base + "/status", header: with(as("usr_author"), "If-Match", fmt.Sprintf(`"%d"`, in.Revision)), body: `{"status":"Published"}`})
	if res.status != http.StatusConflict || !strings.Contains(res.errorBody(t).Message, "0 current approvals of 1 required (SEV-2)") || !strings.Contains(res.errorBody(t).Message, "1 unresolved comment thread") {
		t.Fatalf("publish past a red gate: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "PATCH", path: cpath, header: as("usr_author"), body: `{"resolved":true}`}); res.status != http.StatusOK || !strings.Contains(string(res.body), `"resolved":true`) {
		t.Errorf("resolve: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "POST", path: base + "/reviews", header: as("usr_reviewer"), body: `{"state":"maybe"}`}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("bad state: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "POST", path: base + "/reviews", header: as("usr_reviewer"), body: `{"state":"approved","body":"LGTM"}`}); res.status != http.StatusCreated {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: base + "/reviews", header: as("usr_author")})
	var st app.ReviewStatus
	res.json(t, &st)
	if res.status != http.StatusOK || !st.Gate.OK || st.DueAt.IsZero() {
		t.Fatalf("review status: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "POST", path: base + "/status", header: as("usr_author"), body: `{"status":"Published"}`}); res.status != http.StatusOK {
		t.Fatalf("publish through a green gate: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "GET", path: base, header: as("usr_author")}); !strings.Contains(string(res.body), `"review_due_at":"2026-11-28T15:00:00Z"`) {
		t.Errorf("incident without its due date: %s", res.body)
	}
	if res = e.do(req{method: "DELETE", path: cpath, header: as("usr_admin")}); res.status != http.StatusNoContent {
		t.Errorf("admin delete: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "DELETE", path: base + "/review-requests/reviewer@example.com", header: as("usr_author")}); res.status != http.StatusNotFound {
		t.Errorf("withdraw a reviewed request: %d %s", res.status, res.body)
	}
	if res = e.do(req{method: "GET", path: "/api/v1/me/reviews", header: as("usr_reviewer")}); res.status != http.StatusOK {
		t.Errorf("me/reviews: %d %s", res.status, res.body)
	}
}

func TestPublishOverrideAPI(t *testing.T) {
	e, actors := newReviewEnv(t)
	ctx := context.Background()
	in, err := e.svc.Open(ctx, actors["usr_author"], app.NewIncident{Title: "Needs review", Severity: hindsight.Sev2})
	if err != nil {
		t.Fatal(err)
	}
	if in, err = e.svc.SetStatus(ctx, actors["usr_author"], in.ID, 0, hindsight.StatusInReview); err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/incidents/" + in.ID
	if _, err := e.svc.RequestReview(ctx, actors["usr_author"], in.ID, []string{"reviewer@example.com"}); err != nil {
		t.Fatal(err)
	}
	if res := e.do(req{method: "DELETE", path: base + "/review-requests/reviewer@example.com", header: as("usr_author")}); res.status != http.StatusNoContent {
		t.Errorf("withdraw: %d %s", res.status, res.body)
	}
	if res := e.do(req{method: "POST", path: base + "/status", header: as("usr_author"), body: `{"status":"Published","reason":"the CEO said so"}`}); res.status != http.StatusForbidden {
		t.Errorf("override by an editor: %d %s", res.status, res.body)
	}
	res := e.do(req{method: "POST", path: base + "/status", header: as("usr_admin"), body: `{"status":"Published","reason":"regulator deadline today"}`})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"publish_override":{"by":"admin@example.com"`) || !strings.Contains(string(res.body), `"reason":"regulator deadline today"`) {
		t.Fatalf("override by an admin: %d %s", res.status, res.body)
	}
	if res := e.do(req{method: "GET", path: base, header: as("usr_viewer")}); !strings.Contains(string(res.body), `"reason":"regulator deadline today"`) {
		t.Errorf("the incident does not show the override: %s", res.body)
	}
}

func TestIncidentListByDue(t *testing.T) {
	e, actors := newReviewEnv(t) // due_days 10; the clock is 2026-11-20 12:00
	ctx := context.Background()
	ids := map[string]string{}
	for _, x := range []struct{ name, end string }{{"overdue", "2026-11-01 10:00"}, {"thisweek", "2026-11-15 10:00"}, {"later", "2026-11-19 10:00"}, {"published", "2026-11-01 10:00"}, {"noend", ""}} {
		p := &hindsight.Postmortem{Title: x.name, Status: hindsight.StatusDraft}
		p.Summary.Severity = hindsight.Sev3
		p.Summary.Start, _ = hindsight.ParseTime("2026-10-30 10:00")
		if x.end != "" {
			p.Summary.End, _ = hindsight.ParseTime(x.end)
		}
		if x.name == "published" {
			p.Status = hindsight.StatusPublished
		}
		in, err := e.svc.Create(ctx, actors["usr_author"], p, app.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[x.name] = in.ID
	}
	list := func(query string) []string {
		t.Helper()
		res := e.do(req{method: "GET", path: "/api/v1/incidents?" + query, header: as("usr_viewer")})
		var page hindsight.IncidentPage
		res.json(t, &page)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, res.status, res.body)
		}
		var out []string
		for _, s := range page.Incidents {
			for name, id := range ids {
				if id == s.ID {
					out = append(out, name)
				}
			}
		}
		return out
	}
	for _, tc := range []struct{ query, want string }{
		{"due=overdue", "[overdue]"},
		{"due=this_week", "[thisweek]"},
		{"sort=due", "[overdue thisweek later noend]"},
		{"sort=due&order=desc", "[later thisweek overdue noend]"},
		{"sort=due&limit=2", "[overdue thisweek]"},
		{"due=overdue&status=Published", "[]"},
	} {
		if got := fmt.Sprint(list(tc.query)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.query, got, tc.want)
		}
	}
	// pages follow the store's cursor, in both directions
	for _, tc := range []struct{ query, want string }{
		{"sort=due&limit=2", "[overdue thisweek] [later noend]"},
		{"sort=due&order=desc&limit=1", "[later] [thisweek] [overdue] [noend]"},
		{"due=overdue&limit=1", "[overdue]"},
	} {
		var got []string
		for q := tc.query; ; {
			res := e.do(req{method: "GET", path: "/api/v1/incidents?" + q, header: as("usr_viewer")})
			var page hindsight.IncidentPage
			res.json(t, &page)
			names := list(q)
			got = append(got, fmt.Sprint(names))
			if page.Next == "" || len(got) > 5 {
				break
			}
			q = tc.query + "&cursor=" + url.QueryEscape(page.Next)
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%s, by pages: %s, want %s", tc.query, s, tc.want)
		}
	}
	if res := e.do(req{method: "GET", path: "/api/v1/incidents?sort=due&cursor=due:2", header: as("usr_viewer"), invalid: true}); res.status != http.StatusBadRequest {
		t.Errorf("a cursor of another list: %d %s", res.status, res.body)
	}
	res := e.do(req{method: "GET", path: "/api/v1/incidents?sort=due", header: as("usr_viewer")})
	if !strings.Contains(string(res.body), `"review_due_at":"2026-11-11T10:00:00Z"`) {
		t.Errorf("list items without their due date: %s", res.body)
	}
	if res := e.do(req{method: "GET", path: "/api/v1/incidents?due=soon", header: as("usr_viewer"), invalid: true}); res.status != http.StatusBadRequest || res.errorBody(t).Fields[0].Field != "due" {
		t.Errorf("bad due: %d %s", res.status, res.body)
	}
}
