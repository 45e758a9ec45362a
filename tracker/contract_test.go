package tracker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// call is one request a client sent to a fake tracker.
type call struct {
	Method, Path string // Path as sent (escaped)
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// json decodes the request body into a generic value.
func (c call) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v (%s)", c.Method, c.Path, err, c.Body)
	}
	return m
}

// reply is what a fake tracker answers.
type reply struct {
	Status int
	Header http.Header
	Body   any // marshalled to JSON; nil: no body
}

// fakeTracker is an httptest server standing in for a tracker's API. When it
// has the vendor's description, every request is validated against it with
// kin-openapi (path, method, parameters, body) and so is every 2xx answer,
// so a test can neither send nor be answered what the vendor does not
// describe.
type fakeTracker struct {
	t      *testing.T
	srv    *httptest.Server
	router routers.Router // nil: the vendor's description is not vendored
	mu     sync.Mutex
	calls  []call
	handle func(c call) reply
	// allow lists known, documented deviations from a description: a
	// request error containing one of these strings is logged, not failed.
	allow []string
}

// newFakeTracker starts the fake. spec names a file under
// testdata/openapi ("" for none); prefix is the path the API is served under
// on the fake (e.g. "/api/v3" for GitHub Enterprise).
func newFakeTracker(t *testing.T, spec, prefix string, handle func(c call) reply) *fakeTracker {
	t.Helper()
	f := &fakeTracker{t: t, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	if spec != "" {
		doc := loadSpec(t, spec)
		doc.Servers = openapi3.Servers{{URL: f.srv.URL + prefix}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatalf("router for %s: %v", spec, err)
		}
		f.router = r
	}
	return f
}

var (
	specMu    sync.Mutex
	specCache = map[string][]byte{}
)

// loadSpec reads a vendored description; a Swagger 2.0 one (GitLab's) is
// converted to OpenAPI 3 first.
func loadSpec(t *testing.T, name string) *openapi3.T {
	t.Helper()
	specMu.Lock()
	b, ok := specCache[name]
	if !ok {
		var err error
		b, err = os.ReadFile(filepath.Join("testdata", "openapi", name))
		if err != nil {
			specMu.Unlock()
			t.Fatal(err)
		}
		specCache[name] = b
	}
	specMu.Unlock()
	var probe struct {
		Swagger string `json:"swagger"`
	}
	_ = json.Unmarshal(b, &probe)
	var doc *openapi3.T
	if probe.Swagger != "" {
		var d2 openapi2.T
		if err := json.Unmarshal(b, &d2); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d3, err := openapi2conv.ToV3(&d2)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc = d3
	} else {
		d, err := openapi3.NewLoader().LoadFromData(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc = d
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("%s is not a valid description: %v", name, err)
	}
	return doc
}

func (f *fakeTracker) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := call{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()

	var in *openapi3filter.RequestValidationInput
	if f.router != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := f.router.FindRoute(r)
		if err != nil {
			f.t.Errorf("%s %s is not in the vendor's description: %v", r.Method, r.URL, err)
			http.Error(w, "not described", http.StatusNotImplemented)
			return
		}
		in = &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			if f.allowed(err) {
				f.t.Logf("%s %s: known deviation from the description: %v", r.Method, r.URL.Path, err)
			} else {
				f.t.Errorf("%s %s breaks the vendor's description: %v\nbody: %s", r.Method, r.URL, err, body)
			}
		}
	}
	rep := f.handle(c)
	var out []byte
	if rep.Body != nil {
		out, _ = json.Marshal(rep.Body)
	}
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if out != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	if in != nil && rep.Status >= 200 && rep.Status < 300 {
		rv := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rep.Status, Header: w.Header(),
			Body: io.NopCloser(bytes.NewReader(out)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
				// A 204 has no body (the descriptions give some a JSON content).
				ExcludeResponseBody: rep.Status == http.StatusNoContent}}
		if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
			f.t.Errorf("the fake's answer to %s %s breaks the vendor's description: %v", r.Method, r.URL, err)
		}
	}
	w.WriteHeader(rep.Status)
	_, _ = w.Write(out)
}

func (f *fakeTracker) allowed(err error) bool {
	for _, a := range f.allow {
		if strings.Contains(err.Error(), a) {
			return true
		}
	}
	return false
}

// Calls returns the requests received so far.
func (f *fakeTracker) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// routeKey is "METHOD /path" with the query left out, for test handlers.
func routeKey(c call) string { return c.Method + " " + c.Path }

// notFound is the fake's answer to a request the test did not expect.
func (f *fakeTracker) unexpected(c call) reply {
	f.t.Errorf("unexpected request %s %s", c.Method, c.Path)
	return reply{Status: http.StatusNotFound, Body: map[string]string{"message": "Not Found"}}
}

func mustClient(t *testing.T, cfg Config) Client {
	t.Helper()
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hasString(list any, s string) bool {
	l, _ := list.([]any)
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

// The vendored descriptions of GitHub and GitLab ("" while they are not
// vendored: the fakes then check behaviour only; see testdata/openapi/README.md).
const (
	githubSpec = "github-api-v3.json"
	gitlabSpec = ""
)
