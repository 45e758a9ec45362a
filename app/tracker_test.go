package app_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/tracker"
)

// fakeTracker is an issue tracker in memory: it counts the calls and can
// fail the next ones.
type fakeTracker struct {
	mu      sync.Mutex
	issues  []fakeIssue
	creates int
	updates []tracker.Change
	// fail is returned by the next calls (and dropped) while not empty
	fail []error
}

type fakeIssue struct {
	cfg tracker.Config
	is  tracker.Issue
	ref tracker.Ref
}

func (f *fakeTracker) next() error {
	if len(f.fail) == 0 {
		return nil
	}
	err := f.fail[0]
	f.fail = f.fail[1:]
	return err
}

type fakeClient struct {
	f   *fakeTracker
	cfg tracker.Config
}

func (c fakeClient) Create(_ context.Context, is tracker.Issue) (tracker.Ref, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	if err := c.f.next(); err != nil {
		return tracker.Ref{}, err
	}
	c.f.creates++
	where := c.cfg.Repo
	if c.cfg.Kind == tracker.Jira {
		where = c.cfg.Project
	}
	ref := tracker.Ref{Kind: c.cfg.Kind, Key: fmt.Sprintf("%s#%d", where, len(c.f.issues)+1), URL: fmt.Sprintf("https://tracker.example/%s/%d", where, len(c.f.issues)+1)}
	c.f.issues = append(c.f.issues, fakeIssue{c.cfg, is, ref})
	return ref, nil
}

func (c fakeClient) Update(_ context.Context, ref tracker.Ref, ch tracker.Change) error {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	if err := c.f.next(); err != nil {
		return err
	}
	c.f.updates = append(c.f.updates, ch)
	return nil
}

func (c fakeClient) FindByMarker(_ context.Context, marker string) (tracker.Ref, bool, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	for _, is := range c.f.issues {
		if is.is.Marker == marker {
			return is.ref, true, nil
		}
	}
	return tracker.Ref{}, false, nil
}

type trackerEnv struct {
	svc   *app.Service
	fake  *fakeTracker
	mu    sync.Mutex
	now   time.Time
	store hindsight.Store
}

func (e *trackerEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *trackerEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

const trackerYAML = `trackers:
  github:
    repo: org/repo
    token_env: GH_TOKEN
    labels: [postmortem]
    owners: {dana@example.com: dana-gh}
    priority_labels: {P1: priority/high}
  jira:
    base_url: https://example.atlassian.net
    project: OPS
`

func newTrackerEnv(t *testing.T) *trackerEnv {
	t.Helper()
	e := &trackerEnv{fake: &fakeTracker{}, now: day}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte(trackerYAML))
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	e.svc = app.New(st, app.Options{Now: e.clock, Lint: cfg})
	e.svc.UseTrackers(app.TrackerOptions{BaseURL: "https://hindsight.example", Getenv: func(k string) string { return "token-of-" + k },
		NewClient: func(c tracker.Config, _ *http.Client) (tracker.Client, error) {
			if c.Kind == tracker.GitHub && c.Token != "token-of-GH_TOKEN" {
				return nil, fmt.Errorf("token not resolved: %q", c.Token)
			}
			return fakeClient{e.fake, c}, nil
		}})
	return e
}

// incident opens an incident with two action items: AI-001 (dana, P1,
// due 2026-12-20) and one without an ID.
func (e *trackerEnv) incident(t *testing.T, tracker string) *hindsight.Incident {
	t.Helper()
	in := open(t, e.svc)
	doc := *in.Doc
	doc.ActionItems = []hindsight.ActionItem{
		{ID: "AI-001", Action: "Alert on pool saturation", Owner: "Dana@example.com", Priority: hindsight.P1, TargetDate: hindsight.DateOf(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)), Status: hindsight.ItemOpen},
		{Action: "Write the runbook", Owner: "eve", Status: hindsight.ItemOpen},
	}
	if tracker != "" {
		doc.SetCustomField(app.TrackerField, tracker)
	}
	out, err := e.svc.Save(context.Background(), alice, in.ID, in.Revision, &doc, app.SaveOptions{Message: "items"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *trackerEnv) sync(t *testing.T) int {
	t.Helper()
	n, err := e.svc.SyncTrackers(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *trackerEnv) link(t *testing.T, id, key string) hindsight.TrackerLink {
	t.Helper()
	ls, err := e.svc.TrackerLinks(context.Background(), alice, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.ItemKey == key {
			return l
		}
	}
	t.Fatalf("no link of %s in %+v", key, ls)
	return hindsight.TrackerLink{}
}

func TestTrackerCreateIssue(t *testing.T) {
	e := newTrackerEnv(t)
	in := e.incident(t, "")
	ctx := context.Background()
	l, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-001")
	if err != nil {
		t.Fatal(err)
	}
	if l.State() != "creating" || l.Kind != "github" || l.Reason != "queued" || l.Marker != "hindsight:"+in.ID+"/AI-001" {
		t.Fatalf("queued link %+v", l)
	}
	if _, err := e.svc.CreateIssue(ctx, alice, in.ID, "ai-001"); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("second Create issue: %v, want a conflict (one issue per item)", err)
	}
	if _, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-009"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("unknown item: %v", err)
	}
	if n := e.sync(t); n != 1 {
		t.Fatalf("synced %d links", n)
	}
	if e.fake.creates != 1 {
		t.Fatalf("%d issues created", e.fake.creates)
	}
	is := e.fake.issues[0].is
	if is.Title != "Alert on pool saturation" || is.Assignee != "dana-gh" || strings.Join(is.Labels, ",") != "postmortem,priority/high" ||
		is.Priority != hindsight.P1 || !is.Due.Equal(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)) || is.Marker != l.Marker || is.Closed ||
		!strings.Contains(is.Body, "https://hindsight.example/incidents/"+in.ID) {
		t.Errorf("issue %+v", is)
	}
	cur, err := e.svc.Get(ctx, alice, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Doc.ActionItems[0].Ticket != "org/repo#1" || cur.UpdatedBy != "tracker:github" || cur.Revision != in.Revision+1 {
		t.Errorf("after sync: ticket %q by %q revision %d", cur.Doc.ActionItems[0].Ticket, cur.UpdatedBy, cur.Revision)
	}
	if !strings.Contains(string(cur.Markdown), "| Ticket |") {
		t.Errorf("no Ticket column in\n%s", cur.Markdown)
	}
	if got := e.link(t, in.ID, "AI-001"); got.State() != "synced" || got.IssueKey != "org/repo#1" || got.URL == "" {
		t.Errorf("link after sync %+v", got)
	}
	// an item without an ID: keyed by position, found by its Ticket after
	if _, err := e.svc.CreateIssue(ctx, alice, in.ID, "2"); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	cur, _ = e.svc.Get(ctx, alice, in.ID)
	if cur.Doc.ActionItems[1].Ticket != "org/repo#2" || e.fake.creates != 2 {
		t.Errorf("second item: ticket %q, %d creates", cur.Doc.ActionItems[1].Ticket, e.fake.creates)
	}
	if n := e.sync(t); n != 0 || len(e.fake.updates) != 0 {
		t.Errorf("nothing left to sync, yet %d links and updates %+v", n, e.fake.updates)
	}
}

// TestTrackerEveryWritePath: closing an item by the toggle, by a Markdown
// save, or re-dating it by a document save sends one update each.
func TestTrackerEveryWritePath(t *testing.T) {
	e := newTrackerEnv(t)
	in := e.incident(t, "")
	ctx := context.Background()
	if _, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-001"); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	// the toggle
	if _, err := e.svc.SetActionItemStatus(ctx, bob, in.ID, 0, "AI-001", hindsight.ItemClosed); err != nil {
		t.Fatal(err)
	}
	if l := e.link(t, in.ID, "AI-001"); l.State() != "pending" || l.Reason != "queued" {
		t.Errorf("after close: %+v", l)
	}
	e.sync(t)
	if len(e.fake.updates) != 1 || e.fake.updates[0].Closed == nil || !*e.fake.updates[0].Closed || e.fake.updates[0].Due != nil {
		t.Fatalf("updates %+v", e.fake.updates)
	}
	// a Markdown save reopening it
	cur, _ := e.svc.Get(ctx, alice, in.ID)
	md := strings.Replace(string(cur.Markdown), "| Closed |", "| Open |", 1)
	if _, err := e.svc.SaveMarkdown(ctx, bob, in.ID, cur.Revision, []byte(md), app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	if len(e.fake.updates) != 2 || e.fake.updates[1].Closed == nil || *e.fake.updates[1].Closed {
		t.Fatalf("updates %+v", e.fake.updates)
	}
	// a document save moving the date
	cur, _ = e.svc.Get(ctx, alice, in.ID)
	doc := *cur.Doc
	doc.ActionItems = append([]hindsight.ActionItem(nil), cur.Doc.ActionItems...)
	doc.ActionItems[0].TargetDate = hindsight.DateOf(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC))
	if _, err := e.svc.Save(ctx, bob, in.ID, cur.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	if len(e.fake.updates) != 3 || e.fake.updates[2].Due == nil || !e.fake.updates[2].Due.Equal(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)) || e.fake.updates[2].Closed != nil {
		t.Fatalf("updates %+v", e.fake.updates)
	}
	if e.sync(t) != 0 || e.fake.creates != 1 {
		t.Errorf("more work after the updates: %d creates", e.fake.creates)
	}
}

// TestTrackerWebhookNoLoop: a close from the tracker is one revision by the
// tracker, is not sent back, and the same event again changes nothing.
func TestTrackerWebhookNoLoop(t *testing.T) {
	e := newTrackerEnv(t)
	in := e.incident(t, "")
	ctx := context.Background()
	if _, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-001"); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	before, _ := e.svc.Get(ctx, alice, in.ID)
	closed := true
	due := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	ev := tracker.Event{Ref: tracker.Ref{Kind: tracker.GitHub, Key: "org/repo#1"}, Closed: &closed, Due: &due, Actor: "dana-gh"}
	got, changed, err := e.svc.ApplyTrackerEvent(ctx, tracker.GitHub, ev)
	if err != nil || !changed {
		t.Fatalf("apply: changed %v, %v", changed, err)
	}
	it := got.Doc.ActionItems[0]
	if it.Status != hindsight.ItemClosed || it.TargetDate.String() != "2027-02-01" || got.UpdatedBy != "tracker:github" || got.Revision != before.Revision+1 {
		t.Errorf("after the webhook: %+v by %s rev %d", it, got.UpdatedBy, got.Revision)
	}
	if l := e.link(t, in.ID, "AI-001"); l.State() != "synced" {
		t.Errorf("link after the webhook %+v", l)
	}
	if n := e.sync(t); n != 0 || len(e.fake.updates) != 0 {
		t.Errorf("the tracker's change was sent back: %d links, updates %+v", n, e.fake.updates)
	}
	again, changed, err := e.svc.ApplyTrackerEvent(ctx, tracker.GitHub, ev)
	if err != nil || changed || again.Revision != got.Revision {
		t.Errorf("same event again: changed %v rev %d (was %d), %v", changed, again.Revision, got.Revision, err)
	}
	// an issue no item is linked to, or another tracker's: nothing
	if _, changed, err := e.svc.ApplyTrackerEvent(ctx, tracker.GitLab, ev); changed || err != nil {
		t.Errorf("other tracker: %v %v", changed, err)
	}
}

// TestTrackerRetryAfter: a 429 with Retry-After delays the create by that
// long and the item shows why; nothing is lost.
func TestTrackerRetryAfter(t *testing.T) {
	e := newTrackerEnv(t)
	in := e.incident(t, "")
	ctx := context.Background()
	e.fake.fail = []error{&tracker.RetryError{After: 90 * time.Second, Reason: "429 Too Many Requests"}, fmt.Errorf("connection refused")}
	if _, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-001"); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	l := e.link(t, in.ID, "AI-001")
	if l.State() != "creating" || !strings.Contains(l.Reason, "429 Too Many Requests") || l.Attempts != 1 || !l.NextAttemptAt.Equal(e.clock().Add(90*time.Second)) {
		t.Fatalf("after the 429: %+v", l)
	}
	e.advance(89 * time.Second)
	if n := e.sync(t); n != 0 {
		t.Fatalf("retried before Retry-After: %d", n)
	}
	e.advance(time.Second)
	e.sync(t) // connection refused: backs off 60 s (30 s doubled once)
	l = e.link(t, in.ID, "AI-001")
	if l.Attempts != 2 || l.Reason != "connection refused" || !l.NextAttemptAt.Equal(e.clock().Add(60*time.Second)) {
		t.Fatalf("after the second failure: %+v", l)
	}
	e.advance(time.Minute)
	e.sync(t)
	if l := e.link(t, in.ID, "AI-001"); l.State() != "synced" || e.fake.creates != 1 {
		t.Fatalf("after the retry: %+v, %d creates", l, e.fake.creates)
	}
}

// TestTrackerFindsIssueByMarker: an issue created before a crash (the
// worker never recorded it) is found by its marker, not created again.
func TestTrackerFindsIssueByMarker(t *testing.T) {
	e := newTrackerEnv(t)
	in := e.incident(t, "")
	ctx := context.Background()
	l, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-001")
	if err != nil {
		t.Fatal(err)
	}
	e.fake.issues = append(e.fake.issues, fakeIssue{is: tracker.Issue{Marker: l.Marker}, ref: tracker.Ref{Kind: tracker.GitHub, Key: "org/repo#41"}})
	e.sync(t)
	cur, _ := e.svc.Get(ctx, alice, in.ID)
	if e.fake.creates != 0 || cur.Doc.ActionItems[0].Ticket != "org/repo#41" {
		t.Fatalf("%d creates, ticket %q", e.fake.creates, cur.Doc.ActionItems[0].Ticket)
	}
	// its state is not known: the item's is sent once
	e.sync(t)
	if len(e.fake.updates) != 1 || e.fake.updates[0].Closed == nil || *e.fake.updates[0].Closed {
		t.Errorf("updates %+v", e.fake.updates)
	}
}

// TestTrackerOverride: an incident's Tracker field picks another
// configured tracker and project; one naming no configured tracker is an
// error naming the field.
func TestTrackerOverride(t *testing.T) {
	e := newTrackerEnv(t)
	ctx := context.Background()
	in := e.incident(t, "jira OPS2")
	l, err := e.svc.CreateIssue(ctx, alice, in.ID, "AI-001")
	if err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	if l.Kind != "jira" || len(e.fake.issues) != 1 || e.fake.issues[0].cfg.Project != "OPS2" {
		t.Fatalf("link %+v issues %+v", l, e.fake.issues)
	}
	bad := e.incident(t, "trello")
	_, err = e.svc.CreateIssue(ctx, alice, bad.ID, "AI-001")
	if hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), `"trello" names no configured tracker`) {
		t.Errorf("unknown tracker: %v", err)
	}
}

// TestQueueOpenItemsEveryPage: `hindsight actions sync` without incidents
// queues an issue for every open item without one, however many pages of
// the tracker's list they take (before, one read of 5,000 left the rest
// out); a second run queues nothing more.
func TestQueueOpenItemsEveryPage(t *testing.T) {
	defer app.SetOpenItemsPage(3)()
	e := newTrackerEnv(t)
	var ids []string
	for range 4 {
		ids = append(ids, e.incident(t, "").ID) // two open items each
	}
	links, err := e.svc.QueueOpenItems(context.Background(), alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, l := range links {
		got[l.IncidentID]++
	}
	for _, id := range ids {
		if got[id] != 2 {
			t.Errorf("%s: %d links, want 2 (%d links in all)", id, got[id], len(links))
		}
	}
	if n := e.sync(t); n != 8 || e.fake.creates != 8 {
		t.Errorf("synced %d links, %d issues created, want 8", n, e.fake.creates)
	}
	if _, err := e.svc.QueueOpenItems(context.Background(), alice, nil); err != nil {
		t.Fatal(err)
	}
	if n := e.sync(t); n != 0 || e.fake.creates != 8 {
		t.Errorf("second run: synced %d links, %d issues created, want none more", n, e.fake.creates)
	}
}
