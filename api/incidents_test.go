package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/sqlite"
)

func TestIncidentLifecycle(t *testing.T) {
	lifecycle(t, newEnv(t))
}

// lifecycle drives one incident through every endpoint that changes or
// reads it; it runs on SQLite and, when configured, PostgreSQL.
func lifecycle(t *testing.T, e *env) {
	in := e.create("Checkout database failover")
	if in.ID == "" || in.Revision != 1 || in.Doc.Title != "Checkout database failover" || in.Doc.Summary.IncidentID != in.ID {
		t.Fatalf("created: %+v", in)
	}

	// get, JSON and Markdown, with the revision as ETag
	res := e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID})
	if res.status != 200 || res.header.Get("ETag") != `"1"` {
		t.Fatalf("get: %d %s", res.status, res.header.Get("ETag"))
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID, header: map[string]string{"Accept": "text/markdown"}})
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/markdown") || !strings.HasPrefix(string(res.body), "# Incident Postmortem: Checkout database failover") {
		t.Fatalf("get markdown: %d %s\n%.200s", res.status, res.header.Get("Content-Type"), res.body)
	}
	md := string(res.body)
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID, header: map[string]string{"If-None-Match": `"1"`}})
	if res.status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", res.status)
	}

	// replace from JSON with If-Match
	doc := in.Doc
	doc.ExecutiveSummary = "Checkout failed for 12 minutes after a failover."
	res = e.do(req{method: "PUT", path: "/api/v1/incidents/" + in.ID + "?message=summary", header: with(jsonHeader, "If-Match", `"1"`), body: mustJSON(t, doc)})
	if res.status != 200 || res.header.Get("ETag") != `"2"` {
		t.Fatalf("replace: %d %s", res.status, res.body)
	}
	// replace from Markdown with a weak ETag, answer in Markdown
	md2 := strings.Replace(md, "Checkout failed for some customers", "Checkout failed for many customers", 1)
	res = e.do(req{method: "PUT", path: "/api/v1/incidents/" + in.ID, header: with(mdHeader, "If-Match", `W/"2"`, "Accept", "text/markdown"), body: md2})
	if res.status != 200 || res.header.Get("ETag") != `"3"` || !strings.Contains(string(res.body), "many customers") {
		t.Fatalf("replace markdown: %d %s", res.status, res.body)
	}
	// a stale If-Match is 412 and names who saved
	res = e.do(req{method: "PUT", path: "/api/v1/incidents/" + in.ID, header: with(jsonHeader, "If-Match", `"1"`), body: mustJSON(t, doc)})
	if eb := res.errorBody(t); res.status != http.StatusPreconditionFailed || eb.Code != "precondition" || !strings.Contains(eb.Message, "hindsight") {
		t.Fatalf("stale: %d %s", res.status, res.body)
	}

	// status transitions
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/status", header: jsonHeader, body: `{"status":"Published"}`})
	if eb := res.errorBody(t); res.status != http.StatusUnprocessableEntity || eb.Fields[0].Field != "status" {
		t.Fatalf("Draft -> Published: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/status", header: with(jsonHeader, "If-Match", `"3"`), body: `{"status":"In Review"}`})
	var got hindsight.Incident
	if res.json(t, &got); res.status != 200 || got.Doc.Status != hindsight.StatusInReview || got.Revision != 4 {
		t.Fatalf("-> In Review: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/status", header: with(jsonHeader, "If-Match", `"3"`), body: `{"status":"Published"}`})
	if res.status != http.StatusPreconditionFailed {
		t.Fatalf("stale status: %d %s", res.status, res.body)
	}

	// action items: close by ID, reopen by position
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/action-items/AI-001/close"})
	if res.json(t, &got); res.status != 200 || got.Doc.ActionItems[0].Status != hindsight.ItemClosed {
		t.Fatalf("close: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/action-items/1/reopen", header: map[string]string{"If-Match": etagOf(got.Revision)}})
	if res.json(t, &got); res.status != 200 || got.Doc.ActionItems[0].Status != hindsight.ItemOpen {
		t.Fatalf("reopen: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/action-items/AI-009/close"})
	if res.status != http.StatusNotFound {
		t.Fatalf("close unknown item: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "POST", path: "/api/v1/incidents/" + in.ID + "/action-items/AI-002/close", header: map[string]string{"If-Match": `"1"`}})
	if res.status != http.StatusPreconditionFailed {
		t.Fatalf("close stale: %d %s", res.status, res.body)
	}

	// revisions and diffs
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/revisions"})
	var revs api.Revisions
	if res.json(t, &revs); res.status != 200 || len(revs.Revisions) != got.Revision || revs.Revisions[1].Message != "summary" {
		t.Fatalf("revisions: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/revisions/1"})
	var rd api.RevisionDoc
	if res.json(t, &rd); res.status != 200 || rd.N != 1 || rd.Doc.ExecutiveSummary != "Checkout failed for some customers after a database failover." {
		t.Fatalf("revision 1: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/revisions/2", header: map[string]string{"Accept": "text/markdown"}})
	if res.status != 200 || !strings.Contains(string(res.body), "Checkout failed for 12 minutes") {
		t.Fatalf("revision 2 markdown: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/diff?from=1&to=2"})
	var d api.Diff
	if res.json(t, &d); res.status != 200 || !strings.Contains(d.Diff, "-Checkout failed for some customers") || !strings.Contains(d.Diff, "+Checkout failed for 12 minutes") {
		t.Fatalf("diff: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/diff", header: map[string]string{"Accept": "text/x-diff"}})
	if res.status != 200 || !strings.HasPrefix(string(res.body), "--- revision") {
		t.Fatalf("diff text: %d %s", res.status, res.body)
	}

	// lint of the stored document
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID + "/lint"})
	var lr api.LintResult
	if res.json(t, &lr); res.status != 200 || len(lr.Findings) == 0 || lr.Findings[0].Line == 0 {
		t.Fatalf("lint: %d %s", res.status, res.body)
	}

	// delete, then it is gone
	res = e.do(req{method: "DELETE", path: "/api/v1/incidents/" + in.ID, header: map[string]string{"If-Match": `"1"`}})
	if res.status != http.StatusPreconditionFailed {
		t.Fatalf("delete stale: %d", res.status)
	}
	res = e.do(req{method: "DELETE", path: "/api/v1/incidents/" + in.ID})
	if res.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	res = e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID})
	if res.status != http.StatusNotFound {
		t.Fatalf("get deleted: %d", res.status)
	}
}

func etagOf(rev int) string { return `"` + itoa(rev) + `"` }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestCreateFromMarkdown(t *testing.T) {
	e := newEnv(t)
	md := markdownOf(sampleDoc("Partner API certificate expiry"))
	res := e.do(req{method: "POST", path: "/api/v1/incidents", header: with(mdHeader, "Accept", "text/markdown"), body: md})
	if res.status != http.StatusCreated || !strings.HasPrefix(res.header.Get("Location"), "/api/v1/incidents/INC-20261118-") {
		t.Fatalf("create: %d %v %s", res.status, res.header, res.body)
	}
	if !strings.Contains(string(res.body), "**Incident ID:** INC-20261118-001") {
		t.Fatalf("create markdown answer: %s", res.body)
	}
	// an invalid value in Markdown names its line
	bad := strings.Replace(md, "**Severity:** SEV-2", "**Severity:** SEV-9", 1)
	res = e.do(req{method: "POST", path: "/api/v1/incidents", header: mdHeader, body: bad})
	eb := res.errorBody(t)
	if res.status != http.StatusUnprocessableEntity || len(eb.Fields) == 0 || eb.Fields[0].Field != "summary.severity" || eb.Fields[0].Line == 0 {
		t.Fatalf("invalid markdown: %d %s", res.status, res.body)
	}
}

func TestLocationUsesBaseURL(t *testing.T) {
	e := newEnv(t)
	e = newEnvWith(t, e.svc, api.Options{BaseURL: "https://hindsight.example.com/"})
	res := e.do(req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: mustJSON(t, sampleDoc("x"))})
	if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "https://hindsight.example.com/api/v1/incidents/INC-") {
		t.Fatalf("Location %q", loc)
	}
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t)
	in := e.create("Errors")
	id := in.ID
	doc := mustJSON(t, sampleDoc("Errors"))
	big := `{"title":"` + strings.Repeat("x", api.DefaultMaxBodyBytes) + `"}`
	// under the body limit, over the document limit once rendered: lint
	// refuses what a save would refuse
	docTooBig := `{"title":"x","executive_summary":"` + strings.Repeat("x", hindsight.DefaultMaxDocBytes+1) + `"}`
	deep := strings.Repeat(`{"extras":`, 40) + "null" + strings.Repeat("}", 40)
	tests := []struct {
		name   string
		req    req
		status int
		code   string
		field  string // the first field named, if any
		msg    string // part of the message
	}{
		{"malformed JSON", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title": `, invalid: true}, 400, "bad_request", "", "ends too early"},
		{"syntax error", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title" "x"}`, invalid: true}, 400, "bad_request", "", "byte offset"},
		{"unknown field", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title":"x","sevrity":"SEV-1"}`, invalid: true}, 400, "bad_request", "sevrity", "unknown field"},
		{"wrong type", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title":"x","summary":{"services_affected":"checkout"}}`, invalid: true}, 400, "bad_request", "summary.services_affected", "want an array"},
		{"trailing data", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title":"x"} {}`, invalid: true}, 400, "bad_request", "", "after the JSON value"},
		{"not an object", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `[1]`, invalid: true}, 400, "bad_request", "", "JSON object"},
		{"null body", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `null`, invalid: true}, 400, "bad_request", "", "null"},
		{"empty body", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, invalid: true}, 400, "bad_request", "", "empty"},
		{"invalid UTF-8", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: "{\"title\":\"a\xff\"}", invalid: true}, 400, "bad_request", "", "UTF-8"},
		{"invalid UTF-8 Markdown", req{method: "POST", path: "/api/v1/lint", header: mdHeader, body: "# Incident Postmortem: \xff", invalid: true}, 400, "bad_request", "", "UTF-8"},
		{"too deep", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: deep, invalid: true}, 400, "bad_request", "", "deeper than"},
		{"too large", req{method: "POST", path: "/api/v1/lint", header: jsonHeader, body: big, invalid: true}, 413, "too_large", "", "limit"},
		{"lint JSON over the document limit", req{method: "POST", path: "/api/v1/lint", header: jsonHeader, body: docTooBig, invalid: true}, 413, "too_large", "", "as Markdown"},
		{"no content type", req{method: "POST", path: "/api/v1/incidents", body: doc, invalid: true}, 415, "unsupported", "", "Content-Type is missing"},
		{"form content type", req{method: "POST", path: "/api/v1/incidents", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "title=x", invalid: true}, 415, "unsupported", "", "not supported"},
		{"latin-1", req{method: "POST", path: "/api/v1/incidents", header: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, body: doc, invalid: true}, 415, "unsupported", "", "UTF-8"},
		{"markdown status change", req{method: "POST", path: "/api/v1/incidents/" + id + "/status", header: mdHeader, body: "In Review", invalid: true}, 415, "unsupported", "", "application/json"},
		{"invalid severity", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title":"x","summary":{"severity":"SEV-9"}}`}, 422, "invalid", "summary.severity", "SEV-9"},
		{"invalid time", req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title":"x","summary":{"start_time":"yesterday-ish"}}`}, 422, "invalid", "summary.start_time", "not a UTC time"},
		{"unknown status", req{method: "POST", path: "/api/v1/incidents/" + id + "/status", header: jsonHeader, body: `{"status":"Archived"}`}, 422, "invalid", "status", "Archived"},
		{"no If-Match", req{method: "PUT", path: "/api/v1/incidents/" + id, header: jsonHeader, body: doc, invalid: true}, 428, "precondition_required", "If-Match", "required"},
		{"If-Match star", req{method: "PUT", path: "/api/v1/incidents/" + id, header: with(jsonHeader, "If-Match", "*"), body: doc}, 400, "bad_request", "If-Match", "overwrite"},
		{"If-Match not a revision", req{method: "PUT", path: "/api/v1/incidents/" + id, header: with(jsonHeader, "If-Match", `"abc"`), body: doc}, 400, "bad_request", "If-Match", "not a revision"},
		{"replace unknown incident", req{method: "PUT", path: "/api/v1/incidents/INC-20260101-999", header: with(jsonHeader, "If-Match", `"1"`), body: doc}, 404, "not_found", "", ""},
		{"get unknown incident", req{method: "GET", path: "/api/v1/incidents/INC-20260101-999"}, 404, "not_found", "", ""},
		{"not acceptable", req{method: "GET", path: "/api/v1/incidents/" + id, header: map[string]string{"Accept": "text/html"}}, 406, "not_acceptable", "", "application/json or text/markdown"},
		{"revision zero", req{method: "GET", path: "/api/v1/incidents/" + id + "/revisions/0", invalid: true}, 400, "bad_request", "n", "not a revision number"},
		{"revision missing", req{method: "GET", path: "/api/v1/incidents/" + id + "/revisions/9"}, 404, "not_found", "", ""},
		{"diff bad from", req{method: "GET", path: "/api/v1/incidents/" + id + "/diff?from=x", invalid: true}, 400, "bad_request", "from", ""},
		{"list bad severity", req{method: "GET", path: "/api/v1/incidents?severity=SEV-7"}, 400, "bad_request", "severity", "SEV-7"},
		{"list bad sort", req{method: "GET", path: "/api/v1/incidents?sort=title", invalid: true}, 400, "bad_request", "sort", "title"},
		{"list bad limit", req{method: "GET", path: "/api/v1/incidents?limit=5000", invalid: true}, 400, "bad_request", "limit", "1 to 1000"},
		{"list bad date", req{method: "GET", path: "/api/v1/incidents?from=someday"}, 400, "bad_request", "from", "date"},
		{"list bad to", req{method: "GET", path: "/api/v1/incidents?to=2026-11-05T10:00Z"}, 400, "bad_request", "to", "inclusive"},
		{"list before and to", req{method: "GET", path: "/api/v1/incidents?before=2026-11-05&to=2026-11-06"}, 400, "bad_request", "to", "not both"},
		{"list bad cursor", req{method: "GET", path: "/api/v1/incidents?cursor=zzz"}, 400, "bad_request", "cursor", "cursor"},
		{"search bad cursor", req{method: "GET", path: "/api/v1/search?q=x&cursor=!!!"}, 400, "bad_request", "cursor", "cursor"},
		{"search without q", req{method: "GET", path: "/api/v1/search", invalid: true}, 400, "bad_request", "q", "required"},
		{"action items bad priority", req{method: "GET", path: "/api/v1/action-items?priority=urgent"}, 400, "bad_request", "priority", "urgent"},
		{"action items bad overdue", req{method: "GET", path: "/api/v1/action-items?overdue=maybe", invalid: true}, 400, "bad_request", "overdue", "true or false"},
		{"incident items unknown incident", req{method: "GET", path: "/api/v1/incidents/INC-20260101-999/action-items"}, 404, "not_found", "", ""},
		{"cross-site write", req{method: "POST", path: "/api/v1/incidents/" + id + "/action-items/AI-001/close", header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403, "forbidden", "", "cross-origin"},
		{"unknown endpoint", req{method: "GET", path: "/api/v1/nothing-here"}, 404, "not_found", "", "no API endpoint"},
		{"wrong method", req{method: "PATCH", path: "/api/v1/incidents/" + id}, 405, "method_not_allowed", "", "use GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(tt.req)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
			eb := res.errorBody(t)
			if eb.Code != tt.code {
				t.Errorf("code %q, want %q", eb.Code, tt.code)
			}
			if tt.msg != "" && !strings.Contains(eb.Message, tt.msg) {
				t.Errorf("message %q does not say %q", eb.Message, tt.msg)
			}
			if tt.field != "" && (len(eb.Fields) == 0 || eb.Fields[0].Field != tt.field) {
				t.Errorf("fields %+v, want %q first", eb.Fields, tt.field)
			}
			if strings.Contains(string(res.body), "goroutine ") || strings.Contains(string(res.body), ".go:") {
				t.Errorf("the error shows internals: %s", res.body)
			}
		})
	}
}

func TestContentNegotiation(t *testing.T) {
	e := newEnv(t)
	in := e.create("Negotiation")
	tests := []struct {
		accept string
		status int
		ctype  string
	}{
		{"", 200, "application/json"},
		{"*/*", 200, "application/json"},
		{"application/json", 200, "application/json"},
		{"text/markdown", 200, "text/markdown; charset=utf-8"},
		{"text/*", 200, "text/markdown; charset=utf-8"},
		{"text/markdown;q=0.5, application/json", 200, "application/json"},
		{"application/json;q=0.2, text/markdown;q=0.9", 200, "text/markdown; charset=utf-8"},
		{"text/html, */*;q=0.1", 200, "application/json"},
		{"text/html", 406, "application/json"},
		{"application/json;q=0", 406, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			h := map[string]string{}
			if tt.accept != "" {
				h["Accept"] = tt.accept
			}
			res := e.do(req{method: "GET", path: "/api/v1/incidents/" + in.ID, header: h})
			if res.status != tt.status || res.header.Get("Content-Type") != tt.ctype {
				t.Fatalf("%d %q, want %d %q", res.status, res.header.Get("Content-Type"), tt.status, tt.ctype)
			}
		})
	}
}

// TestInternalErrorsStayInTheLog closes the database under the API: the
// client gets a bare 500, the log gets the cause.
func TestInternalErrorsStayInTheLog(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, t.TempDir()+"/closed.db", sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	e := newEnvWith(t, app.New(st, app.Options{}), api.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	st.Close()
	for _, q := range []req{
		{method: "GET", path: "/api/v1/incidents"},
		{method: "GET", path: "/api/v1/incidents/INC-20261118-001"},
		{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: `{"title":"x"}`},
	} {
		logs.Reset()
		res := e.do(q)
		eb := res.errorBody(t)
		if res.status != 500 || eb.Code != "internal" || eb.Message != "internal error" {
			t.Errorf("%s %s: %d %s", q.method, q.path, res.status, res.body)
		}
		if !strings.Contains(logs.String(), "internal error") || !strings.Contains(logs.String(), "closed") {
			t.Errorf("%s %s: log %q", q.method, q.path, logs.String())
		}
	}
}
