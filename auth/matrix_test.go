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
}

func init() {
	for k, v := range authtest.AuthEntries {
		matrixEntries[k] = v
	}
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
