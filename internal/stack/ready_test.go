package stack_test

import (
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDiskFull: when the database cannot grow (a full disk, simulated
// with SQLite's max_page_count, no root needed), a write is a 503
// unavailable whose message names the cause (not a 500 "internal error"),
// the cause is logged, and /readyz turns 503 once its cached outcome
// expires.
func TestDiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	// the schema's size, to set the limit a little above it
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err = sqlite.Open(t.Context(), path, sqlite.Options{Render: app.Render, MaxPageCount: pages + 2*sqlite.MinFreePages})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var logs syncBuffer
	clock := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	s, err := stack.Build(t.Context(), st, stack.Config{Getenv: func(string) string { return "" }, Now: now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Auth:   auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "w@example.com", Role: hindsight.RoleEditor, Password: "a long password 42"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.Auth.CreateToken(t.Context(), app.System, u.ID, "t", hindsight.ScopeReadWrite, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	if w := get("/readyz"); w.Code != http.StatusOK {
		t.Fatalf("readyz before: %d %s", w.Code, w.Body)
	}
	// fill the database through the API until a write is refused
	body := "# Filling the database\n\n## Root Cause\n\n" + strings.Repeat("A paragraph that takes room. ", 300) + "\n"
	var refused *httptest.ResponseRecorder
	for i := range 2000 {
		req := httptest.NewRequest("POST", "/api/v1/incidents", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/markdown")
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		if w.Code == http.StatusCreated {
			continue
		}
		if i == 0 {
			t.Fatalf("the first create failed: %d %s", w.Code, w.Body)
		}
		refused = w
		break
	}
	if refused == nil {
		t.Fatal("2000 incidents fit in the limited database")
	}
	var eb struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(refused.Body.Bytes(), &eb); err != nil {
		t.Fatal(err)
	}
	if refused.Code != http.StatusServiceUnavailable || eb.Error.Code != "unavailable" || !strings.Contains(eb.Error.Message, "full") {
		t.Fatalf("a write to a full database: %d %s; want 503 unavailable naming the cause", refused.Code, refused.Body)
	}
	if refused.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on the 503")
	}
	if l := logs.String(); !strings.Contains(l, "unavailable") || !strings.Contains(l, "SQLITE_FULL") {
		t.Errorf("the cause is not logged: %s", l)
	}
	// readyz answers from its cache, then sees the full database
	if w := get("/readyz"); w.Code != http.StatusOK {
		t.Errorf("readyz within its cache time: %d", w.Code)
	}
	advance(stack.ReadyCacheTTL)
	w := get("/readyz")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "full") {
		t.Fatalf("readyz on a full database: %d %s; want 503 naming the cause", w.Code, w.Body)
	}
	// reads go on
	req := httptest.NewRequest("GET", "/api/v1/incidents", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rw := httptest.NewRecorder()
	s.Handler.ServeHTTP(rw, req)
	if rw.Code != http.StatusOK {
		t.Errorf("reads on a full database: %d %s", rw.Code, rw.Body)
	}
}
