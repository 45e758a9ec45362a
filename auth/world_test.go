package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/web"
)

// testParams keep argon2id cheap in tests; production uses DefaultParams.
var testParams = auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// logBuf is a concurrency-safe log sink the tests scan.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is a real SQLite store, the application service, Auth and the
// server handler with a route table behind Protect.
type world struct {
	store  *sqlite.Store
	svc    *app.Service
	auth   *auth.Auth
	h      http.Handler
	table  []httpx.Route
	logs   *logBuf
	logger *slog.Logger
	clock  *clock
	secret []string // passwords and tokens that must never be logged
}

// fakeRoutes is a representative table of the web app and API (Public,
// Read, Write, Admin; pages and /api/) whose handlers go through the
// service with the request's actor, as the real ones do.
func fakeRoutes(svc *app.Service) []httpx.Route {
	actor := app.ActorFrom
	fail := func(w http.ResponseWriter, err error) {
		http.Error(w, hindsight.ErrorMessage(err), httpx.Status(hindsight.ErrorCode(err)))
	}
	get := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inc, err := svc.Get(r.Context(), actor(r.Context()), r.PathValue("id"))
		if err != nil {
			fail(w, err)
			return
		}
		_ = json.NewEncoder(w).Encode(inc)
	})
	return []httpx.Route{
		{Pattern: "GET /fake/public", Access: httpx.Public, Name: "fake.public", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})},
		{Pattern: "GET /fake/incidents", Access: httpx.Read, Name: "fake.list", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			page, err := svc.Store().FindIncidents(r.Context(), actor(r.Context()).Viewer, hindsight.IncidentFilter{})
			if err != nil {
				fail(w, err)
				return
			}
			_ = json.NewEncoder(w).Encode(page)
		})},
		{Pattern: "GET /fake/incidents/{id}", Access: httpx.Read, Name: "fake.show", Handler: get},
		{Pattern: "POST /fake/incidents/{id}/review", Access: httpx.Write, Name: "fake.review", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := svc.SetStatus(r.Context(), actor(r.Context()), r.PathValue("id"), 0, hindsight.StatusInReview); err != nil {
				fail(w, err)
				return
			}
			http.Redirect(w, r, "/fake/incidents/"+r.PathValue("id"), http.StatusSeeOther)
		})},
		{Pattern: "POST /fake/incidents/{id}/delete", Access: httpx.Admin, Name: "fake.delete", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := svc.Delete(r.Context(), actor(r.Context()), r.PathValue("id"), 0); err != nil {
				fail(w, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})},
		{Pattern: "GET /api/v1/fake/{id}", Access: httpx.Read, Name: "fake.api.show", Handler: get},
		{Pattern: "POST /api/v1/fake/{id}/review", Access: httpx.Write, Name: "fake.api.review", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := svc.SetStatus(r.Context(), actor(r.Context()), r.PathValue("id"), 0, hindsight.StatusInReview); err != nil {
				fail(w, err)
				return
			}
		})},
	}
}

// accountPages are web's pages of accounts (route names "auth.").
func accountPages(ui *web.UI) []httpx.Route {
	var out []httpx.Route
	for _, rt := range ui.Routes() {
		if strings.HasPrefix(rt.Name, "auth.") {
			out = append(out, rt)
		}
	}
	return out
}

type worldOpts struct {
	auth    auth.Options
	baseURL string
	api     bool // mount the real JSON API too
}

func newWorld(t *testing.T, o worldOpts) *world { return newWorldTB(t, o) }

// newBenchWorld is newWorld for benchmarks.
func newBenchWorld(b *testing.B) *world { return newWorldTB(b, worldOpts{}) }

// systemActor makes the test accounts.
var systemActor = app.System

func newWorldTB(t testing.TB, o worldOpts) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{logs: &logBuf{}, clock: &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: markdown.Render, Clock: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.store = st
	w.svc = app.New(st, app.Options{Now: w.clock.Now})
	logger := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.logger = logger
	ao := o.auth
	ao.Now, ao.Logger, ao.Params, ao.BaseURL = w.clock.Now, logger, testParams, o.baseURL
	w.auth, err = auth.New(st, w.svc, ao)
	if err != nil {
		t.Fatal(err)
	}
	// the sign-in, account and admin pages are web's
	ui, err := web.New(w.svc, web.Options{Logger: logger, BaseURL: o.baseURL, Accounts: w.auth})
	if err != nil {
		t.Fatal(err)
	}
	tables := [][]httpx.Route{fakeRoutes(w.svc), accountPages(ui), w.auth.Routes()}
	if o.api {
		tables = append(tables, api.New(w.svc, api.Options{}).Routes())
	}
	cfg := server.Config{Logger: logger}
	if o.baseURL != "" {
		// as internal/stack does: the base URL's origin is trusted
		cfg.TrustedOrigins = []string{o.baseURL}
	}
	w.h, err = server.New(cfg, w.auth.Protect(tables...)...)
	if err != nil {
		t.Fatal(err)
	}
	w.table = server.Table(cfg, tables...)
	t.Cleanup(func() {
		logs := w.logs.String()
		for _, s := range w.secret {
			if s != "" && strings.Contains(logs, s) {
				t.Errorf("a password or token appears in the logs: %q", s)
			}
		}
		// nor in the audit log
		es, err := w.store.FindAudit(context.Background(), hindsight.AuditFilter{Limit: 1000})
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := json.Marshal(es)
		for _, s := range w.secret {
			if s != "" && bytes.Contains(b, []byte(s)) {
				t.Errorf("a password or token appears in the audit log: %q", s)
			}
		}
	})
	return w
}

// addUser adds an account with the password "<role> password 123".
func (w *world) addUser(t *testing.T, email string, role hindsight.Role) (*hindsight.User, string) {
	t.Helper()
	pw := string(role) + " password 123 " + email
	u, err := w.auth.AddUser(t.Context(), app.System, auth.NewUser{Email: email, Role: role, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	w.secret = append(w.secret, pw)
	return u, pw
}

// token makes an API token for u and returns its secret.
func (w *world) token(t *testing.T, u *hindsight.User, scope hindsight.TokenScope, ttl time.Duration) string {
	secret, _ := w.tokenID(t, u, scope, ttl)
	return secret
}

// tokenID makes an API token for u and returns its secret and ID.
func (w *world) tokenID(t *testing.T, u *hindsight.User, scope hindsight.TokenScope, ttl time.Duration) (string, string) {
	t.Helper()
	secret, tk, err := w.auth.CreateToken(t.Context(), app.System, u.ID, "test "+string(scope), scope, ttl)
	if err != nil {
		t.Fatal(err)
	}
	w.secret = append(w.secret, secret)
	return secret, tk.ID
}

// do sends a request; creds is a *http.Cookie, a bearer token string, or nil.
func (w *world) do(t *testing.T, method, target string, body string, creds any, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		if strings.HasPrefix(target, "/api/") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	switch c := creds.(type) {
	case *http.Cookie:
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	case string:
		req.Header.Set("Authorization", "Bearer "+c)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

// login signs in through the form and returns the session cookie (nil
// when the sign-in failed) and the response.
func (w *world) login(t *testing.T, email, pw string, old *http.Cookie) (*http.Cookie, *httptest.ResponseRecorder) {
	t.Helper()
	form := url.Values{"email": {email}, "password": {pw}}.Encode()
	var creds any
	if old != nil {
		creds = old
	}
	rec := w.do(t, http.MethodPost, "/login", form, creds)
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "hindsight_session") && c.Value != "" {
			return c, rec
		}
	}
	return nil, rec
}
