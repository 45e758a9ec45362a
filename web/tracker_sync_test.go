package web_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/tracker"
	"github.com/hindsight-pm/hindsight/web"
)

// webTracker creates org/repo#1, #2... and accepts every update.
type webTracker struct{ n int }

func (c *webTracker) Create(context.Context, tracker.Issue) (tracker.Ref, error) {
	c.n++
	return tracker.Ref{Kind: tracker.GitHub, Key: "org/repo#" + string(rune('0'+c.n)), URL: "https://github.example/org/repo/issues/" + string(rune('0'+c.n))}, nil
}
func (c *webTracker) Update(context.Context, tracker.Ref, tracker.Change) error { return nil }
func (c *webTracker) FindByMarker(context.Context, string) (tracker.Ref, bool, error) {
	return tracker.Ref{}, false, nil
}

// TestCreateIssueButton: with a tracker configured, an open item without a
// ticket has "Create issue"; pressing it (htmx) shows "sync pending:
// queued"; after the worker's pass the item's Ticket links to its issue and
// the button is gone (issue 20).
func TestCreateIssueButton(t *testing.T) {
	clock := func() time.Time { return now }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("trackers:\n  github:\n    repo: org/repo\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(st, app.Options{Now: clock, Lint: cfg})
	svc.UseTrackers(app.TrackerOptions{NewClient: func(tracker.Config, *http.Client) (tracker.Client, error) { return &webTracker{}, nil }})
	ui, err := web.New(svc, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e := &env{t: t, svc: svc, srv: srv, c: c}
	ex := e.example("INC-20260704-001-nightly-billing-export-delay.md")
	var open string
	for _, it := range ex.Doc.ActionItems {
		if it.Status == hindsight.ItemOpen && it.Ticket == "" {
			open = it.ID
			break
		}
	}
	if open == "" {
		t.Fatal("fixture has no open action item without a ticket")
	}
	page := e.do("GET", "/incidents/"+ex.ID, nil, nil)
	if !strings.Contains(page.body, `aria-label="Create a github issue for `+open+`"`) {
		t.Fatalf("no Create issue button for %s", open)
	}
	checkHTML(t, "incident page", page.body)
	r := e.do("POST", "/incidents/"+ex.ID+"/action-items/"+open+"/issue", url.Values{}, map[string]string{"HX-Request": "true"})
	if r.code != 200 || !strings.Contains(r.body, "sync pending: queued") || strings.Contains(r.body, `issue for `+open+`"`) {
		t.Fatalf("after Create issue: %d, pending shown %v", r.code, strings.Contains(r.body, "sync pending: queued"))
	}
	// a second press (an old page): refused with a message, no second link
	if r := e.do("POST", "/incidents/"+ex.ID+"/action-items/"+open+"/issue", url.Values{}, nil); r.code != http.StatusSeeOther || !strings.Contains(r.hdr.Get("Set-Cookie"), "error") {
		t.Errorf("second press: %d %v", r.code, r.hdr)
	}
	if _, err := svc.SyncTrackers(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	page = e.do("GET", "/incidents/"+ex.ID, nil, nil)
	if !strings.Contains(page.body, `<a href="https://github.example/org/repo/issues/1" rel="noopener">org/repo#1</a>`) || strings.Contains(page.body, "sync pending") {
		i := strings.Index(page.body, "sec-action_items")
		t.Errorf("after the sync the page lacks the ticket link or still shows pending:\n%s", page.body[i:min(len(page.body), i+4000)])
	}
	checkHTML(t, "incident page after sync", page.body)
}
