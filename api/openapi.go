package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/schema"
)

// openAPISource is the hand-written OpenAPI 3.1 document of the API
// (spec-first). Its Postmortem schemas are not written there: Document adds
// them from schema/postmortem.schema.json, so the model has one schema.
//
//go:embed openapi.json
var openAPISource []byte

// Component names of the model's schemas in the served document.
const (
	// SchemaPostmortem is the document as the API returns it (every field
	// present).
	SchemaPostmortem = "Postmortem"
	// SchemaPostmortemInput is the document as the API accepts it: the same
	// fields, none required (a field left out is not set).
	SchemaPostmortemInput = "PostmortemInput"
)

// Document returns the OpenAPI 3.1 document served at /api/v1/openapi.json:
// api/openapi.json with the model's schemas (schema/postmortem.schema.json)
// added as components: Postmortem and its parts (pm_*) for responses,
// PostmortemInput and its parts (pmin_*, nothing required) for requests.
var Document = sync.OnceValues(buildDocument)

// openAPIDoc keeps the top-level order of the document.
type openAPIDoc struct {
	OpenAPI    json.RawMessage `json:"openapi"`
	Info       json.RawMessage `json:"info"`
	Servers    json.RawMessage `json:"servers,omitempty"`
	Tags       json.RawMessage `json:"tags,omitempty"`
	Paths      json.RawMessage `json:"paths"`
	Components struct {
		Schemas    map[string]any  `json:"schemas"`
		Responses  json.RawMessage `json:"responses,omitempty"`
		Parameters json.RawMessage `json:"parameters,omitempty"`
		Headers    json.RawMessage `json:"headers,omitempty"`
	} `json:"components"`
}

func buildDocument() ([]byte, error) {
	var doc openAPIDoc
	dec := json.NewDecoder(strings.NewReader(string(openAPISource)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("api/openapi.json: %w", err)
	}
	var model map[string]any
	if err := json.Unmarshal(schema.JSON, &model); err != nil {
		return nil, fmt.Errorf("schema/postmortem.schema.json: %w", err)
	}
	for name, s := range modelSchemas(model, SchemaPostmortem, "pm_", true) {
		doc.Components.Schemas[name] = s
	}
	for name, s := range modelSchemas(model, SchemaPostmortemInput, "pmin_", false) {
		doc.Components.Schemas[name] = s
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// modelSchemas turns the model's JSON Schema into components: the root
// named root, each $defs entry prefix+name, with $refs rewritten. Without
// required, every "required" list is dropped.
func modelSchemas(model map[string]any, root, prefix string, required bool) map[string]any {
	out := map[string]any{}
	conv := func(v any) any { return rewrite(v, prefix, required) }
	top := map[string]any{}
	for k, v := range model {
		switch k {
		case "$schema", "$id", "$defs":
			continue
		}
		top[k] = v
	}
	out[root] = conv(top)
	if defs, ok := model["$defs"].(map[string]any); ok {
		for k, v := range defs {
			out[prefix+k] = conv(v)
		}
	}
	return out
}

func rewrite(v any, prefix string, required bool) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			if k == "required" && !required {
				if _, isList := val.([]any); isList {
					continue
				}
			}
			if k == "$ref" {
				if s, ok := val.(string); ok && strings.HasPrefix(s, "#/$defs/") {
					m[k] = "#/components/schemas/" + prefix + strings.TrimPrefix(s, "#/$defs/")
					continue
				}
			}
			m[k] = rewrite(val, prefix, required)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = rewrite(x[i], prefix, required)
		}
		return out
	}
	return v
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := Document()
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
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
		if rt.Name == NotFoundRoute || !strings.Contains(rt.Pattern, Prefix+"/") {
			continue
		}
		mux.Handle(rt.Pattern, nop)
	}
	return &fallback{mux: mux}
}

// NotFoundRoute is the name of the API's catch-all route.
const NotFoundRoute = "api.not_found"

// Fallback is the catch-all of Routes for a server whose /api/v1 routes
// come from several packages: routes is the whole table, so a known path
// with another method is a 405 (with Allow) whichever package serves it.
func Fallback(routes []httpx.Route) http.Handler { return newFallback(routes) }

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
		httpx.WriteError(w, r, nil, &httpx.Error{Status: http.StatusMethodNotAllowed, Code: httpx.CodeMethodNotAllowed,
			Message: r.Method + " is not allowed on " + r.URL.Path + ": use " + strings.Join(allow, ", ")})
		return
	}
	httpx.WriteError(w, r, nil, hindsight.Errorf(hindsight.ENotFound, "no API endpoint %s %s (see %s/openapi.json)", r.Method, r.URL.Path, Prefix))
}
