package stack_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

func buildAt(t *testing.T, base string) *stack.Stack {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := stack.Build(t.Context(), st, stack.Config{BaseURL: base,
		Auth: auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func varyHas(h http.Header, f string) bool {
	for _, v := range h.Values("Vary") {
		for _, x := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(x), f) {
				return true
			}
		}
	}
	return false
}

// TestHeaders: HSTS with an https base URL (none with http), authenticated
// API answers are "private, no-cache", Vary keeps Cookie beside the
// handler's Accept, and a browser behind a proxy that rewrites Host may
// post (the base URL's origin is trusted). Issue 15's smaller findings.
func TestHeaders(t *testing.T) {
	s := buildAt(t, "https://hindsight.example.com")
	u, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "ann@example.com", Role: hindsight.RoleEditor, Password: "a long passphrase for ann"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.Auth.CreateToken(t.Context(), app.System, u.ID, "t", hindsight.ScopeReadWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.Service.Open(t.Context(), app.System, app.NewIncident{Title: "Headers"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := get(s.Handler, "/healthz"); w.Header().Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Errorf("https base URL: Strict-Transport-Security %q", w.Header().Get("Strict-Transport-Security"))
	}
	if w := get(buildAt(t, "http://hindsight.internal:8080").Handler, "/healthz"); w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent with an http base URL")
	}
	for _, path := range []string{"/api/v1/incidents", "/api/v1/incidents/" + in.ID, "/api/v1/me"} {
		w := get(s.Handler, path, "Authorization", "Bearer "+tok)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "private, no-cache" && cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want private, no-cache", path, cc)
		}
		if !varyHas(w.Header(), "Cookie") || !varyHas(w.Header(), "Authorization") {
			t.Errorf("GET %s: Vary %q", path, w.Header().Values("Vary"))
		}
	}
	w := get(s.Handler, "/api/v1/incidents/"+in.ID, "Authorization", "Bearer "+tok, "Accept", "text/markdown")
	if !varyHas(w.Header(), "Accept") || !varyHas(w.Header(), "Cookie") {
		t.Errorf("Vary %q: want Accept and Cookie", w.Header().Values("Vary"))
	}

	// a browser behind a proxy that rewrites Host: Origin is the base URL
	c, err := s.Auth.SessionCookie(t.Context(), u, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"title": {"Through the proxy"}}
	r := httptest.NewRequest("POST", "http://10.0.0.5:8080/incidents", strings.NewReader(form.Encode()))
	r.Host = "10.0.0.5:8080"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://hindsight.example.com")
	r.AddCookie(c)
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, r)
	if rec.Code != http.StatusSeeOther {
		t.Errorf("POST from the base URL's origin through a proxy: %d %s", rec.Code, rec.Body)
	}
	r = httptest.NewRequest("POST", "http://10.0.0.5:8080/incidents", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.example")
	r.AddCookie(c)
	rec = httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("POST from another origin: %d", rec.Code)
	}
}
