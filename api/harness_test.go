package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// The contract: every request and response the API tests make is checked
// against the served OpenAPI document with kin-openapi (openapi3filter),
// and TestMain fails when an operation of the document was never exercised.

var (
	contractOnce sync.Once
	contractDoc  *openapi3.T
	contractRtr  routers.Router
	contractErr  error

	coveredMu sync.Mutex
	covered   = map[string]bool{} // "METHOD path-template status"
)

func contract(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	contractOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/x-diff", openapi3filter.PlainBodyDecoder)
		b, err := api.Document()
		if err != nil {
			contractErr = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(b)
		if err != nil {
			contractErr = fmt.Errorf("load: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			contractErr = fmt.Errorf("validate: %w", err)
			return
		}
		rtr, err := gorillamux.NewRouter(doc)
		if err != nil {
			contractErr = fmt.Errorf("router: %w", err)
			return
		}
		contractDoc, contractRtr = doc, rtr
	})
	if contractErr != nil {
		t.Fatalf("OpenAPI document: %v", contractErr)
	}
	return contractDoc, contractRtr
}

// env is a server over a real SQLite store in a temporary directory.
type env struct {
	t   *testing.T
	svc *app.Service
	h   http.Handler
}

var clock = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/test.db", sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: func() time.Time { return clock }})
	return newEnvWith(t, svc, api.Options{})
}

func newEnvWith(t *testing.T, svc *app.Service, o api.Options) *env {
	t.Helper()
	h, err := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, api.New(svc, o).Routes())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, h: h}
}

// req is one request of a test.
type req struct {
	method, path string
	header       map[string]string
	body         string
	// invalid marks a request that breaks the contract on purpose (bad
	// JSON, a missing header): only its response is checked.
	invalid bool
}

// resp is a recorded response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
}

// errorBody decodes an error response.
func (r resp) errorBody(t testing.TB) api.ErrorDetail {
	t.Helper()
	var e api.ErrorBody
	r.json(t, &e)
	return e.Error
}

func newHTTPRequest(q req) *http.Request {
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	r := httptest.NewRequest(q.method, q.path, body)
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	return r
}

// do serves q and checks the request and the response against the OpenAPI
// document.
func (e *env) do(q req) resp {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, newHTTPRequest(q))
	res := resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	checkContract(e.t, q, res)
	return res
}

func checkContract(t testing.TB, q req, res resp) {
	t.Helper()
	_, rtr := contract(t)
	hr := newHTTPRequest(q)
	hr.URL.Host, hr.URL.Scheme = "", ""
	route, params, err := rtr.FindRoute(hr)
	if err != nil {
		if res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed {
			return // not an operation of the document, and the API said so
		}
		t.Errorf("contract: %s %s is not in the OpenAPI document (%v) but answered %d", q.method, q.path, err, res.status)
		return
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if !q.invalid {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("contract: request %s %s does not match the document:\n%v", q.method, q.path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header,
		Body: io.NopCloser(bytes.NewReader(res.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("contract: response %d to %s %s does not match the document:\n%v\nbody: %.600s", res.status, q.method, q.path, err, res.body)
	}
	coveredMu.Lock()
	covered[route.Method+" "+route.Path] = true
	coveredMu.Unlock()
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		doc, _ := contractDoc, contractRtr
		if doc != nil {
			// the operations this package serves (the others are
			// exercised by internal/stack's contract test)
			ours := map[string]bool{}
			for _, rt := range api.New(app.New(nil, app.Options{}), api.Options{}).Routes() {
				ours[rt.Pattern] = true
			}
			var missing []string
			for path, item := range doc.Paths.Map() {
				for method := range item.Operations() {
					if ours[method+" "+path] && !covered[method+" "+path] {
						missing = append(missing, method+" "+path)
					}
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				fmt.Fprintf(os.Stderr, "contract: operations of the OpenAPI document no test exercised:\n  %s\n", strings.Join(missing, "\n  "))
				code = 1
			}
		}
	}
	os.Exit(code)
}

// jsonHeader and mdHeader are common request headers.
var (
	jsonHeader = map[string]string{"Content-Type": "application/json"}
	mdHeader   = map[string]string{"Content-Type": "text/markdown"}
)

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// sampleDoc is a valid postmortem in JSON.
func sampleDoc(title string) *hindsight.Postmortem {
	p := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft, Owner: "Dana Kim"}
	p.Summary.Severity = hindsight.Sev2
	p.Summary.Start = hindsight.TimeOf(time.Date(2026, 11, 18, 14, 2, 0, 0, time.UTC))
	p.Summary.End = hindsight.TimeOf(time.Date(2026, 11, 18, 15, 10, 0, 0, time.UTC))
	p.Summary.Duration = hindsight.Minutes(68)
	p.Summary.Services = []hindsight.Service{{Name: "checkout", Impact: "errors on payment"}}
	p.ExecutiveSummary = "Checkout failed for some customers after a database failover."
	p.Detection.Commander = "Dana Kim"
	p.ActionItems = []hindsight.ActionItem{
		{ID: "AI-001", Action: "Add a failover alert", Owner: "Sam Lee", Priority: hindsight.P1, Status: hindsight.ItemOpen},
		{ID: "AI-002", Action: "Document the runbook", Owner: "Ari Cohen", Priority: hindsight.P2, Status: hindsight.ItemOpen},
	}
	return p
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// create stores a sample incident through the API and returns it.
func (e *env) create(title string) hindsight.Incident {
	e.t.Helper()
	res := e.do(req{method: "POST", path: "/api/v1/incidents", header: jsonHeader, body: mustJSON(e.t, sampleDoc(title))})
	if res.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", res.status, res.body)
	}
	var in hindsight.Incident
	res.json(e.t, &in)
	return in
}

// markdownOf renders a document.
func markdownOf(p *hindsight.Postmortem) string { return string(markdown.Render(p)) }

// templateMarkdown is the unfilled template, as `hindsight new` writes it.
func templateMarkdown() string { return string(markdown.RenderTemplate(&hindsight.Postmortem{})) }
