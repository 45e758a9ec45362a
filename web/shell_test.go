package web_test

import (
	"context"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/web"
	"github.com/hindsight-pm/hindsight/webhook"
)

// shellEnv serves the web UI with the follow-up and webhook pages over a
// real SQLite store. The request header X-User picks the viewer: ""
// anonymous, "bob" a member of incident b; X-Admin makes an admin.
type shellEnv struct {
	srv  *httptest.Server
	st   *sqlite.Store
	wh   *webhook.Webhooks
	svc  *app.Service
	a, b string // incident IDs: a (public), b (restricted to bob)
}

var followNow = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func newShellEnv(t *testing.T) *shellEnv {
	t.Helper()
	clock := func() time.Time { return followNow }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: clock})
	actor := func(r *http.Request) app.Actor {
		u := r.Header.Get("X-User")
		return app.Actor{ID: u, Name: u, Viewer: hindsight.Viewer{UserID: u, Admin: r.Header.Get("X-Admin") != ""}}
	}
	fu, err := followup.New(svc, st, followup.Options{Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := webhook.New(st, webhook.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(svc, web.Options{Actor: actor, FollowUp: fu, Webhooks: wh})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range append(ui.Routes(), fu.Routes()...) {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	e := &shellEnv{srv: httptest.NewServer(mux), st: st, wh: wh, svc: svc}
	t.Cleanup(e.srv.Close)
	mk := func(title, start string, restricted bool, items ...hindsight.ActionItem) string {
		p := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
		p.Summary.Start, _ = hindsight.ParseTime(start)
		p.Summary.End = hindsight.TimeOf(p.Summary.Start.T.Add(2 * time.Hour))
		p.Detection.DetectionTime = hindsight.TimeOf(p.Summary.Start.T.Add(10 * time.Minute))
		p.Detection.DetectedBy = "Monitoring"
		p.Summary.Severity = hindsight.Sev2
		p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
		p.ActionItems = items
		c := hindsight.IncidentCreate{Doc: p, Author: "t", Restricted: restricted}
		if restricted {
			c.Members = []string{"bob"}
		}
		inc, err := st.CreateIncident(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	due, _ := hindsight.ParseDate("2026-06-01")
	e.a = mk("Checkout <errors>", "2026-05-01 10:00", false,
		hindsight.ActionItem{ID: "AI-001", Action: "=add alert", Owner: "alice", Priority: hindsight.P0, TargetDate: due, Status: hindsight.ItemOpen},
		hindsight.ActionItem{ID: "AI-002", Action: "Write runbook", Owner: "carol", Priority: hindsight.P2, Status: hindsight.ItemOpen})
	e.b = mk("Secret outage", "2026-07-01 10:00", true,
		hindsight.ActionItem{ID: "AI-001", Action: "Secret fix", Owner: "alice", Priority: hindsight.P1, Status: hindsight.ItemOpen})
	return e
}

// do sends a request; hdr is pairs of header names and values.
func (e *shellEnv) do(t *testing.T, method, path string, form url.Values, hdr ...string) (int, string, http.Header) {
	t.Helper()
	res, body := send(t, method, e.srv.URL+path, form, nil, hdr...)
	return res.StatusCode, body, res.Header
}

// send sends a request (a posted form when form is not nil) without
// following redirects; hdr is pairs of header names and values.
func send(t *testing.T, method, url string, form url.Values, c *http.Cookie, hdr ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c != nil {
		req.AddCookie(c)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var inlineStyle = regexp.MustCompile(`(?i)<style\b|\sstyle\s*=`)

// checkShell fails on a page that is not in the one shell: inline styles
// or scripts, event handler attributes, no shared stylesheet or nav.
func checkShell(t *testing.T, where, body string) {
	t.Helper()
	checkHTML(t, where, body)
	if m := inlineStyle.FindString(body); m != "" {
		t.Errorf("%s: inline style %q", where, m)
	}
	for _, want := range []string{`<nav class="top-nav" data-shell aria-label="Main">`, `/app.css"`, `rel="icon"`} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: not in the shell: no %q", where, want)
		}
	}
}

func TestFollowUpPages(t *testing.T) {
	e := newShellEnv(t)
	tests := []struct {
		name, path, user string
		status           int
		want, notWant    []string
	}{
		{"Tracker", "/action-items", "", 200,
			[]string{"2 items", "Checkout &lt;errors&gt;", "AI-002", "(suggested)", "past objective", "overdue", `hx-post="/action-items/` + e.a + `/AI-001/close"`, "Download CSV", `aria-current="page">Action items`},
			[]string{"Secret"}},
		{"TrackerMember", "/action-items", "bob", 200, []string{"3 items", "Secret fix", "My items"}, nil},
		{"TrackerFilters", "/action-items?owner=carol&priority=P2&status=open&past_objective=1&sort=owner&desc=1", "", 200,
			[]string{"1 items", "Write runbook"}, []string{"=add alert"}},
		{"TrackerOverdue", "/action-items?overdue=1", "", 200, []string{"1 items", "=add alert"}, []string{"Write runbook"}},
		{"TrackerBadPriority", "/action-items?priority=P7", "", 400, []string{"priority: &#34;P7&#34; is not P0, P1 or P2", `id="ai-priority"`}, nil},
		{"Insights", "/insights?from=2026-01-01&to=2026-12-31", "", 200,
			[]string{"<svg", `id="chart-by-severity"`, "Time to detect (minutes)", "Detection Time − Start", "How this is computed", "percentile_cont", "<td>10</td>", `aria-current="page">Insights`}, []string{"Secret"}},
		{"InsightsDefaultRange", "/insights", "", 200, []string{`value="2025-11-27"`, `value="2026-11-26"`}, nil},
		{"InsightsBadRange", "/insights?from=2026-12-01&to=2026-01-01", "", 400, []string{"is after to", `id="in-from"`}, nil},
		{"Related", "/incidents/" + e.a + "/related", "bob", 200, []string{"Related incidents", e.b, "same service: checkout", "Checkout &lt;errors&gt;"}, nil},
		{"RelatedHidden", "/incidents/" + e.b + "/related", "", 404, nil, []string{"Secret"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, body, _ := e.do(t, "GET", tc.path, nil, "X-User", tc.user)
			if st != tc.status {
				t.Fatalf("status %d, want %d:\n%s", st, tc.status, body)
			}
			checkShell(t, tc.path, body)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q", w)
				}
			}
		})
	}
	// the downloads of the pages are not pages
	st, body, hdr := e.do(t, "GET", "/action-items?format=csv", nil)
	if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(body, "Write runbook") {
		t.Errorf("tracker CSV: %d %s %s", st, hdr.Get("Content-Type"), body)
	}
	st, body, hdr = e.do(t, "GET", "/insights?format=json&from=2026-01-01&to=2026-12-31", nil)
	if st != 200 || hdr.Get("Content-Type") != "application/json" || !strings.Contains(body, `"filter"`) {
		t.Errorf("insights JSON: %d %s %.200s", st, hdr.Get("Content-Type"), body)
	}
	st, body, _ = e.do(t, "GET", "/insights?format=csv&from=2026-12-01&to=2026-01-01", nil)
	if st != 400 || !strings.Contains(body, `"code":"bad_request"`) {
		t.Errorf("insights CSV with a bad range: %d %s", st, body)
	}
	// the related section alone for htmx
	st, body, _ = e.do(t, "GET", "/incidents/"+e.a+"/related", nil, "X-User", "bob", "HX-Request", "true")
	if st != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `id="related-incidents"`) {
		t.Errorf("related for htmx: %d %s", st, body)
	}
}

func TestTrackerCloseReopen(t *testing.T) {
	e := newShellEnv(t)
	ret := "/action-items?owner=alice"
	st, _, hdr := e.do(t, "POST", "/action-items/"+e.a+"/AI-001/close", url.Values{"return": {ret}})
	if st != http.StatusSeeOther || hdr.Get("Location") != ret {
		t.Fatalf("close: status %d location %q", st, hdr.Get("Location"))
	}
	if c := hdr.Get("Set-Cookie"); !strings.Contains(c, "hindsight_flash=") {
		t.Errorf("close sets no message: %q", c)
	}
	inc, err := e.st.FindIncidentByID(context.Background(), hindsight.SystemViewer, e.a)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Revision != 2 || inc.Doc.ActionItems[0].Status != hindsight.ItemClosed {
		t.Fatalf("after close: revision %d, item %q", inc.Revision, inc.Doc.ActionItems[0].Status)
	}
	if !strings.Contains(string(inc.Markdown), "| Closed |") {
		t.Errorf("the document does not say Closed:\n%s", inc.Markdown)
	}
	// htmx: the new row comes back, with a reopen button.
	st, body, _ := e.do(t, "POST", "/action-items/"+e.a+"/AI-001/reopen", url.Values{"return": {ret}}, "HX-Request", "true")
	if st != 200 || !strings.HasPrefix(body, "<tr id=") || !strings.Contains(body, "/AI-001/close") || strings.Contains(body, "<html") {
		t.Fatalf("htmx reopen: %d\n%s", st, body)
	}
	// a foreign return URL is not followed
	for _, bad := range []string{"//evil.example/", "https://evil.example/action-items", "/action-items\\@evil"} {
		_, _, hdr = e.do(t, "POST", "/action-items/"+e.a+"/AI-002/reopen", url.Values{"return": {bad}})
		if hdr.Get("Location") != "/action-items" {
			t.Errorf("return %q: redirect to %q", bad, hdr.Get("Location"))
		}
	}
	// a restricted incident is not found for anonymous, and not changed
	st, _, _ = e.do(t, "POST", "/action-items/"+e.b+"/AI-001/close", url.Values{}, "HX-Request", "true")
	if st != http.StatusNotFound {
		t.Errorf("close of a hidden item: %d, want 404", st)
	}
	st, _, _ = e.do(t, "POST", "/action-items/"+e.a+"/AI-999/close", url.Values{})
	if st != http.StatusNotFound {
		t.Errorf("close of a missing item: %d, want 404", st)
	}
}

func TestWebhooksPage(t *testing.T) {
	e := newShellEnv(t)
	admin := []string{"X-User", "ann", "X-Admin", "1"}
	st, body, _ := e.do(t, "GET", "/admin/webhooks", nil, admin...)
	if st != 200 || !strings.Contains(body, "No webhooks yet.") {
		t.Fatalf("empty page: %d\n%s", st, body)
	}
	checkShell(t, "/admin/webhooks", body)
	for _, want := range []string{">Users</a>", ">Audit log</a>", `aria-current="page">Webhooks</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the admin nav lacks %q", want)
		}
	}
	form := url.Values{"url": {"https://hooks.example.com/b"}, "events": {"incident.published"}, "format": {"json"}, "description": {"<b>#ops</b>"}}
	// the POST redirects (a reload must not add a second webhook); the
	// page shows the secret once
	res, _ := send(t, "POST", e.srv.URL+"/admin/webhooks", form, nil, admin...)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/webhooks" {
		t.Fatalf("create: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	body = followSecret(t, e.srv.URL, res, nil, admin...)
	if !strings.Contains(body, "Webhook 1: its signing secret") || !strings.Contains(body, "whsec_") || !strings.Contains(body, "Webhook 1 is added.") || !strings.Contains(body, "&lt;b&gt;#ops&lt;/b&gt;") {
		t.Fatalf("the page after adding a webhook:\n%s", body)
	}
	checkShell(t, "POST /admin/webhooks", body)
	if _, again, _ := e.do(t, "GET", "/admin/webhooks", nil, admin...); strings.Contains(again, "whsec_") {
		t.Fatalf("the secret is shown a second time:\n%s", again)
	}
	st, body, _ = e.do(t, "POST", "/admin/webhooks", url.Values{"url": {"nope"}, "format": {"json"}, "description": {"kept"}}, admin...)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Not saved: url:") || !strings.Contains(body, `value="kept"`) {
		t.Fatalf("invalid: %d\n%s", st, body)
	}
	st, _, hdr := e.do(t, "POST", "/admin/webhooks/1/toggle", url.Values{}, admin...)
	if st != http.StatusSeeOther || hdr.Get("Location") != "/admin/webhooks" {
		t.Fatalf("toggle: %d %q", st, hdr.Get("Location"))
	}
	if s, err := e.wh.Get(context.Background(), 1); err != nil || s.Active {
		t.Fatalf("after toggle: %+v %v", s, err)
	}
	st, _, _ = e.do(t, "POST", "/admin/webhooks/abc/toggle", url.Values{}, admin...)
	if st != http.StatusNotFound {
		t.Errorf("toggle of a bad ID: %d", st)
	}
	// a missing delivery (its webhook deleted since the page was loaded)
	// sends the admin back to the page saying so (TestWebhookPageStaleForms)
	st, _, hdr = e.do(t, "POST", "/admin/webhook-deliveries/42/redeliver", url.Values{}, admin...)
	if st != http.StatusSeeOther || hdr.Get("Location") != "/admin/webhooks" {
		t.Errorf("redeliver of a missing delivery: %d %q", st, hdr.Get("Location"))
	}
	st, _, _ = e.do(t, "POST", "/admin/webhooks/1/delete", url.Values{}, admin...)
	if st != http.StatusSeeOther {
		t.Fatalf("delete: %d", st)
	}
	if _, err := e.wh.Get(context.Background(), 1); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("after delete: %v", err)
	}
}

// TestSearchCount: the search page says how many incidents it found.
func TestSearchCount(t *testing.T) {
	e := newEnv(t)
	e.example("INC-20260312-001-checkout-database-failover.md")
	e.example("INC-20260909-003-cdn-cached-customer-exports.md")
	for q, want := range map[string]string{"failover": "1 result for “failover”", "zzzznothing": "0 results for “zzzznothing”", "customer": " results for “customer”"} {
		body := e.do("GET", "/incidents?q="+url.QueryEscape(q), nil, nil).body
		if !strings.Contains(body, want) {
			t.Errorf("search %q: no %q", q, want)
		}
	}
}

// TestFindingsUsePageLabels: the findings on the incident page and in the
// editor name fields as the page labels them and rows by their number.
func TestFindingsUsePageLabels(t *testing.T) {
	e := newEnv(t)
	p := &hindsight.Postmortem{Title: "Labels", Status: hindsight.StatusDraft}
	p.Summary.Start, _ = hindsight.ParseTime("2026-03-01 10:00")
	p.Summary.End, _ = hindsight.ParseTime("2026-03-01 12:00")
	p.Summary.Duration, _ = hindsight.ParseDuration("01:30")
	t1, _ := hindsight.ParseTime("2026-03-01 10:30")
	t2, _ := hindsight.ParseTime("2026-03-01 10:10")
	p.Timeline = []hindsight.Event{{Time: t1, Event: "alert fired"}, {Time: t2, Event: "deploy started"}}
	in, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/incidents/" + in.ID, "/incidents/" + in.ID + "/edit"} {
		body := e.do("GET", path, nil, nil).body
		for _, want := range []string{"Duration is 01:30", "Timeline row 2 time"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %q", path, want)
			}
		}
		for _, bad := range []string{"summary.duration is", "timeline[1].time"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: a field path %q in a finding", path, bad)
			}
		}
	}
}

// TestWebhookDisableTwice: two admins with the same page open both press
// Disable; the webhook stays disabled (the button posts the state it
// shows, not "flip"), and the second is told it already was.
func TestWebhookDisableTwice(t *testing.T) {
	e := newShellEnv(t)
	admin := []string{"X-User", "ann", "X-Admin", "1"}
	form := url.Values{"url": {"https://hooks.example.com/b"}, "events": {"incident.published"}, "format": {"json"}}
	if st, _, _ := e.do(t, "POST", "/admin/webhooks", form, admin...); st != http.StatusSeeOther {
		t.Fatalf("create: %d", st)
	}
	_, page, _ := e.do(t, "GET", "/admin/webhooks", nil, admin...)
	if !strings.Contains(page, `name="active" value="0"`) {
		t.Fatalf("the Disable button does not post the state it asks for:\n%s", page)
	}
	for i, want := range []string{"Webhook 1 is disabled", "Webhook 1 is already disabled"} {
		res, _ := send(t, "POST", e.srv.URL+"/admin/webhooks/1/toggle", url.Values{"active": {"0"}}, nil, admin...)
		if s, err := e.wh.Get(context.Background(), 1); err != nil || s.Active {
			t.Fatalf("press %d: the webhook is active (%v)", i+1, err)
		}
		msg := ""
		for _, c := range res.Cookies() {
			if _, v, ok := strings.Cut(c.Value, "."); ok && c.Name == "hindsight_flash" {
				b, _ := base64.RawURLEncoding.DecodeString(v)
				msg = string(b)
			}
		}
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(msg, want) {
			t.Errorf("press %d: %d %q, want %q", i+1, res.StatusCode, msg, want)
		}
	}
}

// TestTrackerNextPage follows the tracker's "Next" link (keyset paging,
// one item a page): the second page holds the other item, says where it
// starts, links back to the first page and has no next.
func TestTrackerNextPage(t *testing.T) {
	e := newShellEnv(t)
	st, body, _ := e.do(t, "GET", "/action-items?limit=1", nil)
	m := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">`).FindStringSubmatch(body)
	if st != 200 || m == nil || !strings.Contains(m[1], "cursor=") || !strings.Contains(body, "(showing 1–1)") {
		t.Fatalf("first page: %d, next link %v\n%s", st, m, body)
	}
	first := strings.Contains(body, "=add alert")
	st, body, _ = e.do(t, "GET", html.UnescapeString(m[1]), nil)
	if st != 200 || !strings.Contains(body, "(showing 2–2)") || !strings.Contains(body, `rel="first"`) || strings.Contains(body, `rel="next"`) {
		t.Fatalf("second page: %d\n%s", st, body)
	}
	if second := strings.Contains(body, "=add alert"); first == second {
		t.Errorf("the item =add alert on both pages or on neither (first %v, second %v)", first, second)
	}
}
