package auth_test

import (
	"net/http"
	"testing"

	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/auth/authtest"
)

// matrixEntries are the expectations of the fake table and of auth's own
// routes. Statuses are for a caller the route lets in; authtest derives
// 303/401 for anonymous callers, 403 below the route's access, 404 for
// restricted incidents.
var matrixEntries = map[string]authtest.Entry{
	// the server's own routes
	"GET /healthz": {OK: http.StatusOK},
	"GET /readyz":  {OK: http.StatusOK},
	// the representative fake table
	"GET /fake/public":                 {OK: http.StatusOK},
	"GET /fake/incidents":              {OK: http.StatusOK},
	"GET /fake/incidents/{id}":         {OK: http.StatusOK},
	"POST /fake/incidents/{id}/review": {OK: http.StatusSeeOther},
	"POST /fake/incidents/{id}/delete": {OK: http.StatusNoContent},
	"GET /api/v1/fake/{id}":            {OK: http.StatusOK},
	"POST /api/v1/fake/{id}/review":    {OK: http.StatusOK},
	// auth's pages
	"GET /auth/static/auth.css":        {OK: http.StatusOK},
	"GET /login":                       {OK: http.StatusSeeOther, Override: map[authtest.Principal]int{authtest.Anonymous: http.StatusOK}},
	"POST /login":                      {OK: http.StatusUnauthorized, Body: "email=nobody%40example.test&password=not+the+password"},
	"POST /logout":                     {OK: http.StatusSeeOther},
	"GET /setup":                       {OK: http.StatusNotFound},
	"POST /setup":                      {OK: http.StatusNotFound, Body: "token=x&email=a%40example.test&password=aaaaaaaaaaaaaa&confirm=aaaaaaaaaaaaaa"},
	"GET /account":                     {OK: http.StatusOK},
	"POST /account/password":           {OK: http.StatusUnprocessableEntity, Body: "current=wrong&password=x"},
	"POST /account/tokens":             {OK: http.StatusCreated, Body: "name=matrix&scope=read&expires_in_days=1"},
	"POST /account/tokens/{id}/revoke": {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /admin/users":                 {OK: http.StatusOK},
	"POST /admin/users":                {OK: http.StatusUnprocessableEntity, Body: "email=bad"},
	"POST /admin/users/{id}":           {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: "action=disable"},
	"GET /admin/audit":                 {OK: http.StatusOK},
	"GET /incidents/{id}/access":       {OK: http.StatusOK},
	"POST /incidents/{id}/access":      {OK: http.StatusSeeOther, Body: "members="},
	// auth's API
	"GET /api/v1/me":                         {OK: http.StatusOK},
	"GET /api/v1/tokens":                     {OK: http.StatusOK},
	"POST /api/v1/tokens":                    {OK: http.StatusCreated, Body: `{"name":"matrix","scope":"read"}`},
	"DELETE /api/v1/tokens/{id}":             {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /api/v1/users":                      {OK: http.StatusOK},
	"POST /api/v1/users":                     {OK: http.StatusUnprocessableEntity, Body: `{"email":"bad"}`},
	"PATCH /api/v1/users/{id}":               {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: `{}`},
	"GET /api/v1/audit":                      {OK: http.StatusOK},
	"PUT /api/v1/incidents/{id}/restriction": {OK: http.StatusOK, Body: `{"restricted":false}`},
}

func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t, worldOpts{auth: auth.Options{MaxAccountFailures: 1000, MaxAddressFailures: 1000}})
	env := authtest.NewEnv(t, w.auth, w.svc)
	authtest.Matrix(t, w.h, w.table, env, matrixEntries)
}

// TestMatrixCatchesNewRoutes: a route without an entry, or an entry
// without a route, is reported.
func TestMatrixCatchesNewRoutes(t *testing.T) {
	w := newWorld(t, worldOpts{})
	entries := map[string]authtest.Entry{}
	for k, v := range matrixEntries {
		entries[k] = v
	}
	delete(entries, "GET /fake/incidents/{id}")
	entries["GET /gone"] = authtest.Entry{OK: http.StatusOK}
	missing, orphaned := authtest.Coverage(w.table, entries)
	if len(missing) != 1 || missing[0] != "GET /fake/incidents/{id}" || len(orphaned) != 1 || orphaned[0] != "GET /gone" {
		t.Errorf("Coverage = missing %v, orphaned %v", missing, orphaned)
	}
	if missing, orphaned := authtest.Coverage(w.table, matrixEntries); len(missing)+len(orphaned) != 0 {
		t.Errorf("the full matrix: missing %v, orphaned %v", missing, orphaned)
	}
}
