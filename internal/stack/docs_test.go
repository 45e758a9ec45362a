package stack_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestDocsListEveryPage: every GET route of the table serve registers that
// answers an admin with an HTML page is listed in docs/web.md (as
// "`GET /pattern`"), so the page list cannot fall behind the route table.
func TestDocsListEveryPage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "web.md"))
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := stack.Build(t.Context(), st, stack.Config{Now: clock, Getenv: func(string) string { return "" },
		Auth: auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "docs@example.test", Role: hindsight.RoleAdmin, Password: "docs password 0123"})
	if err != nil {
		t.Fatal(err)
	}
	cookie, err := s.Auth.SessionCookie(t.Context(), u, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.Service.Open(t.Context(), app.System, app.NewIncident{Title: "Docs"})
	if err != nil {
		t.Fatal(err)
	}
	link, err := s.Auth.SetupLink(t.Context(), "http://x")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"id": in.ID, "n": "1", "item": "1", "chart": "by-month.svg", "hash": "x", "name": "app.css"}
	value := regexp.MustCompile(`\{([A-Za-z_]+)(\.\.\.)?\}`)
	pages := 0
	for _, rt := range s.Table() {
		method, pattern, ok := strings.Cut(rt.Pattern, " ")
		if !ok || method != http.MethodGet {
			continue
		}
		path := strings.TrimSuffix(value.ReplaceAllStringFunc(pattern, func(m string) string {
			return values[strings.Trim(m, "{}.")]
		}), "{$}")
		if pattern == "/setup" {
			_, q, _ := strings.Cut(link, "?")
			path += "?" + q // a signed-in admin still sees the first-run form while the link is unused
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Header().Get("Content-Disposition") != "" {
			continue
		}
		pages++
		if !strings.Contains(string(doc), "`"+rt.Pattern+"`") {
			t.Errorf("docs/web.md does not list the page %s (%s, %s access; status %d)", rt.Pattern, rt.Name, rt.Access, w.Code)
		}
	}
	if pages < 15 {
		t.Errorf("only %d HTML pages found in the route table", pages)
	}
}
