package api

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// OpenAPI is the OpenAPI 3.1 document of the API, served at
// /api/v1/openapi.json. It is written by hand (spec-first); its
// Postmortem schemas are schema/postmortem.schema.json's, and the tests
// keep both, and the route table, in sync with it.
//
//go:embed openapi.json
var OpenAPI []byte

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(OpenAPI)
}

// fallback answers requests under /api/v1/ that no route took: a JSON 405
// with Allow for a known path with another method, a JSON 404 otherwise.
type fallback struct {
	mux *http.ServeMux
}

func newFallback(routes []httpx.Route) *fallback {
	// a mux for matching only: the server's table serves the routes
	mux := http.NewServeMux()
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, rt := range routes {
		mux.Handle(rt.Pattern, nop)
	}
	return &fallback{mux: mux}
}

func (f *fallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := f.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed,
			msg: r.Method + " is not allowed on " + r.URL.Path + ": use " + strings.Join(allow, ", ")})
		return
	}
	writeError(w, r, hindsight.Errorf(hindsight.ENotFound, "no API endpoint %s %s (see %s/openapi.json)", r.Method, r.URL.Path, Prefix))
}
