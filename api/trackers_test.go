package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/tracker"
)

// okTracker creates issues org/repo#1, #2... and accepts every update.
type okTracker struct{ n int }

func (c *okTracker) Create(context.Context, tracker.Issue) (tracker.Ref, error) {
	c.n++
	return tracker.Ref{Kind: tracker.GitHub, Key: "org/repo#" + string(rune('0'+c.n)), URL: "https://github.com/org/repo/issues/" + string(rune('0'+c.n))}, nil
}
func (c *okTracker) Update(context.Context, tracker.Ref, tracker.Change) error { return nil }
func (c *okTracker) FindByMarker(context.Context, string) (tracker.Ref, bool, error) {
	return tracker.Ref{}, false, nil
}

func trackerService(t *testing.T, yaml string) *app.Service {
	t.Helper()
	// the store and the service on one clock, as serve has them
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/test.db", sqlite.Options{Render: app.Render, Clock: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(st, app.Options{Now: func() time.Time { return clock }, Lint: cfg})
	fake := &okTracker{}
	svc.UseTrackers(app.TrackerOptions{NewClient: func(tracker.Config, *http.Client) (tracker.Client, error) { return fake, nil }})
	return svc
}

func TestCreateIssueAPI(t *testing.T) {
	svc := trackerService(t, "trackers:\n  github:\n    repo: org/repo\n")
	e := newEnvWith(t, svc, api.Options{})
	in, err := svc.Create(context.Background(), app.System, sampleDoc("Checkout down"), app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key := in.Doc.ActionItems[0].ID
	if key == "" {
		key = "1"
	}
	path := "/api/v1/incidents/" + in.ID + "/action-items/" + key + "/issue"
	res := e.do(req{method: "POST", path: path})
	var l api.TrackerLinkJSON
	res.json(t, &l)
	if res.status != http.StatusAccepted || l.State != "creating" || l.Kind != "github" || l.Reason != "queued" {
		t.Fatalf("%d %+v", res.status, l)
	}
	if res := e.do(req{method: "POST", path: path}); res.status != http.StatusConflict {
		t.Errorf("second create: %d %s", res.status, res.body)
	}
	if res := e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/action-items/AI-999/issue"}); res.status != http.StatusNotFound {
		t.Errorf("unknown item: %d", res.status)
	}
	if _, err := svc.SyncTrackers(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/tracker-links"})
	var list struct{ Links []api.TrackerLinkJSON }
	res.json(t, &list)
	if res.status != 200 || len(list.Links) != 1 || list.Links[0].State != "synced" || list.Links[0].IssueKey != "org/repo#1" || list.Links[0].URL == "" {
		t.Fatalf("links %d %s", res.status, res.body)
	}
	if res := e.do(req{method: "GET", path: "/api/v1/incidents/INC-20990101-001/tracker-links"}); res.status != http.StatusNotFound {
		t.Errorf("unknown incident: %d", res.status)
	}
}

func TestCreateIssueWithoutTracker(t *testing.T) {
	svc := trackerService(t, "rules: {}\n")
	e := newEnvWith(t, svc, api.Options{})
	in, err := svc.Create(context.Background(), app.System, sampleDoc("Checkout down"), app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res := e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/action-items/1/issue"})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.errorBody(t).Message, "no issue tracker is configured") {
		t.Errorf("%d %s", res.status, res.body)
	}
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// TestTrackerHooks: a signed GitHub issues event closes the linked item as
// one revision by tracker:github; the same event again changes nothing; a
// bad signature is 403 and changes nothing.
func TestTrackerHooks(t *testing.T) {
	svc := trackerService(t, "trackers:\n  github:\n    repo: org/repo\n")
	h, err := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, api.TrackerHooks(svc, api.HookSecrets{GitHub: "s3cret"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in, err := svc.Create(ctx, app.System, sampleDoc("Checkout down"), app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateIssue(ctx, app.System, in.ID, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SyncTrackers(ctx, 10); err != nil {
		t.Fatal(err)
	}
	body := `{"action":"closed","issue":{"number":1,"state":"closed","html_url":"https://github.com/org/repo/issues/1","body":"x"},"repository":{"full_name":"org/repo"},"sender":{"login":"dana-gh"}}`
	post := func(sig string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/hooks/github", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-GitHub-Event", "issues")
		r.Header.Set("X-Hub-Signature-256", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := post(sign("wrong", body)); w.Code != http.StatusForbidden {
		t.Errorf("bad signature: %d %s", w.Code, w.Body)
	}
	w := post(sign("s3cret", body))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"changed":true`) {
		t.Fatalf("event: %d %s", w.Code, w.Body)
	}
	cur, err := svc.Get(ctx, app.System, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Doc.ActionItems[0].Status != hindsight.ItemClosed || cur.UpdatedBy != "tracker:github" {
		t.Errorf("item %+v by %s", cur.Doc.ActionItems[0], cur.UpdatedBy)
	}
	if w := post(sign("s3cret", body)); w.Code != 200 || !strings.Contains(w.Body.String(), `"changed":false`) {
		t.Errorf("same event again: %d %s", w.Code, w.Body)
	}
	again, _ := svc.Get(ctx, app.System, in.ID)
	if again.Revision != cur.Revision {
		t.Errorf("redelivery made revision %d", again.Revision)
	}
	if n, _ := svc.SyncTrackers(ctx, 10); n != 0 {
		t.Errorf("the tracker's close is to be sent back: %d links", n)
	}
}
