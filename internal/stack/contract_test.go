package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// contractWorld is the whole server (every package's routes, behind the
// access check) over a real SQLite file, signed in as an admin, with every
// request and response checked against the OpenAPI document.
type contractWorld struct {
	t       *testing.T
	s       *stack.Stack
	doc     *openapi3.T
	rtr     routers.Router
	cookie  *http.Cookie
	covered map[string]bool // "METHOD /path/template"
}

func newContractWorld(t *testing.T) *contractWorld {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "contract.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := stack.Build(t.Context(), st, stack.Config{Getenv: func(string) string { return "" },
		Auth: auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/x-diff", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	b, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	rtr, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "admin@example.test", Name: "Admin", Role: hindsight.RoleAdmin, Password: "correct horse battery admin"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Auth.SessionCookie(t.Context(), u, "192.0.2.10", "contract")
	if err != nil {
		t.Fatal(err)
	}
	return &contractWorld{t: t, s: s, doc: doc, rtr: rtr, cookie: &http.Cookie{Name: c.Name, Value: c.Value}, covered: map[string]bool{}}
}

type call struct {
	method, path, body string
	header             map[string]string
	// invalid: the request breaks the document on purpose (a bad body or
	// parameter); only the response is checked
	invalid bool
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) errorDetail(t *testing.T) httpx.ErrorDetail {
	t.Helper()
	var e httpx.ErrorBody
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("not JSON: %s", a.body)
	}
	return e.Error
}

func (w *contractWorld) do(c call) answer {
	w.t.Helper()
	mk := func() *http.Request {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		r := httptest.NewRequest(c.method, c.path, body)
		if c.body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		return r
	}
	r := mk()
	r.AddCookie(w.cookie)
	rec := httptest.NewRecorder()
	w.s.Handler.ServeHTTP(rec, r)
	a := answer{rec.Code, rec.Header(), rec.Body.Bytes()}

	hr := mk()
	hr.URL.Host, hr.URL.Scheme = "", ""
	route, params, err := w.rtr.FindRoute(hr)
	if err != nil {
		w.t.Errorf("contract: %s %s is not an operation of the OpenAPI document (%v); it answered %d", c.method, c.path, err, a.status)
		return a
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if !c.invalid {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			w.t.Errorf("contract: request %s %s does not match the document:\n%v", c.method, c.path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: a.status, Header: a.header,
		Body: io.NopCloser(bytes.NewReader(a.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		w.t.Errorf("contract: response %d to %s %s does not match the document:\n%v\nbody: %.600s", a.status, c.method, c.path, err, a.body)
	}
	w.covered[route.Method+" "+route.Path] = true
	return a
}

func (w *contractWorld) want(c call, status int) answer {
	w.t.Helper()
	a := w.do(c)
	if a.status != status {
		w.t.Errorf("%s %s: %d %.400s, want %d", c.method, c.path, a.status, a.body, status)
	}
	return a
}

// apiTable is every /api/v1 operation of the assembled route table with
// its access level.
func apiTable(s *stack.Stack) map[string]httpx.Access {
	out := map[string]httpx.Access{}
	for _, rt := range s.Table() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if ok && strings.HasPrefix(path, api.Prefix+"/") {
			out[method+" "+path] = rt.Access
		}
	}
	return out
}

// TestOpenAPICoversRouteTable: every /api/v1 route of the assembled route
// table (whichever package serves it) is an operation of the OpenAPI
// document with the same access level, and every operation is a route.
func TestOpenAPICoversRouteTable(t *testing.T) {
	w := newContractWorld(t)
	table := apiTable(w.s)
	inDoc := map[string]bool{}
	for path, item := range w.doc.Paths.Map() {
		if !strings.HasPrefix(path, api.Prefix+"/") {
			continue
		}
		for method, op := range item.Operations() {
			key := method + " " + path
			inDoc[key] = true
			access, ok := table[key]
			if !ok {
				t.Errorf("%s is in the OpenAPI document but no route serves it", key)
				continue
			}
			if got := op.Extensions["x-hindsight-access"]; got != access.String() {
				t.Errorf("%s: x-hindsight-access %v, route table %s", key, got, access)
			}
		}
	}
	var missing []string
	for key := range table {
		if !inDoc[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("/api/v1 routes without an OpenAPI operation: %v", missing)
	}
	if len(table) < 30 {
		t.Errorf("only %d /api/v1 routes in the table: the stack lost some", len(table))
	}
}

// TestContractEveryRoute exercises every /api/v1 operation of the server
// through the whole stack, checking each request and answer against the
// OpenAPI document, and fails when an operation was left out.
func TestContractEveryRoute(t *testing.T) {
	w := newContractWorld(t)
	doc := `{"title":"Contract","summary":{"severity":"SEV-2","services_affected":[{"name":"checkout"}]},"action_items":[{"id":"AI-001","action":"Add an alert","owner":"sam","priority":"P1","status":"Open"}]}`
	var inc hindsight.Incident
	if err := json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/incidents", body: doc}, 201).body, &inc); err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	I := "/api/v1/incidents/" + id
	w.want(call{method: "GET", path: "/api/v1/openapi.json"}, 200)
	w.want(call{method: "GET", path: "/api/v1/incidents?limit=5"}, 200)
	w.want(call{method: "GET", path: "/api/v1/incidents.csv?tag=dns"}, 200)
	w.want(call{method: "GET", path: "/api/v1/incidents?tag=dns&factor=capacity&field.Region=us-east-1"}, 200)
	w.want(call{method: "GET", path: "/api/v1/insights?tag=dns&group_field=Region"}, 200)
	w.want(call{method: "GET", path: I}, 200)
	w.want(call{method: "PUT", path: I, body: doc, header: map[string]string{"If-Match": `"1"`}}, 200)
	w.want(call{method: "POST", path: I + "/status", body: `{"status":"In Review"}`}, 200)
	w.want(call{method: "GET", path: I + "/lint"}, 200)
	w.want(call{method: "GET", path: I + "/revisions"}, 200)
	w.want(call{method: "GET", path: I + "/revisions/1"}, 200)
	w.want(call{method: "GET", path: I + "/diff"}, 200)
	w.want(call{method: "GET", path: I + "/action-items"}, 200)
	w.want(call{method: "POST", path: I + "/action-items/AI-001/close"}, 200)
	w.want(call{method: "POST", path: I + "/action-items/AI-001/reopen"}, 200)
	w.want(call{method: "POST", path: I + "/action-items/AI-001/issue"}, 422) // no tracker configured
	w.want(call{method: "GET", path: I + "/tracker-links"}, 200)
	w.want(call{method: "GET", path: "/api/v1/action-items"}, 200)
	w.want(call{method: "GET", path: "/api/v1/search?q=contract"}, 200)
	w.want(call{method: "POST", path: "/api/v1/lint", body: doc}, 200)
	w.want(call{method: "GET", path: I + "/related"}, 200)
	w.want(call{method: "GET", path: "/api/v1/insights"}, 200)
	w.want(call{method: "GET", path: "/api/v1/insights?format=csv"}, 200)
	w.want(call{method: "GET", path: "/api/v1/action-items/tracker"}, 200)
	w.want(call{method: "GET", path: "/api/v1/action-items/owners"}, 200)

	// accounts
	w.want(call{method: "GET", path: "/api/v1/me"}, 200)
	var tok struct{ ID string }
	_ = json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/tokens", body: `{"name":"ci","scope":"read","expires_in_days":7}`}, 201).body, &tok)
	w.want(call{method: "GET", path: "/api/v1/tokens?all=true"}, 200)
	w.want(call{method: "DELETE", path: "/api/v1/tokens/" + tok.ID}, 204)
	w.want(call{method: "DELETE", path: "/api/v1/tokens/no-such-token"}, 404)
	var user struct{ ID string }
	_ = json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/users", body: `{"email":"new@example.test","name":"New","role":"viewer","password":"a long and unusual passphrase 7"}`}, 201).body, &user)
	w.want(call{method: "POST", path: "/api/v1/users", body: `{"email":"new@example.test","name":"New","role":"viewer","password":"a long and unusual passphrase 7"}`}, 409)
	w.want(call{method: "GET", path: "/api/v1/users"}, 200)
	w.want(call{method: "PATCH", path: "/api/v1/users/" + user.ID, body: `{"name":"Renamed"}`}, 200)
	w.want(call{method: "GET", path: "/api/v1/audit?limit=10"}, 200)
	// review (docs/review.md): the admin asks itself, comments, approves
	var me struct{ User struct{ Email string } }
	_ = json.Unmarshal(w.want(call{method: "GET", path: "/api/v1/me"}, 200).body, &me)
	w.want(call{method: "POST", path: I + "/review-requests", body: `{"reviewers":["new@example.test"]}`}, 422) // a viewer
	w.want(call{method: "POST", path: I + "/review-requests", body: `{"reviewers":["` + me.User.Email + `"]}`}, 201)
	w.want(call{method: "GET", path: I + "/review-requests"}, 200)
	var com struct{ ID int64 }
	_ = json.Unmarshal(w.want(call{method: "POST", path: I + "/comments", body: `{"body":"Which alert?","anchor":{"kind":"section","section":"detection"}}`}, 201).body, &com)
	w.want(call{method: "GET", path: I + "/comments"}, 200)
	w.want(call{method: "PATCH", path: fmt.Sprintf("/api/v1/comments/%d", com.ID), body: `{"resolved":true}`}, 200)
	w.want(call{method: "POST", path: I + "/reviews", body: `{"state":"approved","body":"LGTM"}`}, 201)
	w.want(call{method: "GET", path: I + "/reviews"}, 200)
	w.want(call{method: "GET", path: "/api/v1/me/reviews"}, 200)
	w.want(call{method: "DELETE", path: fmt.Sprintf("/api/v1/comments/%d", com.ID)}, 204)
	w.want(call{method: "DELETE", path: I + "/review-requests/" + me.User.Email}, 404) // answered by the review
	w.want(call{method: "PUT", path: I + "/restriction", body: `{"restricted":true,"members":["` + user.ID + `"]}`}, 200)

	// teams
	w.want(call{method: "POST", path: "/api/v1/teams", body: `{"slug":"payments","name":"Payments","members":["new@example.test"],"services":["checkout"]}`}, 201)
	w.want(call{method: "POST", path: "/api/v1/teams", body: `{"slug":"payments","name":"Again"}`}, 409)
	w.want(call{method: "POST", path: "/api/v1/teams", body: `{"slug":"Not a slug","name":"x"}`}, 422)
	w.want(call{method: "GET", path: "/api/v1/teams"}, 200)
	w.want(call{method: "GET", path: "/api/v1/teams?member=me"}, 200)
	w.want(call{method: "GET", path: "/api/v1/teams/payments"}, 200)
	w.want(call{method: "GET", path: "/api/v1/teams/nobody"}, 404)
	w.want(call{method: "PATCH", path: "/api/v1/teams/payments", body: `{"name":"Payments team","add_services":["ledger"],"remove_members":["new@example.test"]}`}, 200)
	w.want(call{method: "GET", path: I + "/teams"}, 200)
	w.want(call{method: "PUT", path: I + "/teams", body: `{"teams":["payments"]}`}, 200)
	w.want(call{method: "PUT", path: I + "/teams", body: `{"teams":["nobody"]}`}, 422)
	w.want(call{method: "GET", path: "/api/v1/incidents?team=payments"}, 200)
	w.want(call{method: "GET", path: "/api/v1/action-items?team=payments&owner_team=payments"}, 200)
	w.want(call{method: "GET", path: "/api/v1/action-items/tracker?team=payments&owner_team=payments"}, 200)
	w.want(call{method: "GET", path: "/api/v1/action-items/owners?owner_team=payments"}, 200)
	w.want(call{method: "GET", path: "/api/v1/insights?team=payments"}, 200)
	w.want(call{method: "PUT", path: I + "/restriction", body: `{"restricted":true,"members":["` + user.ID + `"],"member_teams":["payments"]}`}, 200)
	w.want(call{method: "DELETE", path: "/api/v1/teams/payments"}, 204)

	// webhooks
	var hook struct{ ID int64 }
	_ = json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/webhooks", body: `{"url":"https://hooks.example.com/hindsight","events":["*"]}`}, 201).body, &hook)
	H := fmt.Sprintf("/api/v1/webhooks/%d", hook.ID)
	w.want(call{method: "GET", path: "/api/v1/webhooks"}, 200)
	w.want(call{method: "GET", path: H}, 200)
	w.want(call{method: "PATCH", path: H, body: `{"description":"contract"}`}, 200)
	w.want(call{method: "GET", path: H + "/deliveries"}, 200)
	w.want(call{method: "GET", path: "/api/v1/webhook-deliveries?limit=10"}, 200)
	w.want(call{method: "POST", path: "/api/v1/webhook-deliveries/999999/redeliver"}, 404)
	w.want(call{method: "DELETE", path: H}, 200)

	// the caller's email notification preference
	w.want(call{method: "GET", path: "/api/v1/me/notifications"}, 200)
	w.want(call{method: "PUT", path: "/api/v1/me/notifications", body: `{"preference":"digest"}`}, 200)

	w.want(call{method: "DELETE", path: I, header: map[string]string{"If-Match": `"1"`}}, 412)
	w.want(call{method: "DELETE", path: I}, 204)

	var missing []string
	for path, item := range w.doc.Paths.Map() {
		for method := range item.Operations() {
			if strings.HasPrefix(path, api.Prefix+"/") && !w.covered[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("operations of the OpenAPI document no request exercised: %v", missing)
	}
}

// goNames must never reach a client.
var goNames = []string{"Go ", "struct", "hindsight.", "webhook.", "auth.", "api.", "json:", "[]string", "*bool", "int64", "reflect"}

// TestSameMistakeSameAnswer sends the same bad bodies and parameters to
// every JSON route of the assembled server, whichever package serves it:
// a wrong JSON type, an unknown field, malformed JSON or a body that is not
// an object is 400 bad_request naming the field as the client sent it; a
// value that breaks a rule is 422 invalid; a bad query parameter is 400
// bad_request naming it. Every answer has the one error shape (checked
// against the OpenAPI document) and no Go type name.
func TestSameMistakeSameAnswer(t *testing.T) {
	w := newContractWorld(t)
	var inc hindsight.Incident
	if err := json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/incidents", body: `{"title":"Mistakes"}`}, 201).body, &inc); err != nil {
		t.Fatal(err)
	}
	I := "/api/v1/incidents/" + inc.ID
	var user struct{ ID string }
	_ = json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/users", body: `{"email":"m@example.test","name":"M","role":"viewer","password":"a long and unusual passphrase 7"}`}, 201).body, &user)
	var hook struct{ ID int64 }
	_ = json.Unmarshal(w.want(call{method: "POST", path: "/api/v1/webhooks", body: `{"url":"https://hooks.example.com/x","events":["*"]}`}, 201).body, &hook)
	H := fmt.Sprintf("/api/v1/webhooks/%d", hook.ID)
	ifMatch := map[string]string{"If-Match": `"1"`}

	check := func(t *testing.T, c call, status int, code, field string) {
		t.Helper()
		c.invalid = true
		a := w.do(c)
		if a.status != status {
			t.Fatalf("%s %s %s: %d %s, want %d", c.method, c.path, c.body, a.status, a.body, status)
		}
		e := a.errorDetail(t)
		if e.Code != code || e.Fields == nil {
			t.Errorf("%s %s %s: %s, want code %s and fields", c.method, c.path, c.body, a.body, code)
		}
		if field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field) {
			t.Errorf("%s %s %s: fields %+v, want %q named", c.method, c.path, c.body, e.Fields, field)
		}
		for _, n := range goNames {
			if strings.Contains(string(a.body), n) {
				t.Errorf("%s %s %s: the answer shows %q: %s", c.method, c.path, c.body, n, a.body)
			}
		}
	}
	bodyRoutes := []struct {
		method, path string
		header       map[string]string
		field, bad   string // a field of the route and a value of the wrong JSON type
	}{
		{"POST", "/api/v1/incidents", nil, "title", "5"},
		{"PUT", I, ifMatch, "title", "5"},
		{"POST", I + "/status", nil, "status", "5"},
		{"POST", "/api/v1/lint", nil, "title", "5"},
		{"PUT", I + "/restriction", nil, "restricted", `"yes"`},
		{"POST", "/api/v1/tokens", nil, "name", "5"},
		{"POST", "/api/v1/users", nil, "email", "5"},
		{"PATCH", "/api/v1/users/" + user.ID, nil, "name", "5"},
		{"POST", "/api/v1/webhooks", nil, "url", "5"},
		{"PATCH", H, nil, "url", "5"},
		{"PUT", "/api/v1/me/notifications", nil, "preference", "5"},
	}
	for _, r := range bodyRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			check(t, call{method: r.method, path: r.path, header: r.header, body: `{"` + r.field + `":` + r.bad + `}`}, 400, httpx.CodeBadRequest, r.field)
			check(t, call{method: r.method, path: r.path, header: r.header, body: `{"zz_unknown":1}`}, 400, httpx.CodeBadRequest, "zz_unknown")
			check(t, call{method: r.method, path: r.path, header: r.header, body: `{"` + r.field + `":`}, 400, httpx.CodeBadRequest, "")
			check(t, call{method: r.method, path: r.path, header: r.header, body: `[1,2]`}, 400, httpx.CodeBadRequest, "")
			plain := map[string]string{"Content-Type": "text/plain"}
			for k, v := range r.header {
				plain[k] = v
			}
			check(t, call{method: r.method, path: r.path, header: plain, body: `{}`}, 415, string(hindsight.EUnsupport), "")
		})
	}
	// a well-formed value that breaks a rule
	for _, c := range []struct {
		call  call
		field string
	}{
		{call{method: "POST", path: I + "/status", body: `{"status":"Finished"}`}, "status"},
		{call{method: "POST", path: "/api/v1/tokens", body: `{"name":"x","scope":"read","expires_in_days":999}`}, "expires_in_days"},
		{call{method: "POST", path: "/api/v1/users", body: `{"email":"not an email","role":"viewer","password":"a long and unusual passphrase 7"}`}, ""},
		{call{method: "POST", path: "/api/v1/webhooks", body: `{"events":["*"]}`}, "url"},
		{call{method: "PUT", path: "/api/v1/me/notifications", body: `{"preference":"weekly"}`}, "preference"},
		{call{method: "PUT", path: "/api/v1/me/notifications", body: `{}`}, "preference"},
	} {
		t.Run("invalid "+c.call.method+" "+c.call.path, func(t *testing.T) {
			check(t, c.call, 422, string(hindsight.EInvalid), c.field)
		})
	}
	// a bad query parameter
	for _, p := range []string{"/api/v1/incidents", "/api/v1/action-items", "/api/v1/search?q=x&", "/api/v1/audit", "/api/v1/webhook-deliveries",
		H + "/deliveries", I + "/related", "/api/v1/action-items/tracker", "/api/v1/action-items/owners"} {
		sep := "?"
		if strings.HasSuffix(p, "&") {
			sep = ""
		}
		t.Run("limit "+p, func(t *testing.T) {
			check(t, call{method: "GET", path: p + sep + "limit=abc"}, 400, httpx.CodeBadRequest, "limit")
		})
	}
	// other parameters, read by the route or by the store: never ignored,
	// never 422
	for _, c := range []struct{ path, field string }{
		{"/api/v1/incidents?cursor=!!!", "cursor"},
		{"/api/v1/search?q=x&cursor=!!!", "cursor"},
		{"/api/v1/tokens?all=abc", "all"},
		{"/api/v1/insights?format=xml", "format"},
		{"/api/v1/action-items/tracker?format=xml", "format"},
	} {
		t.Run("param "+c.path, func(t *testing.T) {
			check(t, call{method: "GET", path: c.path}, 400, httpx.CodeBadRequest, c.field)
		})
	}
}

// TestWrongMethodEverywhere: a known /api/v1 path with another method is a
// JSON 405 with Allow, whichever package serves the path; an unknown path
// a JSON 404.
func TestWrongMethodEverywhere(t *testing.T) {
	w := newContractWorld(t)
	for _, c := range []struct {
		method, path, allow string
		status              int
	}{
		{"PATCH", "/api/v1/incidents", "GET, HEAD, POST", 405},
		{"PATCH", "/api/v1/me", "GET, HEAD", 405},
		{"PUT", "/api/v1/users", "GET, HEAD, POST", 405},
		{"PUT", "/api/v1/webhooks/1", "GET, HEAD, PATCH, DELETE", 405},
		{"POST", "/api/v1/insights", "GET, HEAD", 405},
		{"GET", "/api/v1/no-such-thing", "", 404},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.AddCookie(w.cookie)
		rec := httptest.NewRecorder()
		w.s.Handler.ServeHTTP(rec, r)
		var e httpx.ErrorBody
		if rec.Code != c.status || rec.Header().Get("Allow") != c.allow || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Fields == nil {
			t.Errorf("%s %s: %d Allow %q %s; want %d Allow %q in the one error shape", c.method, c.path, rec.Code, rec.Header().Get("Allow"), rec.Body, c.status, c.allow)
		}
	}
}
