package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/web"
)

// env is a web UI over a real SQLite store in a temporary directory.
type env struct {
	t   testing.TB
	svc *app.Service
	srv *httptest.Server
	c   *http.Client
}

var now = time.Date(2026, 3, 28, 9, 30, 0, 0, time.UTC)

func newEnv(t *testing.T) *env { return newEnvTB(t) }

func newEnvTB(t testing.TB) *env {
	t.Helper()
	clock := func() time.Time { return now }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: clock})
	ui, err := web.New(svc, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, svc: svc, srv: srv, c: c}
}

type resp struct {
	code int
	hdr  http.Header
	body string
}

func (e *env) do(method, path string, form url.Values, hdr map[string]string) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(b)}
}

func (e *env) example(name string) *hindsight.Incident {
	e.t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		e.t.Fatal(err)
	}
	p, _ := markdown.Parse(src)
	in, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{KeepID: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

const payload = `<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))`

var (
	inlineScript = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	onAttr       = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
)

// checkHTML fails on inline scripts, event handler attributes and raw payloads.
func checkHTML(t *testing.T, where, body string) {
	t.Helper()
	for _, m := range inlineScript.FindAllString(body, -1) {
		if !strings.Contains(m, "src=") {
			t.Errorf("%s: inline script %q", where, m)
		}
	}
	if m := onAttr.FindString(body); m != "" {
		t.Errorf("%s: event handler attribute in %q", where, m)
	}
	for _, bad := range []string{"<script>alert", "<img src=x onerror", `href="javascript:`} {
		if strings.Contains(body, bad) {
			t.Errorf("%s: unescaped user text %q", where, bad)
		}
	}
}

func TestPages(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260312-001-checkout-database-failover.md")
	id := ex.ID
	tests := []struct {
		name, path string
		code       int
		want       []string
	}{
		{"home redirects", "/", http.StatusSeeOther, nil},
		{"list", "/incidents", 200, []string{id, "Checkout outage", `class="sev sev-1"`, "chip-published", "Open items"}},
		{"list filter severity", "/incidents?severity=SEV-1", 200, []string{id}},
		{"list filter none", "/incidents?severity=SEV-4", 200, []string{"No incidents match these filters"}},
		{"list filter service", "/incidents?service=orders-db", 200, []string{id}},
		{"list date range", "/incidents?from=2026-03-01&to=2026-03-31", 200, []string{id}},
		{"list date outside", "/incidents?from=2026-04-01", 200, []string{"No incidents match"}},
		{"list bad date", "/incidents?from=March", 200, []string{"from: want a date YYYY-MM-DD"}},
		{"list sort", "/incidents?sort=severity&dir=asc", 200, []string{`aria-sort="ascending"`}},
		{"search", "/incidents?q=failover", 200, []string{"<mark>", "Search results", id}},
		{"search none", "/incidents?q=zzzznothing", 200, []string{"No postmortem matches"}},
		// a bad cursor shows the first page and says why, as the due list
		// does (the search and the list were a 400 error page; QA10)
		{"search bad cursor", "/incidents?q=failover&cursor=garbage", 200, []string{"cursor: not a page of this search; showing its first page", "<mark>", id}},
		{"list bad cursor", "/incidents?cursor=garbage", 200, []string{"cursor: not a page of this list; showing its first page", id}},
		{"list cursor of a search", "/incidents?severity=SEV-1&cursor=eyJvIjo1fQ", 200, []string{"cursor: not a page of this list", id}},
		{"list to the last date", "/incidents?from=2026-03-01&to=9999-12-31", 200, []string{id}},
		{"show", "/incidents/" + id, 200, []string{"Incident Summary", `id="sec-timeline"`, "Figures", "05:05", "Lint findings", `name="to"`, "export.md"}},
		{"show missing", "/incidents/INC-20990101-001", 404, []string{"404"}},
		{"new", "/incidents/new", 200, []string{`name="title"`, "Start time (UTC)", `id="start" name="start" value="2026-`}},
		{"edit", "/incidents/" + id + "/edit", 200, []string{`name="revision" value="1"`, `name="tl_time"`, `name="ai_action"`, `type="radio" name="data_loss" value="Yes" checked`, "Time (UTC)"}},
		{"raw", "/incidents/" + id + "/markdown", 200, []string{`name="markdown"`, "Incident Postmortem: Checkout outage"}},
		{"history", "/incidents/" + id + "/history", 200, []string{"#1", "hindsight"}},
		{"diff same", "/incidents/" + id + "/diff?from=1&to=1", 200, []string{"No differences"}},
		{"diff bad", "/incidents/" + id + "/diff?from=9", 422, []string{"want a revision from 1 to 1"}},
		{"static unknown", "/static/abc/nope.js", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, nil, nil)
			if r.code != tc.code {
				t.Fatalf("GET %s: status %d, want %d\n%s", tc.path, r.code, tc.code, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			if strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") {
				checkHTML(t, tc.path, r.body)
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	e := newEnv(t)
	page := e.do("GET", "/incidents", nil, nil).body
	for _, name := range []string{"htmx.min.js", "app.js", "app.css"} {
		m := regexp.MustCompile(`/static/([0-9a-f]{16})/` + regexp.QuoteMeta(name)).FindString(page)
		if m == "" {
			t.Fatalf("page does not reference %s under a hashed URL", name)
		}
		r := e.do("GET", m, nil, nil)
		if r.code != 200 || !strings.Contains(r.hdr.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: status %d, Cache-Control %q", m, r.code, r.hdr.Get("Cache-Control"))
		}
		old := e.do("GET", "/static/0000000000000000/"+name, nil, nil)
		if old.code != 200 || old.hdr.Get("Cache-Control") != "no-cache" {
			t.Errorf("old hash of %s: status %d, Cache-Control %q", name, old.code, old.hdr.Get("Cache-Control"))
		}
	}
	if !strings.Contains(page, `"includeIndicatorStyles":false`) {
		t.Error("htmx-config meta does not turn off indicator styles")
	}
	js := e.do("GET", regexp.MustCompile(`/static/[0-9a-f]{16}/htmx.min.js`).FindString(page), nil, nil).body
	if !strings.Contains(js, "htmx.org 2.0.") || !strings.Contains(js, `version:"2.0.`) {
		t.Error("embedded htmx is not 2.0.x")
	}
}

func TestCreateEditSaveFlow(t *testing.T) {
	e := newEnv(t)
	// bad input comes back with field errors
	r := e.do("POST", "/incidents", url.Values{"title": {""}, "severity": {"SEV-2"}, "start": {"2026-03-20T10:00"}}, nil)
	if r.code != 422 || !strings.Contains(r.body, "title is required") {
		t.Fatalf("empty title: %d %s", r.code, r.body)
	}
	r = e.do("POST", "/incidents", url.Values{"title": {"Queue backlog"}, "start": {"yesterday"}}, nil)
	if r.code != 422 || !strings.Contains(r.body, "want a UTC date and time") {
		t.Fatalf("bad start: %d", r.code)
	}
	r = e.do("POST", "/incidents", url.Values{"title": {"Queue backlog"}, "severity": {"SEV-2"}, "start": {"2026-03-20T10:00"},
		"services": {"queue, billing"}, "commander": {"Ana Ruiz"}}, nil)
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/incidents/INC-20260320-001/edit" {
		t.Fatalf("create: %d %q", r.code, r.hdr.Get("Location"))
	}
	id := "INC-20260320-001"
	edit := "/incidents/" + id + "/edit"

	base := url.Values{"revision": {"1"}, "title": {"Queue backlog"}, "tl_rows": {"0"}, "ai_rows": {"0"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = append([]string(nil), vs...)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	rowTests := []struct {
		name string
		form url.Values
		want []string
	}{
		{"add timeline row", with("op", "tl-add"), []string{`id="tl-time-0"`, "autofocus"}},
		{"add action item", with("op", "ai-add"), []string{`id="ai-action-0"`, `value="AI-001"`}},
		{"move row down", with("tl_time", "2026-03-20T10:00", "tl_event", "first", "tl_cells", "", "tl_time", "2026-03-20T10:05", "tl_event", "second", "tl_cells", "", "op", "tl-down-0"),
			[]string{"second</textarea>"}},
		{"remove row", with("tl_time", "2026-03-20T10:00", "tl_event", "gone", "tl_cells", "", "op", "tl-del-0"), []string{"No events yet"}},
	}
	for _, tc := range rowTests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", edit, tc.form, map[string]string{"HX-Request": "true"})
			if r.code != 200 {
				t.Fatalf("status %d", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
		})
	}
	if r := e.do("POST", edit, with("tl_time", "2026-03-20T10:00", "tl_event", "a", "tl_time", "2026-03-20T10:05", "tl_event", "b", "op", "tl-down-0"), nil); strings.Index(r.body, ">b</textarea>") > strings.Index(r.body, ">a</textarea>") {
		t.Error("move down did not reorder the rows")
	}
	// live lint: a blameful phrase appears in the panel, and goes
	r = e.do("POST", "/incidents/"+id+"/lint", with("executive_summary", "It was human error."), map[string]string{"HX-Request": "true"})
	if r.code != 200 || !strings.Contains(r.body, "HS012") || strings.Contains(r.body, "<html") {
		t.Fatalf("live lint: %d %s", r.code, r.body)
	}
	r = e.do("POST", "/incidents/"+id+"/lint", with("executive_summary", "A config change removed the limit."), map[string]string{"HX-Request": "true"})
	if strings.Contains(r.body, "HS012") {
		t.Error("live lint still reports HS012")
	}
	// a bad time is refused with its field and nothing is saved
	r = e.do("POST", edit, with("end", "soonish", "op", "save"), nil)
	if r.code != 422 || !strings.Contains(r.body, "is not a time: write 14:02") {
		t.Fatalf("bad end: %d", r.code)
	}
	// save
	r = e.do("POST", edit, with("end", "2026-03-20T11:30", "executive_summary", payload, "tl_time", "2026-03-20T10:00", "tl_event", payload,
		"ai_id", "AI-001", "ai_action", "Add queue depth alert", "ai_owner", "Ana Ruiz", "ai_priority", "P1", "ai_target", "2026-04-10", "ai_status", "Open", "op", "save"), nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	in, err := e.svc.Get(context.Background(), app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Revision != 2 || !in.Doc.Summary.End.IsSet() || len(in.Doc.Timeline) != 1 || len(in.Doc.ActionItems) != 1 || in.Doc.ActionItems[0].Priority != hindsight.P1 {
		t.Fatalf("saved doc: rev %d %+v", in.Revision, in.Doc)
	}
	if got := in.Doc.Detection.Commander; got != "Ana Ruiz" {
		t.Errorf("a field the form did not post changed: commander %q", got)
	}
	page := e.do("GET", "/incidents/"+id, nil, nil)
	checkHTML(t, "show after payload", page.body)
	if !strings.Contains(page.body, "alert(1)") {
		t.Error("payload text is not shown")
	}
	// a stale save is a conflict with both sides, never an overwrite
	r = e.do("POST", edit, with("executive_summary", "my stale edit", "op", "save"), nil)
	if r.code != http.StatusConflict || !strings.Contains(r.body, "Merge your edit") || !strings.Contains(r.body, `name="revision" value="2"`) || !strings.Contains(r.body, "dl-add") {
		t.Fatalf("conflict: %d", r.code)
	}
	checkHTML(t, "conflict", r.body)
	// who saved in between, not the store's "reload it and apply your
	// changes again", which contradicts the page's offer to merge
	if !strings.Contains(r.body, "Revision 2 was saved by ") || strings.Contains(r.body, "reload it") {
		t.Errorf("the merge page does not say who saved revision 2, or tells to reload:\n%s", r.body)
	}
	if in2, _ := e.svc.Get(context.Background(), app.System, id); in2.Revision != 2 {
		t.Fatal("a stale save overwrote")
	}
	// status: htmx swaps the box; a stale revision is reported, not applied
	r = e.do("POST", "/incidents/"+id+"/status", url.Values{"revision": {"2"}, "to": {"In Review"}}, map[string]string{"HX-Request": "true"})
	if r.code != 200 || !strings.Contains(r.body, `id="status-box"`) || !strings.Contains(r.body, "In Review") || !strings.Contains(r.body, `hx-swap-oob`) {
		t.Fatalf("status htmx: %d %s", r.code, r.body)
	}
	r = e.do("POST", "/incidents/"+id+"/status", url.Values{"revision": {"2"}, "to": {"Published"}}, nil)
	if r.code != http.StatusSeeOther || strings.Contains(r.hdr.Get("Location"), "?") || !strings.Contains(r.hdr.Get("Set-Cookie"), "hindsight_flash=error.") {
		t.Fatalf("stale status: %d %q %q", r.code, r.hdr.Get("Location"), r.hdr.Get("Set-Cookie"))
	}
	// the message shows once, on the next page, from the cookie
	if page := e.do("GET", r.hdr.Get("Location"), nil, nil).body; !strings.Contains(page, `<div class="alert alert-error" role="alert">`) {
		t.Errorf("the stale status message is not shown")
	}
	if page := e.do("GET", "/incidents/"+id, nil, nil).body; strings.Contains(page, `<div class="alert alert-error" role="alert">`) {
		t.Errorf("the message shows twice")
	}
	r = e.do("POST", "/incidents/"+id+"/status", url.Values{"revision": {"3"}, "to": {"Nonsense"}}, nil)
	if r.code != 422 {
		t.Fatalf("bad status: %d", r.code)
	}
	// history and diff
	r = e.do("GET", "/incidents/"+id+"/diff?from=1&to=3", nil, nil)
	if r.code != 200 || !strings.Contains(r.body, `class="dl dl-add"`) || !strings.Contains(r.body, `class="dl dl-del"`) {
		t.Fatalf("diff: %d", r.code)
	}
	checkHTML(t, "diff", r.body)
	r = e.do("GET", "/incidents/"+id+"/history", nil, nil)
	if !strings.Contains(r.body, "status: In Review") || !strings.Contains(r.body, "#3") {
		t.Errorf("history lacks revisions")
	}
}

func TestRawMarkdown(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260704-001-nightly-billing-export-delay.md")
	path := "/incidents/" + ex.ID + "/markdown"
	md := string(ex.Markdown)
	tests := []struct {
		name string
		md   string
		rev  string
		code int
		want string
	}{
		{"invalid severity names its line", strings.Replace(md, "**Severity:** SEV-", "**Severity:** SEV-9", 1), "1", 422, "line "},
		{"lint shows lines", strings.Replace(md, "**Duration:**", "**Duration:** 99:99 x", 1), "1", 0, ""},
		{"save", strings.Replace(md, "## Root Cause", "## Root Cause\n\nAn added paragraph.", 1), "1", 303, ""},
		{"stale is a conflict", md, "1", 409, "Merge your edit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == 0 {
				r := e.do("POST", path+"/lint", url.Values{"markdown": {tc.md}}, map[string]string{"HX-Request": "true"})
				if r.code != 200 || !strings.Contains(r.body, "data-line=") {
					t.Fatalf("lint: %d %s", r.code, r.body)
				}
				return
			}
			r := e.do("POST", path, url.Values{"markdown": {tc.md}, "revision": {tc.rev}}, nil)
			if r.code != tc.code || !strings.Contains(r.body, tc.want) {
				t.Fatalf("status %d want %d; body lacks %q", r.code, tc.code, tc.want)
			}
		})
	}
}

// TestFormKeepsUnknownContent: a form edit leaves extras and custom
// sections as they were.
func TestFormKeepsUnknownContent(t *testing.T) {
	e := newEnv(t)
	src := markdown.Render(&hindsight.Postmortem{Title: "Cache stampede", Status: hindsight.StatusDraft})
	src = append(src, []byte("\n## Appendix: Graphs\n\nSee the <dashboard> notes, kept verbatim.\n")...)
	p, _ := markdown.Parse(src)
	in, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Doc.Custom) == 0 {
		t.Fatal("fixture has no custom section")
	}
	r := e.do("POST", "/incidents/"+in.ID+"/edit", url.Values{"revision": {"1"}, "title": {"Cache stampede on login"}, "op": {"save"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("save: %d", r.code)
	}
	got, _ := e.svc.Get(context.Background(), app.System, in.ID)
	if !strings.Contains(string(got.Markdown), "## Appendix: Graphs") || !strings.Contains(string(got.Markdown), "kept verbatim") || got.Doc.Title != "Cache stampede on login" {
		t.Fatalf("custom content lost:\n%s", got.Markdown)
	}
	page := e.do("GET", "/incidents/"+in.ID, nil, nil).body
	if !strings.Contains(page, "Appendix: Graphs") {
		t.Error("custom section not shown")
	}
}

func TestExports(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260521-002-partner-api-certificate-expiry.md")
	tests := []struct{ ext, ctype, want string }{
		{"md", "text/markdown", "# Incident Postmortem:"},
		{"json", "application/json", `"incident_id": "` + ex.ID + `"`},
		{"html", "text/html", "<!DOCTYPE html>"},
	}
	for _, tc := range tests {
		t.Run(tc.ext, func(t *testing.T) {
			r := e.do("GET", "/incidents/"+ex.ID+"/export."+tc.ext, nil, nil)
			if r.code != 200 || !strings.HasPrefix(r.hdr.Get("Content-Type"), tc.ctype) || !strings.Contains(r.body, tc.want) {
				t.Fatalf("status %d, type %q", r.code, r.hdr.Get("Content-Type"))
			}
			if cd := r.hdr.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ex.ID+"."+tc.ext) {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
	}
}

func TestRoutesDeclareAccess(t *testing.T) {
	e := newEnv(t)
	ui, _ := web.New(e.svc, web.Options{})
	seen := map[string]bool{}
	for _, r := range ui.Routes() {
		if seen[r.Pattern] || r.Name == "" || r.Handler == nil {
			t.Errorf("route %q: duplicate, unnamed or without handler", r.Pattern)
		}
		seen[r.Pattern] = true
		write := strings.HasPrefix(r.Pattern, "POST ") || strings.HasSuffix(r.Pattern, "/edit") || strings.HasSuffix(r.Pattern, "/new") || strings.HasSuffix(r.Pattern, "/markdown")
		if r.Pattern == "POST /incidents/columns" {
			write = false // a browser's choice of columns (a cookie): nothing stored
		}
		if write && r.Access < httpx.Write {
			t.Errorf("route %q writes but needs only %s", r.Pattern, r.Access)
		}
		if r.Access == httpx.Public && !strings.HasPrefix(r.Pattern, "GET /static/") && r.Pattern != "GET /favicon.ico" {
			t.Errorf("route %q is public", r.Pattern)
		}
	}
}

// TestIncidentPageCache: a cached incident page never outlives its revision.
func TestIncidentPageCache(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260909-003-cdn-cached-customer-exports.md")
	path := "/incidents/" + ex.ID
	first := e.do("GET", path, nil, nil).body
	if again := e.do("GET", path, nil, nil).body; again != first {
		t.Fatal("the same revision rendered differently")
	}
	doc := *ex.Doc
	doc.Title = "Renamed after review"
	if _, err := e.svc.Save(context.Background(), app.System, ex.ID, ex.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", path, nil, nil).body; !strings.Contains(got, "Renamed after review") {
		t.Fatal("the page shows a stale revision")
	}
	if got := e.do("GET", path+"?saved=2", nil, nil).body; strings.Contains(got, "Saved as revision 2.") {
		t.Fatal("a link puts a message on the page")
	}
}

// TestListPages: keyset pages of 25 follow each other without repeats.
func TestListPages(t *testing.T) {
	e := newEnv(t)
	for i := range 30 {
		p := &hindsight.Postmortem{Title: "Incident " + string(rune('A'+i%26)) + strings.Repeat("x", i/26), Status: hindsight.StatusDraft}
		p.Summary.Start = hindsight.TimeOf(time.Date(2026, 1, 1+i, 10, 0, 0, 0, time.UTC))
		if _, err := e.svc.Create(context.Background(), app.System, p, app.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	idRe := regexp.MustCompile(`data-label="ID"><a href="/incidents/(INC-[0-9-]+)"`)
	nextRe := regexp.MustCompile(`href="(/incidents\?[^"]*cursor=[^"]*)" rel="next"`)
	seen := map[string]bool{}
	path := "/incidents?sort=start&dir=asc"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		body := e.do("GET", strings.ReplaceAll(path, "&amp;", "&"), nil, nil).body
		for _, m := range idRe.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("%s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			path = m[1]
			if !strings.Contains(body, "No incidents") && !strings.Contains(path, "sort=start") {
				t.Errorf("next page link lost the sort: %s", path)
			}
		}
	}
	if len(seen) != 30 {
		t.Errorf("pages listed %d incidents, want 30", len(seen))
	}
}

// TestActionItemStatus: closing an item is a revision; a stale page is told,
// not obeyed; htmx gets the page to swap the section from.
func TestActionItemStatus(t *testing.T) {
	e := newEnv(t)
	ex := e.example("INC-20260704-001-nightly-billing-export-delay.md")
	var open string
	for _, it := range ex.Doc.ActionItems {
		if it.Status == hindsight.ItemOpen {
			open = it.ID
			break
		}
	}
	if open == "" {
		t.Fatal("fixture has no open action item")
	}
	path := "/incidents/" + ex.ID + "/action-items/" + open
	tests := []struct {
		name   string
		form   url.Values
		htmx   bool
		code   int
		want   string
		status hindsight.ItemStatus
	}{
		{"close", url.Values{"revision": {"1"}, "status": {"Closed"}}, false, http.StatusSeeOther, "#sec-action_itemshindsight_flash=ok.", hindsight.ItemClosed},
		{"stale page", url.Values{"revision": {"1"}, "status": {"Open"}}, false, http.StatusSeeOther, "/incidents/" + ex.ID + "hindsight_flash=error.", hindsight.ItemClosed}, // to the top, where the reason is
		{"no revision", url.Values{"status": {"Open"}}, false, http.StatusSeeOther, "/incidents/" + ex.ID + "hindsight_flash=error.", hindsight.ItemClosed},                   // to the top, where the reason is
		{"bad status", url.Values{"revision": {"2"}, "status": {"Maybe"}}, false, 422, "", hindsight.ItemClosed},
		{"reopen with htmx", url.Values{"revision": {"2"}, "status": {"Open"}}, true, 200, `id="sec-action_items"`, hindsight.ItemOpen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.htmx {
				hdr["HX-Request"] = "true"
			}
			r := e.do("POST", path, tc.form, hdr)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d", r.code, tc.code)
			}
			if got := r.hdr.Get("Location") + r.hdr.Get("Set-Cookie") + r.body; !strings.Contains(got, tc.want) {
				t.Errorf("answer lacks %q", tc.want)
			}
			in, _ := e.svc.Get(context.Background(), app.System, ex.ID)
			for _, it := range in.Doc.ActionItems {
				if it.ID == open && it.Status != tc.status {
					t.Errorf("%s is %s, want %s", open, it.Status, tc.status)
				}
			}
		})
	}
}
