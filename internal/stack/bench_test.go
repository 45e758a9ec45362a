package stack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// BenchmarkIncidentPage serves an incident page through the whole stack
// (access check with an API token, route table, middleware, page cache), as
// serve does, so its cost per request can be compared with the page alone.
func BenchmarkIncidentPage(b *testing.B) {
	h, path, tok := incidentPageStack(b)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		io.Copy(io.Discard, w.Body)
	}
}

// BenchmarkIncidentPageParallel is BenchmarkIncidentPage from 16 goroutines
// per CPU, as bench/web drives serve with 32 connections: it shows what
// concurrent requests cost each other (connection pools, locks).
func BenchmarkIncidentPageParallel(b *testing.B) {
	h, path, tok := incidentPageStack(b)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}

// incidentPageStack builds serve's stack over a fresh SQLite file with one
// incident and a viewer's read token.
func incidentPageStack(b *testing.B) (http.Handler, string, string) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	s, err := stack.Build(ctx, st, stack.Config{Getenv: func(string) string { return "" }})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.Auth.AddUser(ctx, app.System, auth.NewUser{Email: "bench@example.test", Role: hindsight.RoleViewer, Password: "bench password 0123"})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := s.Auth.CreateToken(ctx, app.System, u.ID, "bench", hindsight.ScopeRead, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	in, err := s.Service.Create(ctx, app.System, gen.New(1).Postmortem(), app.CreateOptions{KeepID: true})
	if err != nil {
		b.Fatal(err)
	}
	return s.Handler, "/incidents/" + in.ID, tok
}
