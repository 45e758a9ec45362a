package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
)

// FuzzLintEndpoint posts arbitrary bodies, content types and Accept headers
// to POST /api/v1/lint: the API must answer every one with a JSON response
// that is not a 500 (never a panic, never an internal error).
func FuzzLintEndpoint(f *testing.F) {
	f.Add("application/json", "", `{"title":"x","summary":{"start_time":"2026-01-01 10:00","duration":{"minutes":5}}}`)
	f.Add("application/json", "*/*", `{"timeline":[{"time":null,"event":"x","cells":["a"]}],"extras":{"summary":{"fields":[{"value":"v"}]}}}`)
	f.Add("application/json; charset=utf-8", "application/json", `{"summary":{"duration":"01:30"},"action_items":[{"target_date":"TBD"}]}`)
	f.Add("text/markdown", "", "# Incident Postmortem: x\n\n## Timeline (UTC)\n\n| Time | Event |\n| --- | --- |\n| 10:00 | a |\n")
	f.Add("text/markdown", "text/html", "")
	f.Add("application/json", "", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`)
	f.Add("application/json", "", `{"summary":{"duration":-5}}`)
	f.Add("text/plain", "", "x")
	svc := app.New(nil, app.Options{}) // lint needs no store
	h := api.New(svc, api.Options{}).Routes()
	var lint http.Handler
	for _, rt := range h {
		if rt.Name == "api.lint" {
			lint = rt.Handler
		}
	}
	f.Fuzz(func(t *testing.T, ctype, accept, body string) {
		r := httptest.NewRequest("POST", "/api/v1/lint", strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		lint.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%d for %q %q: %s", rec.Code, ctype, body, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("Content-Type %q", rec.Header().Get("Content-Type"))
		}
	})
}
