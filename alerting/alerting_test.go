package alerting_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

const (
	amToken  = "am-test-token"
	pdSecret = "pd-test-secret"
	gToken   = "generic-test-token"
)

// now is the receipt time of every delivery in these tests.
var now = time.Date(2026, 11, 26, 10, 8, 30, 0, time.UTC)

// alertStore is what the receivers need of a store.
type alertStore interface {
	hindsight.Store
	hindsight.AlertStore
}

type env struct {
	t     *testing.T
	store alertStore
	svc   *app.Service
	r     *alerting.Receivers
	h     http.Handler
	logs  *lockedBuffer
	clock *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Add moves the clock on by d.
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// opener opens an empty store with a clock.
type opener func(t *testing.T, clock func() time.Time) alertStore

func openSQLite(t *testing.T, clock func() time.Time) alertStore {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: markdown.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEnv(t *testing.T) *env { return newEnvWith(t, openSQLite) }

// newBenchEnv is newEnv for benchmarks.
func newBenchEnv(b *testing.B) *env {
	clk := &clock{t: now}
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "hindsight.db"), sqlite.Options{Render: markdown.Render, Clock: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// the applier does not rest after its saves (nothing else runs)
	return build(nil, st, clk, func(c *alerting.Config) { c.ApplyDuty = 1 })
}

func newEnvWith(t *testing.T, open opener) *env {
	t.Helper()
	clk := &clock{t: now}
	return build(t, open(t, clk.Now), clk)
}

func build(t *testing.T, st alertStore, clk *clock, opts ...func(*alerting.Config)) *env {
	svc := app.New(st, app.Options{Now: clk.Now})
	logs := &lockedBuffer{}
	cfg := alerting.Config{
		AlertmanagerToken: amToken, PagerDutySecrets: []string{pdSecret}, GenericToken: gToken,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	r := alerting.New(svc, st, cfg)
	mux := http.NewServeMux()
	for _, rt := range r.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	return &env{t: t, store: st, svc: svc, r: r, h: mux, logs: logs, clock: clk}
}

// lockedBuffer is a log buffer the applier and the test can share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// drain applies what the inbox holds and fails the test on an error.
func (e *env) drain() int {
	e.t.Helper()
	n, err := e.r.Drain(e.t.Context())
	if err != nil {
		e.t.Fatalf("drain: %v\n%s", err, e.logs.String())
	}
	return n
}

// inbox returns the entries waiting in the inbox.
func (e *env) inbox() []hindsight.AlertInboxEntry {
	e.t.Helper()
	in, err := e.store.FindAlertInbox(e.t.Context(), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

// only returns the ID of the one incident.
func (e *env) only() string {
	e.t.Helper()
	page, err := e.store.FindIncidents(e.t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
	if err != nil || len(page.Incidents) != 1 {
		e.t.Fatalf("want one incident: %d, %v", len(page.Incidents), err)
	}
	return page.Incidents[0].ID
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type reply struct {
	status int
	res    alerting.Result
	err    string
	fields []string // the fields the error names
}

func (e *env) post(path string, body []byte, hdr map[string]string) reply {
	e.t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:5555"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	out := reply{status: w.Code}
	if w.Code == 200 || w.Code == 202 {
		if err := json.Unmarshal(w.Body.Bytes(), &out.res); err != nil {
			e.t.Fatalf("%s: bad JSON answer %q: %v", path, w.Body.String(), err)
		}
	} else {
		var b struct {
			Error struct {
				Message string
				Fields  *[]struct{ Field string }
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Error.Fields == nil {
			e.t.Errorf("%s: %d answer is not the one error shape (fields missing): %s", path, w.Code, w.Body)
		} else {
			for _, f := range *b.Error.Fields {
				out.fields = append(out.fields, f.Field)
			}
		}
		out.err = b.Error.Message
	}
	return out
}

func (e *env) am(name string) reply {
	return e.post("/hooks/alertmanager", fixture(e.t, name), map[string]string{"Authorization": "Bearer " + amToken})
}

func pdSig(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

func (e *env) pd(name string) reply {
	b := fixture(e.t, name)
	return e.post("/hooks/pagerduty", b, map[string]string{"X-PagerDuty-Signature": pdSig(b, pdSecret)})
}

func (e *env) generic(name string) reply {
	return e.post("/hooks/generic", fixture(e.t, name), map[string]string{"Authorization": "Bearer " + gToken})
}

func (e *env) incident(id string) *hindsight.Incident {
	e.t.Helper()
	inc, err := e.store.FindIncidentByID(e.t.Context(), hindsight.SystemViewer, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return inc
}

func (e *env) count() int {
	e.t.Helper()
	page, err := e.store.FindIncidents(e.t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(page.Incidents)
}

// rows returns the timeline as "HH:MM|event|source" lines.
func rows(p *hindsight.Postmortem) []string {
	col := -1
	for i, c := range p.Extras[hindsight.SecTimeline].Columns {
		if c == alerting.SourceColumn {
			col = i
		}
	}
	var out []string
	for _, ev := range p.Timeline {
		src := ""
		if col >= 0 && col < len(ev.Cells) {
			src = ev.Cells[col]
		}
		out = append(out, ev.Time.T.Format("15:04")+"|"+ev.Event+"|"+src)
	}
	return out
}

func want(t *testing.T, what string, got, wantV any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(wantV)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func TestAlertmanagerLifecycle(t *testing.T) { alertmanagerLifecycle(t, newEnv(t)) }

func alertmanagerLifecycle(t *testing.T, e *env) {
	r := e.am("alertmanager/firing.json")
	if r.status != 202 || r.res.Accepted != 2 || r.res.Duplicates != 0 || r.res.IncidentID != "" {
		t.Fatalf("first notification: %+v", r)
	}
	if in := e.inbox(); len(in) != 1 || in[0].Events != 2 || in[0].Closes {
		t.Fatalf("inbox after the first notification: %+v", in)
	}
	if n := e.count(); n != 0 {
		t.Fatalf("%d incidents before the inbox was applied", n)
	}
	// a retry while the events wait in the inbox: duplicates
	if r := e.am("alertmanager/firing.json"); r.status != 200 || r.res.Accepted != 0 || r.res.Duplicates != 2 {
		t.Fatalf("retry of a queued notification: %+v", r)
	}
	if n := e.drain(); n != 2 {
		t.Fatalf("drain applied %d events, want 2", n)
	}
	if in := e.inbox(); len(in) != 0 {
		t.Fatalf("inbox after the drain: %+v", in)
	}
	id := e.only()
	inc := e.incident(id)
	p := inc.Doc
	want(t, "status", p.Status, hindsight.StatusDraft)
	want(t, "title", p.Title, "HighLatency: Checkout p99 latency above 2s")
	want(t, "start (earliest startsAt)", p.Summary.Start.String(), "2026-11-26 10:03")
	want(t, "detection time (receipt)", p.Detection.DetectionTime.String(), "2026-11-26 10:08")
	want(t, "severity", p.Summary.Severity, hindsight.Sev1)
	want(t, "services", p.ServiceNames(), []string{"checkout"})
	want(t, "detected by", p.Detection.DetectedBy, "Monitoring (Alertmanager, receiver hindsight)")
	want(t, "end", p.Summary.End.IsSet(), false)
	want(t, "timeline", rows(p), []string{
		"10:03|Alert firing: HighLatency — Checkout p99 latency above 2s (instance=api-1:9100)|Alertmanager",
		"10:05|Alert firing: HighLatency — Checkout p99 latency above 2s (instance=api-2:9100)|Alertmanager",
	})
	if !strings.Contains(string(inc.Markdown), "| Time (UTC) | Event | Source |") {
		t.Errorf("rendered timeline has no Source column:\n%s", inc.Markdown)
	}

	// Alertmanager resends the group: nothing changes
	r = e.am("alertmanager/firing.json")
	if r.status != 200 || r.res.Accepted != 0 || r.res.Duplicates != 2 || r.res.IncidentID != id {
		t.Fatalf("resent notification: %+v", r)
	}
	if n := e.drain(); n != 0 {
		t.Fatalf("a duplicate applied %d events", n)
	}
	if got := e.incident(id).Revision; got != 1 {
		t.Fatalf("a duplicate made revision %d", got)
	}

	// a third alert joins the group (with the first two resent)
	r = e.am("alertmanager/firing_more.json")
	if r.status != 202 || r.res.Accepted != 1 || r.res.Duplicates != 2 || r.res.IncidentID != id {
		t.Fatalf("grown group: %+v", r)
	}
	e.drain()
	p = e.incident(id).Doc
	want(t, "services after growth", p.ServiceNames(), []string{"checkout", "payments"})
	want(t, "rows after growth", len(p.Timeline), 3)

	// every alert resolves: End is the last endsAt
	r = e.am("alertmanager/resolved.json")
	if r.status != 202 || r.res.Accepted != 3 || r.res.IncidentID != id {
		t.Fatalf("resolved: %+v", r)
	}
	if in := e.inbox(); len(in) != 1 || !in[0].Closes {
		t.Fatalf("inbox after the resolved notification: %+v", in)
	}
	e.drain()
	p = e.incident(id).Doc
	want(t, "end", p.Summary.End.String(), "2026-11-26 10:44")
	want(t, "duration", p.Summary.Duration.String(), "00:41")
	want(t, "rows after resolve", rows(p)[3:], []string{
		"10:39|Alert resolved: HighLatency — Payments p99 latency above 2s (instance=db-1:9100, job=db, service=payments, severity=warning)|Alertmanager",
		"10:41|Alert resolved: HighLatency — Checkout p99 latency above 2s (instance=api-2:9100, job=api, service=checkout)|Alertmanager",
		"10:44|Alert resolved: HighLatency — Checkout p99 latency above 2s (instance=api-1:9100, job=api, service=checkout)|Alertmanager",
	})
	// the resolved notification again: nothing
	if r = e.am("alertmanager/resolved.json"); r.status != 200 || r.res.Accepted != 0 || r.res.Duplicates != 3 || r.res.IncidentID != id {
		t.Fatalf("resolved again: %+v", r)
	}
	// the group fires again later (new startsAt): a new Draft
	b := bytes.ReplaceAll(fixture(t, "alertmanager/firing.json"), []byte("2026-11-26T10:03:12.511Z"), []byte("2026-11-26T14:00:00Z"))
	r = e.post("/hooks/alertmanager", b, map[string]string{"Authorization": "Bearer " + amToken})
	if r.status != 202 || r.res.IncidentID != "" || r.res.Accepted != 1 || r.res.Duplicates != 1 {
		t.Fatalf("refiring after resolve (the closed group names no incident): %+v", r)
	}
	e.drain()
	want(t, "incidents", e.count(), 2)
	if got := e.incident(id); got.Revision != 3 || len(got.Doc.Timeline) != 6 {
		t.Errorf("the resolved incident changed: revision %d, %d rows", got.Revision, len(got.Doc.Timeline))
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	am := fixture(t, "alertmanager/firing.json")
	g := fixture(t, "generic/event.json")
	pd := fixture(t, "pagerduty/triggered.json")
	tests := []struct {
		name   string
		path   string
		body   []byte
		hdr    map[string]string
		status int
	}{
		{"AlertmanagerNoToken", "/hooks/alertmanager", am, nil, 401},
		{"AlertmanagerWrongToken", "/hooks/alertmanager", am, map[string]string{"Authorization": "Bearer nope"}, 401},
		{"AlertmanagerOtherSourcesToken", "/hooks/alertmanager", am, map[string]string{"Authorization": "Bearer " + gToken}, 401},
		{"GenericNoToken", "/hooks/generic", g, nil, 401},
		{"GenericWrongQueryToken", "/hooks/generic?token=x", g, nil, 401},
		{"PagerDutyNoSignature", "/hooks/pagerduty", pd, nil, 401},
		{"PagerDutyBadSignature", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": strings.TrimSpace(string(fixture(t, "pagerduty/triggered.badsig")))}, 401},
		{"PagerDutySignatureOfAnotherBody", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": pdSig([]byte("{}"), pdSecret)}, 401},
		{"PagerDutyGarbageSignature", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=zz,v0=abc,,"}, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.post(tc.path, tc.body, tc.hdr); r.status != tc.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.err, tc.status)
			}
		})
	}
	// no trace but a log line
	if n := e.count(); n != 0 {
		t.Fatalf("refused requests left %d incidents", n)
	}
	if ev, err := e.store.FindAlertEvents(t.Context(), alerting.SourceGeneric, []string{"nagios-checkout-latency-1"}); err != nil || len(ev) != 0 {
		t.Fatalf("a refused request left a dedup row: %v %v", ev, err)
	}
	if in := e.inbox(); len(in) != 0 {
		t.Fatalf("a refused request left an inbox entry: %+v", in)
	}
	if got := strings.Count(e.logs.String(), "alert delivery unauthorized"); got != len(tests) {
		t.Errorf("%d log lines for %d refused requests:\n%s", got, len(tests), e.logs.String())
	}
	// the accepted ways: bearer, basic auth password, ?token=, rotated PagerDuty signatures
	ok := []struct {
		name, path string
		body       []byte
		hdr        map[string]string
	}{
		{"AlertmanagerBasicAuth", "/hooks/alertmanager", am, map[string]string{"Authorization": "Basic " + b64("alertmanager:"+amToken)}},
		{"GenericQueryToken", "/hooks/generic?token=" + gToken, g, nil},
		{"PagerDutyRotatedSignatures", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": strings.TrimSpace(string(fixture(t, "pagerduty/triggered.sig")))}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.post(tc.path, tc.body, tc.hdr); r.status != 202 || r.res.Accepted == 0 {
				t.Fatalf("%+v", r)
			}
		})
	}
}

func b64(s string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	u, p, _ := strings.Cut(s, ":")
	req.SetBasicAuth(u, p)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestUnconfiguredReceiversRefuse(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := alerting.New(app.New(st, app.Options{}), st, alerting.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, rt := range r.Routes() {
		req := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer ")
		req.Header.Set("X-PagerDuty-Signature", pdSig([]byte("{}"), ""))
		w := httptest.NewRecorder()
		rt.Handler.ServeHTTP(w, req)
		if w.Code != 401 {
			t.Errorf("%s without a configured secret: %d, want 401", rt.Name, w.Code)
		}
	}
}

func TestMalformedPayloads(t *testing.T) {
	e := newEnv(t)
	big := append([]byte(`{"version":"4","groupKey":"`), bytes.Repeat([]byte("x"), alerting.DefaultMaxBodyBytes+10)...)
	tests := []struct {
		name   string
		send   func() reply
		status int
		reason string
		field  string // the field the answer names, if any
	}{
		{"AlertmanagerTruncated", func() reply { return e.am("alertmanager/malformed.json") }, 400, "malformed JSON", ""},
		{"AlertmanagerVersion", func() reply { return e.am("alertmanager/bad_version.json") }, 422, `version: "3" is not supported`, "version"},
		{"AlertmanagerBadTime", func() reply { return e.am("alertmanager/bad_time.json") }, 400, "yesterday at noon", "alerts.startsAt"},
		{"AlertmanagerEmpty", func() reply {
			return e.post("/hooks/alertmanager", nil, map[string]string{"Authorization": "Bearer " + amToken})
		}, 400, "the request body is empty", ""},
		{"AlertmanagerNoAlerts", func() reply {
			return e.post("/hooks/alertmanager", []byte(`{"version":"4","groupKey":"g","status":"firing","alerts":[]}`), map[string]string{"Authorization": "Bearer " + amToken})
		}, 422, "alerts: at least one", ""},
		{"AlertmanagerWrongType", func() reply {
			return e.post("/hooks/alertmanager", []byte(`{"version":4}`), map[string]string{"Authorization": "Bearer " + amToken})
		}, 400, "version", "version"},
		{"AlertmanagerTooLarge", func() reply {
			return e.post("/hooks/alertmanager", big, map[string]string{"Authorization": "Bearer " + amToken})
		}, 413, "limit", ""},
		{"PagerDutyMalformed", func() reply { return e.pd("pagerduty/malformed.json") }, 400, "occurred_at", ""},
		{"PagerDutyNoIncident", func() reply { return e.pd("pagerduty/no_incident.json") }, 422, "no incident ID", ""},
		{"GenericMissingDedupKey", func() reply { return e.generic("generic/missing_dedup_key.json") }, 422, "dedup_key: required", "dedup_key"},
		{"GenericBadSeverity", func() reply { return e.generic("generic/bad_severity.json") }, 422, "apocalyptic", ""},
		{"GenericTrailingData", func() reply { return e.generic("generic/malformed.json") }, 400, "unexpected data after the JSON value", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			if r.status != tc.status || !strings.Contains(r.err, tc.reason) {
				t.Fatalf("status %d %q, want %d with %q", r.status, r.err, tc.status, tc.reason)
			}
			if tc.field != "" && (len(r.fields) != 1 || r.fields[0] != tc.field) {
				t.Fatalf("fields %q, want [%s]", r.fields, tc.field)
			}
		})
	}
	if n := e.count(); n != 0 {
		t.Fatalf("malformed payloads left %d incidents", n)
	}
	if in := e.inbox(); len(in) != 0 {
		t.Fatalf("malformed payloads left inbox entries: %+v", in)
	}
}

func TestPagerDutyLifecycle(t *testing.T) { pagerDutyLifecycle(t, newEnv(t)) }

func pagerDutyLifecycle(t *testing.T, e *env) {
	steps := []struct {
		fixture  string
		accepted int
		dup      int
	}{
		{"pagerduty/triggered.json", 1, 0},
		{"pagerduty/triggered.json", 0, 1}, // replay of the same event
		{"pagerduty/acknowledged.json", 1, 0},
		{"pagerduty/escalated.json", 1, 0},
		{"pagerduty/annotated.json", 1, 0},
		{"pagerduty/annotated.json", 0, 1}, // duplicate delivery
		{"pagerduty/resolved.json", 1, 0},
	}
	id := ""
	for i, s := range steps {
		r := e.pd(s.fixture)
		status := 202
		if s.accepted == 0 {
			status = 200
		}
		if r.status != status || r.res.Accepted != s.accepted || r.res.Duplicates != s.dup {
			t.Fatalf("step %d %s: %+v", i, s.fixture, r)
		}
		if n := e.drain(); n != s.accepted {
			t.Fatalf("step %d %s: drain applied %d events, want %d", i, s.fixture, n, s.accepted)
		}
		if i == 0 {
			id = e.only()
		} else if r.res.IncidentID != id {
			t.Fatalf("step %d answered incident %q, not %s", i, r.res.IncidentID, id)
		}
	}
	inc := e.incident(id)
	p := inc.Doc
	want(t, "revisions (one per applied event)", inc.Revision, 5)
	want(t, "title", p.Title, "Checkout p99 latency above 2s")
	want(t, "start", p.Summary.Start.String(), "2026-11-26 10:03")
	want(t, "detection", p.Detection.DetectionTime.String(), "2026-11-26 10:08")
	want(t, "TTA (ack 10:09 - detection 10:08)", p.Detection.TTA.String(), "00:01")
	want(t, "end", p.Summary.End.String(), "2026-11-26 10:52")
	want(t, "severity from priority P1", p.Summary.Severity, hindsight.Sev1)
	want(t, "services", p.ServiceNames(), []string{"checkout"})
	want(t, "timeline", rows(p), []string{
		"10:03|PagerDuty incident #2 triggered: Checkout p99 latency above 2s (service checkout)|PagerDuty",
		"10:09|Acknowledged by Tenex Engineer|PagerDuty",
		"10:12|Escalated to User 123|PagerDuty",
		"10:15|Note by Tenex Engineer: Rolled back release 2026.11.26-1|PagerDuty",
		"10:52|Resolved by Tenex Engineer|PagerDuty",
	})
	// a note after the resolution and a reopening stay in the same postmortem
	for _, f := range []string{"pagerduty/annotated_after_resolve.json", "pagerduty/reopened.json"} {
		if r := e.pd(f); r.status != 202 || r.res.Accepted != 1 || r.res.IncidentID != id {
			t.Fatalf("%s: %+v", f, r)
		}
	}
	if n := e.drain(); n != 2 {
		t.Fatalf("drain applied %d events, want 2", n)
	}
	p = e.incident(id).Doc
	want(t, "end cleared by the reopening", p.Summary.End.IsSet(), false)
	want(t, "rows after reopening", rows(p)[5:], []string{
		"10:58|Note by Tenex Engineer: Postmortem owner: alice|PagerDuty",
		"11:05|Reopened by Tenex Engineer|PagerDuty",
	})
	for _, f := range []string{"pagerduty/ping.json", "pagerduty/service_updated.json"} {
		if r := e.pd(f); r.status != 200 || r.res.Ignored != 1 || r.res.Accepted != 0 {
			t.Errorf("%s: %+v", f, r)
		}
	}
}

func TestGenericLifecycle(t *testing.T) {
	e := newEnv(t)
	r := e.generic("generic/event.json")
	if r.status != 202 || r.res.Accepted != 1 {
		t.Fatalf("%+v", r)
	}
	e.drain()
	id := e.only()
	if r2 := e.generic("generic/event.json"); r2.status != 200 || r2.res.Accepted != 0 || r2.res.Duplicates != 1 || r2.res.IncidentID != id {
		t.Fatalf("retry: %+v", r2)
	}
	if r3 := e.generic("generic/resolved.json"); r3.status != 202 || r3.res.Accepted != 1 || r3.res.IncidentID != id {
		t.Fatalf("resolved: %+v", r3)
	}
	e.drain()
	p := e.incident(id).Doc
	want(t, "severity", p.Summary.Severity, hindsight.Sev1)
	want(t, "services", p.ServiceNames(), []string{"checkout", "payments"})
	want(t, "detected by", p.Detection.DetectedBy, "Monitoring (nagios)")
	want(t, "end", p.Summary.End.String(), "2026-11-26 10:40")
	want(t, "timeline", rows(p), []string{
		"10:03|p99 latency 2.4s on api-1|nagios",
		"10:40|p99 latency back under 300ms|nagios",
	})
}

func TestHumanEditsKept(t *testing.T) {
	e := newEnv(t)
	e.am("alertmanager/firing.json")
	e.drain()
	inc := e.incident(e.only())
	doc := *inc.Doc
	doc.Title = "Checkout latency after the 10:00 deploy"
	doc.Summary.Severity = hindsight.Sev2
	doc.Timeline = append(doc.Timeline, hindsight.Event{Time: hindsight.TimeOf(now), Event: "Rolled back the deploy", Cells: []string{"alice"}})
	if _, err := e.svc.Save(t.Context(), app.Actor{Name: "alice"}, inc.ID, inc.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := e.am("alertmanager/firing_more.json"); r.res.Accepted != 1 {
		t.Fatalf("%+v", r)
	}
	e.drain()
	p := e.incident(inc.ID).Doc
	want(t, "title kept", p.Title, "Checkout latency after the 10:00 deploy")
	want(t, "severity not lowered, raised only by a more severe alert", p.Summary.Severity, hindsight.Sev1)
	want(t, "timeline", rows(p), []string{
		"10:03|Alert firing: HighLatency — Checkout p99 latency above 2s (instance=api-1:9100)|Alertmanager",
		"10:05|Alert firing: HighLatency — Checkout p99 latency above 2s (instance=api-2:9100)|Alertmanager",
		"10:07|Alert firing: HighLatency — Payments p99 latency above 2s (instance=db-1:9100, job=db, service=payments, severity=warning)|Alertmanager",
		"10:08|Rolled back the deploy|alice",
	})
}

func TestConcurrentDuplicateDeliveries(t *testing.T) { concurrentDuplicates(t, newEnv(t)) }

func concurrentDuplicates(t *testing.T, e *env) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, dups := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.am("alertmanager/firing.json")
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case 200, 202:
				accepted += r.res.Accepted
				dups += r.res.Duplicates
			default:
				t.Errorf("status %d %s", r.status, r.err)
			}
		}()
	}
	wg.Wait()
	if accepted != 2 || dups != 14 {
		t.Fatalf("8 concurrent copies: %d events accepted, %d duplicates; want 2 and 14", accepted, dups)
	}
	if n := e.drain(); n != 2 || e.count() != 1 || len(e.incident(e.only()).Doc.Timeline) != 2 {
		t.Fatalf("applied %d events into %d incidents; want 2 into 1", n, e.count())
	}
}

// another is a second receiver (another process) over e's store and clock.
func (e *env) another() *env { return build(e.t, e.store, e.clock) }

// TestCrashRecovery stops the applier at the two points a crash can leave
// the inbox in (claimed, and saved but not finished) and checks that the
// next applier applies every event exactly once.
func TestCrashRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		open opener
	}{{"SQLite", openSQLite}, {"PostgreSQL", openPostgres}} {
		t.Run(tc.name, func(t *testing.T) { crashRecovery(t, tc.open) })
	}
}

func crashRecovery(t *testing.T, open opener) {
	t.Run("ClaimedNotSaved", func(t *testing.T) {
		a := newEnvWith(t, open)
		alerting.SetCrashPoint(a.r, "claimed")
		if r := a.pd("pagerduty/triggered.json"); r.status != 202 || r.res.Accepted != 1 {
			t.Fatalf("%+v", r)
		}
		if _, err := a.r.Drain(t.Context()); err == nil {
			t.Fatal("the applier did not stop at the crash point")
		}
		b := a.another()
		// the sender retries: the event is queued already
		if r := b.pd("pagerduty/triggered.json"); r.status != 200 || r.res.Duplicates != 1 {
			t.Fatalf("retry after the crash: %+v", r)
		}
		if n := b.drain(); n != 0 {
			t.Fatalf("applied %d events under the dead applier's lease", n)
		}
		b.clock.Add(time.Minute + time.Second) // the lease ends
		if n := b.drain(); n != 1 {
			t.Fatalf("applied %d events after the lease, want 1", n)
		}
		inc := b.incident(b.only())
		want(t, "rows", len(inc.Doc.Timeline), 1)
		want(t, "revision", inc.Revision, 1)
		if len(b.inbox()) != 0 {
			t.Fatalf("inbox not empty: %+v", b.inbox())
		}
	})
	t.Run("SavedNotFinished", func(t *testing.T) {
		a := newEnvWith(t, open)
		alerting.SetCrashPoint(a.r, "saved")
		for _, f := range []string{"pagerduty/triggered.json", "pagerduty/acknowledged.json", "pagerduty/annotated.json"} {
			if r := a.pd(f); r.status != 202 || r.res.Accepted != 1 {
				t.Fatalf("%s: %+v", f, r)
			}
		}
		if _, err := a.r.Drain(t.Context()); err == nil {
			t.Fatal("the applier did not stop at the crash point")
		}
		id := a.only()
		if inc := a.incident(id); inc.Revision != 1 || len(inc.Doc.Timeline) != 3 {
			t.Fatalf("the crashed apply saved revision %d with %d rows; want one revision with 3", inc.Revision, len(inc.Doc.Timeline))
		}
		if in := a.inbox(); len(in) != 3 {
			t.Fatalf("the crashed apply left %d inbox entries, want 3", len(in))
		}
		b := a.another()
		// a new event of the group arrives before the lease ends
		if r := b.pd("pagerduty/escalated.json"); r.status != 202 || r.res.Accepted != 1 {
			t.Fatalf("%+v", r)
		}
		b.clock.Add(time.Minute + time.Second)
		if n := b.drain(); n != 1 {
			t.Fatalf("applied %d events after the lease; want 1 (the 3 saved ones are settled, not applied again)", n)
		}
		if !strings.Contains(b.logs.String(), "were saved; finishing them") {
			t.Errorf("no log line for the settled entries:\n%s", b.logs.String())
		}
		inc := b.incident(id)
		want(t, "incidents", b.count(), 1)
		want(t, "revisions", inc.Revision, 2)
		want(t, "timeline", rows(inc.Doc), []string{
			"10:03|PagerDuty incident #2 triggered: Checkout p99 latency above 2s (service checkout)|PagerDuty",
			"10:09|Acknowledged by Tenex Engineer|PagerDuty",
			"10:12|Escalated to User 123|PagerDuty",
			"10:15|Note by Tenex Engineer: Rolled back release 2026.11.26-1|PagerDuty",
		})
		ev, err := b.store.FindAlertEvents(t.Context(), alerting.SourcePagerDuty, []string{"01DEN1HNLBC1VITYDUQ0CPQ1ZI"})
		if err != nil || len(ev) != 1 || ev[0].State != hindsight.AlertDone || ev[0].IncidentID != id {
			t.Fatalf("settled event: %+v, %v", ev, err)
		}
		if len(b.inbox()) != 0 {
			t.Fatalf("inbox not empty: %+v", b.inbox())
		}
	})
}

// TestRestartBetweenCommitAndApply accepts deliveries into the inbox of a
// SQLite file, stops (one applier dies after saving a few groups, the rest
// never applied), closes the database, opens it again in a new receiver
// with its applier running in the background and senders retrying, and
// checks that every event is in a timeline exactly once.
func TestRestartBetweenCommitAndApply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hindsight.db")
	clk := &clock{t: now}
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{Render: markdown.Render, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	a := build(t, st, clk)
	const groups, perGroup = 6, 8
	body := func(g, i int) []byte {
		return []byte(fmt.Sprintf(`{"title":"Group %d","event":"event %d of group %d","dedup_key":"g%d-e%d","group":"group-%d","time":"2026-11-26T10:%02d:00Z"}`, g, i, g, g, i, g, i))
	}
	send := func(e *env, g, i int) reply {
		return e.post("/hooks/generic", body(g, i), map[string]string{"Authorization": "Bearer " + gToken})
	}
	for i := range perGroup {
		for g := range groups {
			if r := send(a, g, i); r.status != 202 || r.res.Accepted != 1 {
				t.Fatalf("group %d event %d: %+v", g, i, r)
			}
		}
	}
	// one pass of an applier that dies after its saves, before finishing
	alerting.SetCrashPoint(a.r, "saved")
	if _, err := a.r.Drain(t.Context()); err == nil {
		t.Fatal("the applier did not stop at the crash point")
	}
	saved := a.count()
	if saved == 0 || saved == groups {
		t.Fatalf("%d of %d groups saved by the crashed pass; the test wants some, not all", saved, groups)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	clk.Add(2 * time.Minute) // the dead applier's lease is over
	st, err = sqlite.Open(t.Context(), path, sqlite.Options{Render: markdown.Render, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := build(t, st, clk)
	ctx, stop := context.WithCancel(t.Context())
	b.r.Start(ctx)
	defer func() { stop(); b.r.Wait() }()
	// the senders retry every delivery (they may not have seen the answers)
	for i := range perGroup {
		for g := range groups {
			if r := send(b, g, i); r.status != 200 || r.res.Duplicates != 1 {
				t.Fatalf("retry of group %d event %d: %+v", g, i, r)
			}
		}
	}
	waitFor(t, "the inbox applied", 30*time.Second, func() bool {
		s, err := b.r.Backlog(t.Context())
		return err == nil && s.Entries == 0
	})
	want(t, "incidents (one per group)", b.count(), groups)
	page, err := st.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, s := range page.Incidents {
		inc := b.incident(s.ID)
		for _, ev := range inc.Doc.Timeline {
			seen[ev.Event]++
		}
		if inc.Revision > 2 {
			t.Errorf("%s: %d revisions; want at most 2 (the crashed save, then the rest)", s.ID, inc.Revision)
		}
	}
	for g := range groups {
		for i := range perGroup {
			if k := fmt.Sprintf("event %d of group %d", i, g); seen[k] != 1 {
				t.Errorf("%q is in the timelines %d times", k, seen[k])
			}
		}
	}
}

// TestFullIncidentContinues fills a small incident: the group goes on in
// continuation Drafts, each row once, whether the events come one by one
// or all at once (one coalesced save too large for one document).
func TestFullIncidentContinues(t *testing.T) {
	for _, tc := range []struct {
		name     string
		drainAll bool
	}{{"OneByOne", false}, {"AllAtOnce", true}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: now}
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{Render: markdown.Render, Clock: clk.Now, MaxDocBytes: 6000})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			e := build(t, st, clk)
			for i := range 60 {
				body := fmt.Sprintf(`{"title":"Disk filling","event":"disk at %d%% on db-1 with a rather long explanation of what is going on","dedup_key":"k%d","group":"disk"}`, i, i)
				r := e.post("/hooks/generic", []byte(body), map[string]string{"Authorization": "Bearer " + gToken})
				if r.status != 202 || r.res.Accepted != 1 {
					t.Fatalf("event %d: %+v", i, r)
				}
				if !tc.drainAll {
					e.drain()
				}
			}
			if n := e.drain(); tc.drainAll && n != 60 {
				t.Fatalf("drain applied %d events, want 60", n)
			}
			page, _ := st.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
			if len(page.Incidents) < 2 {
				t.Fatalf("60 long rows fit in a 6000-byte document? %d incidents", len(page.Incidents))
			}
			rowsTotal := 0
			continued := 0
			for _, s := range page.Incidents {
				inc := e.incident(s.ID)
				rowsTotal += len(inc.Doc.Timeline)
				if strings.Contains(inc.Doc.Title, "(continued from INC-") {
					continued++
				}
				if strings.Count(inc.Doc.Title, "continued") > 1 {
					t.Errorf("title %q", inc.Doc.Title)
				}
			}
			if rowsTotal != 60 || continued != len(page.Incidents)-1 {
				t.Fatalf("%d rows over %d incidents (%d continuations); want 60 rows, every incident but the first a continuation", rowsTotal, len(page.Incidents), continued)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"HINDSIGHT_ALERTMANAGER_TOKEN": " t1 ", "HINDSIGHT_PAGERDUTY_SECRET": "new,old", "HINDSIGHT_GENERIC_TOKEN": "t2",
		"HINDSIGHT_ALERT_SERVICE_LABELS": "app, service", "HINDSIGHT_ALERT_SEVERITY_LABEL": "priority",
		"HINDSIGHT_ALERT_SEVERITY_MAP": "disaster=SEV-1, average=sev3",
	}
	c, err := alerting.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want(t, "tokens", []string{c.AlertmanagerToken, c.GenericToken}, []string{"t1", "t2"})
	want(t, "secrets", c.PagerDutySecrets, []string{"new", "old"})
	want(t, "labels", c.ServiceLabels, []string{"app", "service"})
	want(t, "severity label", c.SeverityLabel, "priority")
	want(t, "mapped", []hindsight.Severity{c.SeverityMap["disaster"], c.SeverityMap["average"], c.SeverityMap["critical"]}, []hindsight.Severity{hindsight.Sev1, hindsight.Sev3, hindsight.Sev1})
	want(t, "default lease", c.InboxLease, time.Duration(0))
	env["HINDSIGHT_ALERT_INBOX_LEASE"] = "90s"
	if c, err = alerting.ConfigFromEnv(func(k string) string { return env[k] }); err != nil || c.InboxLease != 90*time.Second {
		t.Fatalf("lease: %v, %v", c.InboxLease, err)
	}
	env["HINDSIGHT_ALERT_INBOX_LEASE"] = "10ms"
	if _, err := alerting.ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "HINDSIGHT_ALERT_INBOX_LEASE") {
		t.Fatalf("bad lease accepted: %v", err)
	}
	delete(env, "HINDSIGHT_ALERT_INBOX_LEASE")
	env["HINDSIGHT_ALERT_SEVERITY_MAP"] = "disaster=SEV-9"
	if _, err := alerting.ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "HINDSIGHT_ALERT_SEVERITY_MAP") {
		t.Fatalf("bad map accepted: %v", err)
	}
}

// TestBurstOneGroup sends many different events of one group at once with
// the applier running in the background: each is in the timeline exactly
// once, in one incident, in few revisions.
func TestBurstOneGroup(t *testing.T) {
	for _, tc := range []struct {
		name string
		open opener
	}{{"SQLite", openSQLite}, {"PostgreSQL", openPostgres}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, tc.open)
			ctx, stop := context.WithCancel(t.Context())
			e.r.Start(ctx)
			defer func() { stop(); e.r.Wait() }()
			const n = 40
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := fmt.Sprintf(`{"title":"Queue backlog","event":"backlog event %02d","dedup_key":"burst-%d","group":"queue","time":"2026-11-26T10:%02d:00Z"}`, i, i, i)
					r := e.post("/hooks/generic", []byte(body), map[string]string{"Authorization": "Bearer " + gToken})
					if r.status != 202 || r.res.Accepted != 1 {
						t.Errorf("event %d: %+v", i, r)
					}
				}()
			}
			wg.Wait()
			waitFor(t, "the inbox applied", 30*time.Second, func() bool {
				s, err := e.r.Backlog(t.Context())
				return err == nil && s.Entries == 0
			})
			if c := e.count(); c != 1 {
				t.Fatalf("%d incidents, want 1", c)
			}
			inc := e.incident(e.only())
			seen := map[string]int{}
			for _, ev := range inc.Doc.Timeline {
				seen[ev.Event]++
			}
			for i := range n {
				if k := fmt.Sprintf("backlog event %02d", i); seen[k] != 1 {
					t.Errorf("%q is in the timeline %d times", k, seen[k])
				}
			}
			t.Logf("%d events in %d revisions", n, inc.Revision)
		})
	}
}

// TestSeveralAppliers runs three receivers (three processes) over one
// store, each with its applier running, and sends events of a few groups to
// all of them: every event lands once, every group in one incident.
func TestSeveralAppliers(t *testing.T) {
	for _, tc := range []struct {
		name string
		open opener
	}{{"SQLite", openSQLite}, {"PostgreSQL", openPostgres}} {
		t.Run(tc.name, func(t *testing.T) {
			first := newEnvWith(t, tc.open)
			envs := []*env{first, first.another(), first.another()}
			ctx, stop := context.WithCancel(t.Context())
			for _, e := range envs {
				e.r.Start(ctx)
			}
			defer func() {
				stop()
				for _, e := range envs {
					e.r.Wait()
				}
			}()
			const groups, perGroup = 5, 12
			var wg sync.WaitGroup
			for g := range groups {
				for i := range perGroup {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body := fmt.Sprintf(`{"title":"Group %d","event":"event %d of group %d","dedup_key":"g%d-e%d","group":"group-%d"}`, g, i, g, g, i, g)
						// each delivery twice, to two receivers
						for k := range 2 {
							e := envs[(g+i+k)%len(envs)]
							r := e.post("/hooks/generic", []byte(body), map[string]string{"Authorization": "Bearer " + gToken})
							if r.status != 200 && r.status != 202 {
								t.Errorf("group %d event %d: %+v", g, i, r)
							}
						}
					}()
				}
			}
			wg.Wait()
			waitFor(t, "the inbox applied", 60*time.Second, func() bool {
				s, err := first.r.Backlog(t.Context())
				return err == nil && s.Entries == 0
			})
			want(t, "incidents (one per group)", first.count(), groups)
			page, _ := first.store.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{})
			seen := map[string]int{}
			for _, s := range page.Incidents {
				for _, ev := range first.incident(s.ID).Doc.Timeline {
					seen[ev.Event]++
				}
			}
			for g := range groups {
				for i := range perGroup {
					if k := fmt.Sprintf("event %d of group %d", i, g); seen[k] != 1 {
						t.Errorf("%q is in the timelines %d times", k, seen[k])
					}
				}
			}
		})
	}
}

// TestApplyFailureKeepsEvents makes the apply fail (the incident is too
// large to open even empty of other rows) and checks that the events stay
// in the inbox with the reason, are not lost, and are tried again later.
func TestApplyFailureKeepsEvents(t *testing.T) {
	clk := &clock{t: now}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{Render: markdown.Render, Clock: clk.Now, MaxDocBytes: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := build(t, st, clk)
	body := fmt.Sprintf(`{"title":"Huge","event":"%s","dedup_key":"huge-1","group":"huge"}`, strings.Repeat("x ", 240))
	if r := e.post("/hooks/generic", []byte(body), map[string]string{"Authorization": "Bearer " + gToken}); r.status != 202 {
		t.Fatalf("%+v", r)
	}
	if _, err := e.r.Drain(t.Context()); hindsight.ErrorCode(err) != hindsight.ETooLarge {
		t.Fatalf("drain: %v, want the too-large error", err)
	}
	in := e.inbox()
	if len(in) != 1 || in[0].Attempts != 1 || !strings.Contains(in[0].LastError, "limit") || !in[0].LeaseUntil.After(now) {
		t.Fatalf("inbox after the failure: %+v", in)
	}
	// not retried before its time
	if n, err := e.r.Drain(t.Context()); n != 0 || err != nil {
		t.Fatalf("retried early: %d, %v", n, err)
	}
	clk.Add(time.Minute)
	if _, err := e.r.Drain(t.Context()); hindsight.ErrorCode(err) != hindsight.ETooLarge {
		t.Fatalf("second drain: %v", err)
	}
	if in := e.inbox(); len(in) != 1 || in[0].Attempts != 2 {
		t.Fatalf("inbox after the second failure: %+v", in)
	}
	if e.count() != 0 {
		t.Fatal("an incident was saved")
	}
}
