package auth_test

import (
	"maps"
	"net/http"
	"testing"

	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/auth/authtest"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/web"
)

// appEntries are the expectations of the web app's and the JSON API's
// routes. OK is what a caller the route lets in gets with the request the
// matrix sends (often a validation error: the handler ran, so access was
// granted); Restricted is set where a handler answers the same for a
// restricted incident as for a missing one before looking it up.
var appEntries = map[string]authtest.Entry{
	"GET /{$}":                                               {OK: http.StatusSeeOther},
	"GET /static/{hash}/{name}":                              {OK: http.StatusNotFound},
	"GET /incidents":                                         {OK: http.StatusOK},
	"GET /incidents/new":                                     {OK: http.StatusOK},
	"POST /incidents":                                        {OK: http.StatusUnprocessableEntity},
	"GET /incidents/{id}":                                    {OK: http.StatusOK},
	"GET /incidents/{id}/edit":                               {OK: http.StatusOK},
	"POST /incidents/{id}/edit":                              {OK: http.StatusUnprocessableEntity},
	"POST /incidents/{id}/lint":                              {OK: http.StatusUnprocessableEntity},
	"GET /incidents/{id}/markdown":                           {OK: http.StatusOK},
	"POST /incidents/{id}/markdown":                          {OK: http.StatusUnprocessableEntity},
	"POST /incidents/{id}/markdown/lint":                     {OK: http.StatusOK, Restricted: http.StatusOK}, // lints the posted text only
	"POST /incidents/{id}/status":                            {OK: http.StatusSeeOther, Body: "to=In+Review"},
	"GET /incidents/{id}/history":                            {OK: http.StatusOK},
	"GET /incidents/{id}/diff":                               {OK: http.StatusOK},
	"GET /incidents/{id}/export.md":                          {OK: http.StatusOK},
	"GET /incidents/{id}/export.json":                        {OK: http.StatusOK},
	"GET /incidents/{id}/export.html":                        {OK: http.StatusOK},
	"GET /api/v1/openapi.json":                               {OK: http.StatusOK},
	"GET /api/v1/incidents":                                  {OK: http.StatusOK},
	"POST /api/v1/incidents":                                 {OK: http.StatusCreated, Body: `{"title":"Matrix created"}`},
	"GET /api/v1/incidents/{id}":                             {OK: http.StatusOK},
	"PUT /api/v1/incidents/{id}":                             {OK: http.StatusPreconditionRequired, Restricted: http.StatusPreconditionRequired, Body: `{}`},
	"DELETE /api/v1/incidents/{id}":                          {OK: http.StatusNoContent},
	"POST /api/v1/incidents/{id}/status":                     {OK: http.StatusOK, Body: `{"status":"In Review"}`},
	"GET /api/v1/incidents/{id}/lint":                        {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/revisions":                   {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/revisions/{n}":               {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/diff":                        {OK: http.StatusOK},
	"GET /api/v1/incidents/{id}/action-items":                {OK: http.StatusOK},
	"POST /api/v1/incidents/{id}/action-items/{item}/close":  {OK: http.StatusNotFound},
	"POST /api/v1/incidents/{id}/action-items/{item}/reopen": {OK: http.StatusNotFound},
	"GET /api/v1/action-items":                               {OK: http.StatusOK},
	"GET /api/v1/search":                                     {OK: http.StatusOK, Query: "q=matrix"},
	"POST /api/v1/lint":                                      {OK: http.StatusOK, Body: "# Title\n", ContentType: "text/markdown"},
	"/api/v1/":                                               {OK: http.StatusNotFound},
}

// TestFullRouteTableMatrix runs the matrix over the table serve assembles:
// the server's routes, the web app, the JSON API and auth's routes.
func TestFullRouteTableMatrix(t *testing.T) {
	w := newWorld(t, worldOpts{auth: auth.Options{MaxAccountFailures: 1000, MaxAddressFailures: 1000}})
	ui, err := web.New(w.svc, web.Options{Logger: w.logger})
	if err != nil {
		t.Fatal(err)
	}
	tables := [][]httpx.Route{api.New(w.svc, api.Options{}).Routes(), ui.Routes(), w.auth.Routes()}
	cfg := server.Config{Logger: w.logger}
	h, err := server.New(cfg, w.auth.Protect(tables...)...)
	if err != nil {
		t.Fatal(err)
	}
	entries := maps.Clone(appEntries)
	for k, v := range matrixEntries {
		if _, fake := fakePatterns[k]; !fake {
			entries[k] = v
		}
	}
	authtest.Matrix(t, h, server.Table(cfg, tables...), authtest.NewEnv(t, w.auth, w.svc), entries)
}

// fakePatterns are the fake table's routes, not in the real one.
var fakePatterns = map[string]bool{}

func init() {
	for _, rt := range fakeRoutes(nil) {
		fakePatterns[rt.Pattern] = true
	}
}
