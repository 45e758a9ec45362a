package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestActionsSync: `hindsight actions sync` creates one issue per open
// item without a ticket in the configured tracker (a stand-in for GitHub's
// REST API), writes the tickets, prints each item, and a second run
// creates nothing (issue 20).
func TestActionsSync(t *testing.T) {
	var mu sync.Mutex
	var issues []map[string]any
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch path := strings.TrimPrefix(r.URL.Path, "/api/v3"); {
		case r.Method == http.MethodPost && path == "/repos/org/repo/issues":
			var req map[string]any
			_ = json.NewDecoder(r.Body).Decode(&req)
			n := len(issues) + 1
			is := map[string]any{"number": n, "title": req["title"], "body": req["body"], "state": "open", "html_url": fmt.Sprintf("https://github.example/org/repo/issues/%d", n)}
			issues = append(issues, is)
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(is)
		case r.Method == http.MethodGet && path == "/repos/org/repo/issues":
			_ = json.NewEncoder(w).Encode(issues)
		default:
			http.NotFound(w, r)
		}
	}))
	defer gh.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	p := &hindsight.Postmortem{Title: "Checkout down"}
	p.ActionItems = []hindsight.ActionItem{
		{ID: "AI-001", Action: "Add alert", Owner: "alice", Status: hindsight.ItemOpen},
		{ID: "AI-002", Action: "Write runbook", Owner: "bob", Status: hindsight.ItemOpen},
		{ID: "AI-003", Action: "Fix retries", Status: hindsight.ItemClosed},
		{ID: "AI-004", Action: "Has one", Status: hindsight.ItemOpen, Ticket: "OPS-1"},
	}
	inc, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: p})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Chdir(dir)
	if code, _, errOut := runCLI(t, "--db", db, "actions", "sync"); code != 2 || !strings.Contains(errOut, "no issue tracker is configured") {
		t.Errorf("without trackers: exit %d, %s", code, errOut)
	}
	cfg := "trackers:\n  github:\n    repo: org/repo\n    token_env: GH_TOKEN\n    base_url: " + gh.URL + "/\n"
	if err := os.WriteFile(filepath.Join(dir, ".hindsight.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GH_TOKEN", "test")
	code, out, errOut := runCLI(t, "--db", db, "actions", "sync", inc.ID)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{inc.ID + "\tAI-001\tgithub\torg/repo#1\tsynced", inc.ID + "\tAI-002\tgithub\torg/repo#2\tsynced"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "AI-003") || strings.Contains(out, "AI-004") || len(issues) != 2 {
		t.Errorf("closed or ticketed items synced (%d issues):\n%s", len(issues), out)
	}
	if code, out2, _ := runCLI(t, "--db", db, "actions", "sync"); code != 0 || len(issues) != 2 || !strings.Contains(out2, "no open action items without a ticket") {
		t.Errorf("second run: exit %d, %d issues:\n%s", code, len(issues), out2)
	}
	s, err = openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.FindIncidentByID(t.Context(), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Doc.ActionItems[0].Ticket != "org/repo#1" || got.Doc.ActionItems[1].Ticket != "org/repo#2" || got.UpdatedBy != "tracker:github" {
		t.Errorf("tickets %+v by %s", got.Doc.ActionItems, got.UpdatedBy)
	}
}
