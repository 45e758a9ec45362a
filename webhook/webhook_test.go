package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/webhook"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var start = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func openStore(t *testing.T, path string, clk *clock) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Render: markdown.Render, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// newWorker returns a worker whose receivers may be on loopback (the
// test servers): AllowPrivate is set in its Config, never through the
// process environment. edit, when given, changes the Config first.
func newWorker(t *testing.T, st hindsight.Store, clk *clock, edit ...func(*webhook.Config)) *webhook.Webhooks {
	t.Helper()
	cfg := webhook.Config{Now: clk.Now, BaseDelay: 10 * time.Second, MaxDelay: time.Minute, RetryFor: time.Hour, AllowPrivate: true,
		BaseURL: "https://hindsight.example", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range edit {
		f(&cfg)
	}
	w, err := webhook.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// receiver is a webhook receiver on loopback that verifies signatures,
// refuses the first fail attempts with 503, then accepts.
type receiver struct {
	t      *testing.T
	secret string
	clk    *clock
	mu     sync.Mutex
	fail   int
	calls  int
	bodies [][]byte
	ids    []string
	errs   []string
	srv    *httptest.Server
}

func newReceiver(t *testing.T, secret string, clk *clock, fail int) *receiver {
	rc := &receiver{t: t, secret: secret, clk: clk, fail: fail}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.calls++
		if err := webhook.Verify(rc.secret, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, rc.clk.Now(), 5*time.Minute); err != nil {
			rc.errs = append(rc.errs, err.Error())
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if rc.calls <= rc.fail {
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		rc.bodies = append(rc.bodies, body)
		rc.ids = append(rc.ids, r.Header.Get(webhook.HeaderDelivery))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) got() ([][]byte, int, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...), rc.calls, append([]string(nil), rc.errs...)
}

func subscribe(t *testing.T, w *webhook.Webhooks, u, secret, format string, events ...string) *hindsight.WebhookSubscription {
	t.Helper()
	s, err := w.Create(context.Background(), webhook.Input{URL: &u, Secret: &secret, Format: &format, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openIncident(t *testing.T, st hindsight.Store, clk *clock, restricted bool) *hindsight.Incident {
	t.Helper()
	svc := app.New(st, app.Options{Now: clk.Now})
	p := &hindsight.Postmortem{Title: "Checkout latency", Status: hindsight.StatusDraft}
	p.Summary.Severity = hindsight.Sev2
	p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Add a latency SLO alert", Owner: "alice", Priority: hindsight.P1, TargetDate: hindsight.DateOf(start.AddDate(0, 0, -1)), Status: hindsight.ItemOpen}}
	inc, err := svc.Create(context.Background(), app.System, p, app.CreateOptions{Restricted: restricted}) // members: admins only
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func TestRetriesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	path := filepath.Join(t.TempDir(), "hindsight.db")
	st := openStore(t, path, clk)
	w := newWorker(t, st, clk)
	rc := newReceiver(t, "s3cret", clk, 2)
	sub := subscribe(t, w, rc.srv.URL+"/hook", "s3cret", "json", hindsight.EventIncidentCreated)
	inc := openIncident(t, st, clk, false)

	st1, err := w.Tick(ctx)
	if err != nil || st1.Overdue != 1 || st1.FannedOut != 3 || st1.Attempted != 1 || st1.Delivered != 0 {
		t.Fatalf("first pass: %+v %v (want 3 outbox events: created, action item created and overdue; 1 attempt failing)", st1, err)
	}
	ds, _ := w.Deliveries(ctx, hindsight.DeliveryFilter{SubscriptionID: sub.ID})
	if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].Status != hindsight.DeliveryPending || ds[0].LastStatus != 503 || ds[0].LastError != "HTTP 503 Service Unavailable" {
		t.Fatalf("after the first attempt: %+v", ds)
	}
	next := ds[0].NextAttempt
	if d := next.Sub(clk.Now()); d < 5*time.Second || d > 10*time.Second {
		t.Fatalf("first retry in %v, want 5s..10s (10s jittered)", d)
	}
	// not due yet: nothing happens
	if s, _ := w.Tick(ctx); s.Attempted != 0 {
		t.Fatalf("attempted before due: %+v", s)
	}

	// restart: a new store and worker over the same file
	st.Close()
	clk.Add(11 * time.Second)
	st = openStore(t, path, clk)
	defer st.Close()
	w = newWorker(t, st, clk)
	if s, err := w.Tick(ctx); err != nil || s.Attempted != 1 || s.Delivered != 0 {
		t.Fatalf("after restart: %+v %v", s, err)
	}
	ds, _ = w.Deliveries(ctx, hindsight.DeliveryFilter{})
	if d := ds[0].NextAttempt.Sub(clk.Now()); ds[0].Attempts != 2 || d < 10*time.Second || d > 20*time.Second {
		t.Fatalf("second retry: attempts %d in %v, want 2 and 10s..20s", ds[0].Attempts, d)
	}
	clk.Add(21 * time.Second)
	if s, err := w.Tick(ctx); err != nil || s.Delivered != 1 {
		t.Fatalf("third attempt: %+v %v", s, err)
	}
	ds, _ = w.Deliveries(ctx, hindsight.DeliveryFilter{})
	if ds[0].Status != hindsight.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].LastStatus != 204 || ds[0].LastError != "" {
		t.Fatalf("delivered: %+v", ds[0])
	}
	bodies, calls, errs := rc.got()
	if len(errs) > 0 || calls != 3 || len(bodies) != 1 {
		t.Fatalf("receiver: %d calls, %d accepted, signature errors %v", calls, len(bodies), errs)
	}
	var m webhook.Message
	if err := json.Unmarshal(bodies[0], &m); err != nil {
		t.Fatal(err)
	}
	if m.Event != hindsight.EventIncidentCreated || m.IncidentID != inc.ID || m.Data == nil || m.Data.IncidentID != inc.ID || m.Data.Title != "Checkout latency" ||
		m.IncidentURL != "https://hindsight.example/incidents/"+inc.ID || m.DeliveryID != ds[0].ID {
		t.Fatalf("message: %s", bodies[0])
	}
	// nothing more to do
	if s, _ := w.Tick(ctx); s.Attempted != 0 || s.FannedOut != 0 {
		t.Fatalf("idle pass did %+v", s)
	}
}

func TestGiveUpAndRedeliver(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	rc := newReceiver(t, "k", clk, 1000)
	subscribe(t, w, rc.srv.URL, "k", "json", "*")
	openIncident(t, st, clk, false)
	for i := 0; i < 100; i++ {
		if _, err := w.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	failed, _ := w.Deliveries(ctx, hindsight.DeliveryFilter{Status: hindsight.DeliveryFailed})
	if len(failed) != 3 {
		t.Fatalf("%d failed deliveries after retrying for over an hour, want 3 (incident.created, action_item.created and .overdue)", len(failed))
	}
	for _, d := range failed {
		// incident.created was retried for the hour; the incident's later
		// events waited behind it (one incident's events go in order) and
		// had their one attempt once it gave up
		least := 1
		if d.Event == hindsight.EventIncidentCreated {
			least = 5
		}
		if d.Attempts < least || d.UpdatedAt.After(d.RetryUntil) {
			t.Errorf("delivery %d: %d attempts, last at %v, retry until %v", d.ID, d.Attempts, d.UpdatedAt, d.RetryUntil)
		}
	}
	rc.mu.Lock()
	rc.fail = 0
	rc.mu.Unlock()
	d, err := w.Redeliver(ctx, failed[0].ID)
	if err != nil || d.Status != hindsight.DeliveryPending {
		t.Fatalf("redeliver: %+v %v", d, err)
	}
	if s, _ := w.Tick(ctx); s.Delivered != 1 {
		t.Fatalf("after redeliver: %+v", s)
	}
}

func TestSlackFormatAndRestricted(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	slack := newReceiver(t, "k", clk, 0)
	plain := newReceiver(t, "k", clk, 0)
	subscribe(t, w, slack.srv.URL, "k", "slack", hindsight.EventIncidentCreated)
	subscribe(t, w, plain.srv.URL, "k", "json", hindsight.EventIncidentCreated)
	open := openIncident(t, st, clk, false)
	secret := openIncident(t, st, clk, true)
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	bodies, _, _ := slack.got()
	if len(bodies) != 2 {
		t.Fatalf("slack got %d messages", len(bodies))
	}
	for _, b := range bodies {
		var m webhook.SlackMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Text == "" || len(m.Blocks) != 3 || m.Blocks[0].Type != "header" || m.Blocks[0].Text.Type != "plain_text" || m.Blocks[1].Type != "section" || m.Blocks[2].Type != "context" {
			t.Fatalf("not a Slack message with blocks: %s", b)
		}
		switch {
		case strings.Contains(m.Text, open.ID):
			if !strings.Contains(m.Blocks[1].Text.Text, "Checkout latency") || !strings.Contains(string(b), "SEV-2") || !strings.Contains(m.Blocks[1].Text.Text, "<https://hindsight.example/incidents/"+open.ID+"|") {
				t.Errorf("open incident message lacks its content: %s", b)
			}
		case strings.Contains(m.Text, secret.ID):
			if strings.Contains(string(b), "Checkout latency") || strings.Contains(string(b), "SEV-2") {
				t.Errorf("restricted incident content sent to Slack: %s", b)
			}
		default:
			t.Errorf("message for no known incident: %s", b)
		}
	}
	bodies, _, _ = plain.got()
	for _, b := range bodies {
		var m webhook.Message
		_ = json.Unmarshal(b, &m)
		if m.IncidentID == secret.ID && (!m.Restricted || m.Data != nil || strings.Contains(string(b), "Checkout")) {
			t.Errorf("restricted incident content sent: %s", b)
		}
		if m.IncidentID == open.ID && (m.Restricted || m.Data == nil) {
			t.Errorf("open incident sent without content: %s", b)
		}
	}
}

func TestOverdueOncePerItem(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	rc := newReceiver(t, "k", clk, 0)
	subscribe(t, w, rc.srv.URL, "k", "json", hindsight.EventActionItemOverdue)
	inc := openIncident(t, st, clk, false)
	if n, err := w.CheckOverdue(ctx); err != nil || n != 1 {
		t.Fatalf("CheckOverdue = %d, %v; want 1", n, err)
	}
	if n, err := w.CheckOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("CheckOverdue again = %d, %v; want 0", n, err)
	}
	if _, err := w.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	bodies, _, _ := rc.got()
	if len(bodies) != 1 {
		t.Fatalf("%d overdue messages, want 1", len(bodies))
	}
	var m webhook.Message
	_ = json.Unmarshal(bodies[0], &m)
	if m.Event != hindsight.EventActionItemOverdue || m.IncidentID != inc.ID || m.Data == nil || m.Data.ActionItem == nil || m.Data.ActionItem.ID != "AI-001" {
		t.Fatalf("overdue message: %s", bodies[0])
	}
}

// TestOverdueBehindOldOnes: more old overdue items than the check reads
// at once (5,000, sorted by target date) must not hide the one that became
// overdue yesterday: the store is asked for the window's items only.
func TestOverdueBehindOldOnes(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	svc := app.New(st, app.Options{Now: clk.Now})
	p := &hindsight.Postmortem{Title: "Years of open items", Status: hindsight.StatusPublished}
	p.Summary.Severity = hindsight.Sev3
	for i := range 5001 {
		p.ActionItems = append(p.ActionItems, hindsight.ActionItem{ID: fmt.Sprintf("AI-%04d", i+1), Action: "Old chore", Owner: "bob", Priority: hindsight.P2,
			TargetDate: hindsight.DateOf(start.AddDate(-1, 0, -i%300)), Status: hindsight.ItemOpen})
	}
	if _, err := svc.Create(ctx, app.System, p, app.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	openIncident(t, st, clk, false) // its AI-001 was due yesterday
	n, err := w.CheckOverdue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CheckOverdue = %d, %v; want 1 (the item due yesterday, not the 5,001 due a year ago)", n, err)
	}
}

func TestSignVerify(t *testing.T) {
	now := start
	body := []byte(`{"event":"incident.created"}`)
	ts := strconv.FormatInt(start.Unix(), 10)
	sig := webhook.Sign("secret", now, body)
	tests := []struct {
		name, secret, ts, sig string
		body                  []byte
		ok                    bool
	}{
		{"Good", "secret", ts, sig, body, true},
		{"WrongSecret", "other", ts, sig, body, false},
		{"TamperedBody", "secret", ts, sig, []byte(`{"event":"incident.published"}`), false},
		{"ReplayedLater", "secret", strconv.FormatInt(start.Add(-10*time.Minute).Unix(), 10), webhook.Sign("secret", now.Add(-10*time.Minute), body), body, false},
		{"NoPrefix", "secret", ts, strings.TrimPrefix(sig, "sha256="), body, false},
		{"BadTimestamp", "secret", "yesterday", sig, body, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.ts, tc.sig, tc.body, now, 5*time.Minute)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestAdminAPI(t *testing.T) {
	clk := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"), clk)
	defer st.Close()
	w := newWorker(t, st, clk)
	mux := http.NewServeMux()
	for _, rt := range w.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	do := func(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	r := do("POST", "/api/v1/webhooks", `{"url":"https://hooks.example.com/a","events":["incident.created","action_item.overdue"],"format":"slack","description":"#incidents"}`)
	if r.Code != 201 {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	var created webhook.View
	_ = json.Unmarshal(r.Body.Bytes(), &created)
	if created.ID == 0 || !strings.HasPrefix(created.Secret, "whsec_") || !created.SecretSet || created.Format != "slack" || !created.Active {
		t.Fatalf("created: %s", r.Body)
	}
	r = do("GET", "/api/v1/webhooks", "")
	if r.Code != 200 || strings.Contains(r.Body.String(), created.Secret) || !strings.Contains(r.Body.String(), `"secret_set":true`) {
		t.Fatalf("list shows the secret or fails: %d %s", r.Code, r.Body)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"BadURL", "POST", "/api/v1/webhooks", `{"url":"ftp://x","events":["incident.created"]}`, 422, `"field":"url"`},
		{"UnknownEvent", "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":["incident.exploded"]}`, 422, "unknown event"},
		{"NoEvents", "POST", "/api/v1/webhooks", `{"url":"https://x.example"}`, 422, `"field":"events"`},
		{"BadFormat", "POST", "/api/v1/webhooks", `{"url":"https://x.example","events":["*"],"format":"xml"}`, 422, "json, slack or teams"},
		{"MalformedJSON", "POST", "/api/v1/webhooks", `{"url":`, 400, "malformed JSON"},
		{"UnknownField", "POST", "/api/v1/webhooks", `{"uri":"https://x.example"}`, 400, "uri"},
		{"GetMissing", "GET", "/api/v1/webhooks/999", "", 404, "not found"},
		{"GetBadID", "GET", "/api/v1/webhooks/abc", "", 404, "abc"},
		{"Disable", "PATCH", "/api/v1/webhooks/1", `{"active":false}`, 200, `"active":false`},
		{"BadStatusFilter", "GET", "/api/v1/webhook-deliveries?status=lost", "", 400, "status"},
		{"Deliveries", "GET", "/api/v1/webhooks/1/deliveries", "", 200, `"deliveries":[]`},
		{"RedeliverMissing", "POST", "/api/v1/webhook-deliveries/42/redeliver", "", 404, "not found"},
		{"CreateSecond", "POST", "/api/v1/webhooks", `{"url":"https://hooks.example.com/b","events":["incident.published"]}`, 201, "whsec_"},
		{"Enable", "PATCH", "/api/v1/webhooks/1", `{"active":true}`, 200, `"active":true`},
		{"Delete", "DELETE", "/api/v1/webhooks/2", "", 200, `"discarded_deliveries":0`},
		{"DeleteAgain", "DELETE", "/api/v1/webhooks/2", "", 404, "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(tc.method, tc.path, tc.body)
			if r.Code != tc.status || !strings.Contains(r.Body.String(), tc.contains) {
				t.Fatalf("%s %s: %d %s; want %d with %q", tc.method, tc.path, r.Code, r.Body, tc.status, tc.contains)
			}
		})
	}
	s, _ := w.Store().FindWebhookByID(context.Background(), 1)
	if s == nil || !s.Active {
		t.Fatalf("after disable and enable the webhook should be active: %+v", s)
	}
	// a delivery to redeliver through the page
	openIncident(t, st, clk, false)
	if _, err := w.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	ds, _ := w.Deliveries(context.Background(), hindsight.DeliveryFilter{})
	if len(ds) == 0 {
		t.Fatal("no delivery")
	}
	if r := do("POST", "/api/v1/webhook-deliveries/"+itoa(ds[0].ID)+"/redeliver", ""); r.Code != 202 || !strings.Contains(r.Body.String(), `"status":"pending"`) {
		t.Fatalf("api redeliver: %d %s", r.Code, r.Body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTwoWorkersDeliverOnce(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: start}
	path := filepath.Join(t.TempDir(), "h.db")
	st1 := openStore(t, path, clk)
	defer st1.Close()
	st2 := openStore(t, path, clk)
	defer st2.Close()
	w1, w2 := newWorker(t, st1, clk), newWorker(t, st2, clk)
	rc := newReceiver(t, "k", clk, 0)
	subscribe(t, w1, rc.srv.URL, "k", "json", hindsight.EventIncidentCreated)
	const n = 25
	for range n {
		openIncident(t, st1, clk, false)
	}
	var wg sync.WaitGroup
	for _, w := range []*webhook.Webhooks{w1, w2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := w.Tick(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	bodies, calls, errs := rc.got()
	if len(errs) > 0 || calls != n || len(bodies) != n {
		t.Fatalf("two workers: %d calls, %d accepted, errors %v; want %d each", calls, len(bodies), errs, n)
	}
	seen := map[string]bool{}
	for _, b := range bodies {
		var m webhook.Message
		_ = json.Unmarshal(b, &m)
		if seen[m.IncidentID] {
			t.Fatalf("incident %s announced twice", m.IncidentID)
		}
		seen[m.IncidentID] = true
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want webhook.Config
		err  string
	}{
		{map[string]string{}, webhook.Config{}, ""},
		{map[string]string{"HINDSIGHT_WEBHOOK_RETRY_FOR": "6h", "HINDSIGHT_WEBHOOK_TIMEOUT": "5s", "HINDSIGHT_WEBHOOK_MAX_DELAY": "10m"},
			webhook.Config{RetryFor: 6 * time.Hour, Timeout: 5 * time.Second, MaxDelay: 10 * time.Minute}, ""},
		{map[string]string{"HINDSIGHT_WEBHOOK_RETRY_FOR": "a day"}, webhook.Config{}, "HINDSIGHT_WEBHOOK_RETRY_FOR"},
		{map[string]string{"HINDSIGHT_WEBHOOK_TIMEOUT": "-1s"}, webhook.Config{}, "HINDSIGHT_WEBHOOK_TIMEOUT"},
		{map[string]string{"HINDSIGHT_WEBHOOK_ALLOW_PRIVATE": "1"}, webhook.Config{AllowPrivate: true}, ""},
		{map[string]string{"HINDSIGHT_WEBHOOK_ALLOW_PRIVATE": "0"}, webhook.Config{}, ""},
		{map[string]string{"HINDSIGHT_WEBHOOK_ALLOW_PRIVATE": "perhaps"}, webhook.Config{}, "HINDSIGHT_WEBHOOK_ALLOW_PRIVATE"},
	}
	for _, tc := range tests {
		c, err := webhook.ConfigFromEnv(func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || c.RetryFor != tc.want.RetryFor || c.Timeout != tc.want.Timeout || c.MaxDelay != tc.want.MaxDelay || c.AllowPrivate != tc.want.AllowPrivate {
			t.Errorf("%v: %+v %v", tc.env, c, err)
		}
	}
}
