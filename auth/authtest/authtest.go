// Package authtest builds the authorization matrix test from a route table:
// for every route, every principal (anonymous, viewer, editor, admin, a
// read token, a read-write token) and an unrestricted and a restricted
// incident, the expected status. A route without an entry fails the test,
// so a new route cannot ship without a decision about who may use it.
//
//	env := authtest.NewEnv(t, a, svc)
//	authtest.Matrix(t, handler, table, env, map[string]authtest.Entry{
//		"GET /incidents/{id}": {OK: 200},
//		...
//	})
package authtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Principal is who calls in the matrix.
type Principal string

// The principals. The tokens belong to an editor, so a read-write token
// reaches Write routes and no further.
const (
	Anonymous      Principal = "anonymous"
	Viewer         Principal = "viewer"
	Editor         Principal = "editor"
	Admin          Principal = "admin"
	TokenRead      Principal = "token-read"
	TokenReadWrite Principal = "token-read-write"
)

// Principals lists every principal of the matrix.
var Principals = []Principal{Anonymous, Viewer, Editor, Admin, TokenRead, TokenReadWrite}

// Level is what p may use.
func Level(p Principal) httpx.Access {
	switch p {
	case Viewer, TokenRead:
		return httpx.Read
	case Editor, TokenReadWrite:
		return httpx.Write
	case Admin:
		return httpx.Admin
	}
	return httpx.Public
}

// Env is the world a matrix runs in.
type Env struct {
	// Creds adds p's credentials (a session cookie or a bearer token) to r.
	Creds func(p Principal, r *http.Request)
	// Incidents returns a fresh unrestricted incident and a fresh restricted
	// one of which no principal is a member (admins see it all the same).
	Incidents func(t *testing.T) (open, restricted string)
	// Users are the accounts behind the principals (tokens: the editor).
	Users map[Principal]*hindsight.User
}

// NewEnv creates the accounts viewer@, editor@ and admin@example.test
// through a (each request signs in anew), makes a read and a read-write token for the
// editor, and creates incidents through svc.
func NewEnv(t *testing.T, a *auth.Auth, svc *app.Service) *Env {
	t.Helper()
	ctx := t.Context()
	env := &Env{Users: map[Principal]*hindsight.User{}}
	for _, p := range []Principal{Viewer, Editor, Admin} {
		u, err := a.AddUser(ctx, app.System, auth.NewUser{Email: string(p) + "@example.test", Name: "Matrix " + string(p),
			Role: hindsight.Role(p), Password: "correct horse battery " + string(p)})
		if err != nil {
			t.Fatalf("authtest: add %s: %v", p, err)
		}
		env.Users[p] = u
	}
	env.Users[TokenRead], env.Users[TokenReadWrite] = env.Users[Editor], env.Users[Editor]
	tokens := map[Principal]string{}
	for p, s := range map[Principal]hindsight.TokenScope{TokenRead: hindsight.ScopeRead, TokenReadWrite: hindsight.ScopeReadWrite} {
		secret, _, err := a.CreateToken(ctx, app.System, env.Users[Editor].ID, "matrix "+string(p), s, 0)
		if err != nil {
			t.Fatalf("authtest: token %s: %v", p, err)
		}
		tokens[p] = secret
	}
	// every request gets a session of its own: a route may end one (logout)
	env.Creds = func(p Principal, r *http.Request) {
		if p == Viewer || p == Editor || p == Admin {
			c, err := a.SessionCookie(r.Context(), env.Users[p], "192.0.2.10", "authtest")
			if err != nil {
				t.Fatalf("authtest: session of %s: %v", p, err)
			}
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		if tok := tokens[p]; tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	n := 0
	env.Incidents = func(t *testing.T) (string, string) {
		t.Helper()
		n++
		var ids [2]string
		for i, restricted := range []bool{false, true} {
			inc, err := svc.Open(t.Context(), app.System, app.NewIncident{Title: fmt.Sprintf("Matrix incident %d", n), Severity: hindsight.Severity("SEV-2"), Restricted: restricted})
			if err != nil {
				t.Fatalf("authtest: create incident: %v", err)
			}
			ids[i] = inc.ID
		}
		return ids[0], ids[1]
	}
	return env
}

// Entry is what one route is expected to answer.
type Entry struct {
	// OK is the status for a caller the route's Access lets in, on an
	// unrestricted incident.
	OK int
	// Restricted is the status for such a caller who is not an admin on a
	// restricted incident; 0 means 404 for a route with {id}, else OK.
	Restricted int
	// Override gives the status for a principal outright.
	Override map[Principal]int
	// Params fill the path wildcards other than {id} (default "1").
	Params map[string]string
	// Query is appended to the path ("q=word").
	Query string
	// Body and ContentType of the request (default: form for pages, JSON
	// under /api/).
	Body, ContentType string
}

var wildcard = regexp.MustCompile(`\{([^}]*)\}`)

// Expected is the status Matrix wants from rt for p.
func Expected(rt httpx.Route, e Entry, p Principal, restricted bool) int {
	if s, ok := e.Override[p]; ok {
		return s
	}
	_, path := splitPattern(rt.Pattern)
	if rt.Access > httpx.Public {
		if p == Anonymous {
			if strings.HasPrefix(path, "/api/") {
				return http.StatusUnauthorized
			}
			return http.StatusSeeOther
		}
		if Level(p) < rt.Access {
			return http.StatusForbidden
		}
	}
	if restricted && p != Admin {
		if e.Restricted != 0 {
			return e.Restricted
		}
		if strings.Contains(path, "{id}") {
			return http.StatusNotFound
		}
	}
	return e.OK
}

func splitPattern(pat string) (method, path string) {
	if m, p, ok := strings.Cut(pat, " "); ok {
		return m, strings.TrimSpace(p)
	}
	return http.MethodGet, pat
}

// Matrix checks every route of routes for every principal, on an
// unrestricted and (for routes with {id}) a restricted incident, against
// entries keyed by the route's pattern. A route without an entry, or an
// entry without a route, fails the test.
func Matrix(t *testing.T, h http.Handler, routes []httpx.Route, env *Env, entries map[string]Entry) {
	t.Helper()
	missing, orphaned := Coverage(routes, entries)
	for _, pat := range missing {
		t.Errorf("route %q has no entry in the authorization matrix: decide who may use it", pat)
	}
	for _, pat := range orphaned {
		t.Errorf("the matrix has an entry for %q but the route table has no such route", pat)
	}
	for _, rt := range routes {
		e, ok := entries[rt.Pattern]
		if !ok {
			continue
		}
		method, path := splitPattern(rt.Pattern)
		if method == "" || strings.Contains(method, "/") {
			method = http.MethodGet
		}
		t.Run(rt.Name, func(t *testing.T) {
			for _, p := range Principals {
				cases := []bool{false}
				if strings.Contains(path, "{id}") {
					cases = append(cases, true)
				}
				for _, restricted := range cases {
					open, closed := env.Incidents(t)
					id := open
					if restricted {
						id = closed
					}
					url := wildcard.ReplaceAllStringFunc(path, func(w string) string {
						name := strings.TrimSuffix(w[1:len(w)-1], "...")
						if name == "$" {
							return ""
						}
						if name == "id" {
							return id
						}
						if v, ok := e.Params[name]; ok {
							return v
						}
						return "1"
					})
					if strings.HasSuffix(url, "/") && strings.HasSuffix(path, "/") && path != "/" {
						url += "unknown"
					}
					if e.Query != "" {
						url += "?" + e.Query
					}
					var req *http.Request
					if e.Body != "" {
						req = httptest.NewRequest(method, url, strings.NewReader(e.Body))
					} else {
						req = httptest.NewRequest(method, url, nil)
					}
					ct := e.ContentType
					if ct == "" && e.Body != "" {
						ct = "application/x-www-form-urlencoded"
						if strings.HasPrefix(url, "/api/") {
							ct = "application/json"
						}
					}
					if ct != "" {
						req.Header.Set("Content-Type", ct)
					}
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					env.Creds(p, req)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					want := Expected(rt, e, p, restricted)
					if rec.Code != want {
						body := rec.Body.String()
						if len(body) > 300 {
							body = body[:300] + "..."
						}
						t.Errorf("%s %s as %s (restricted incident: %v): status %d, want %d\n%s", method, url, p, restricted, rec.Code, want, body)
					}
				}
			}
		})
	}
}

// Coverage returns the patterns of routes without an entry and the
// entries without a route, sorted.
func Coverage(routes []httpx.Route, entries map[string]Entry) (missing, orphaned []string) {
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.Pattern] = true
		if _, ok := entries[rt.Pattern]; !ok {
			missing = append(missing, rt.Pattern)
		}
	}
	for pat := range entries {
		if !seen[pat] {
			orphaned = append(orphaned, pat)
		}
	}
	slices.Sort(missing)
	slices.Sort(orphaned)
	return missing, orphaned
}
