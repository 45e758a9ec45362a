package reliability

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub is a GitHub REST API in memory for the calls the tracker
// client makes (create, list, get, edit issues of org/repo). It counts the
// creates per marker, and holds each create's answer for a while after the
// issue exists, so a SIGKILL can land between the tracker creating the
// issue and Hindsight recording it.
type fakeGitHub struct {
	mu      sync.Mutex
	issues  []map[string]any
	created map[string]int // marker -> creates
	// inFlight receives a value while a create's answer is held
	inFlight chan struct{}
	hold     time.Duration
}

var markerRe = regexp.MustCompile(`hindsight:[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*`)

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	w.Header().Set("Content-Type", "application/json")
	const base = "/repos/org/repo/issues"
	switch {
	case r.Method == http.MethodPost && path == base:
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body, _ := req["body"].(string)
		f.mu.Lock()
		n := len(f.issues) + 1
		is := map[string]any{"number": n, "title": req["title"], "body": body, "state": "open",
			"html_url": fmt.Sprintf("https://github.example/org/repo/issues/%d", n)}
		f.issues = append(f.issues, is)
		f.created[markerRe.FindString(body)]++
		f.mu.Unlock()
		select {
		case f.inFlight <- struct{}{}:
		default:
		}
		time.Sleep(f.hold)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(is)
	case r.Method == http.MethodGet && path == base:
		f.mu.Lock()
		out := make([]map[string]any, 0, len(f.issues))
		for i := len(f.issues) - 1; i >= 0; i-- {
			out = append(out, f.issues[i])
		}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(out)
	case strings.HasPrefix(path, base+"/"):
		n, err := strconv.Atoi(strings.TrimPrefix(path, base+"/"))
		f.mu.Lock()
		defer f.mu.Unlock()
		if err != nil || n < 1 || n > len(f.issues) {
			http.NotFound(w, r)
			return
		}
		is := f.issues[n-1]
		if r.Method == http.MethodPatch {
			var req map[string]any
			_ = json.NewDecoder(r.Body).Decode(&req)
			for _, k := range []string{"state", "body"} {
				if v, ok := req[k]; ok {
					is[k] = v
				}
			}
		}
		_ = json.NewEncoder(w).Encode(is)
	default:
		_, _ = io.Copy(io.Discard, r.Body)
		http.NotFound(w, r)
	}
}

// TestTrackerSyncCrashSQLite: `hindsight serve` is killed with SIGKILL
// while the tracker is creating an action item's issue (the issue exists,
// Hindsight has not recorded it), again and again; after the restarts
// every item has exactly one issue, and its Ticket names it (issue 20).
func TestTrackerSyncCrashSQLite(t *testing.T) {
	trackerCrash(t, "sqlite", filepath.Join(t.TempDir(), "tracker.db"))
}

// TestTrackerSyncCrashPostgres is TestTrackerSyncCrashSQLite on PostgreSQL.
func TestTrackerSyncCrashPostgres(t *testing.T) {
	trackerCrash(t, "postgres", postgresURL(t))
}

func trackerCrash(t *testing.T, name, db string) {
	const items = 5
	fake := &fakeGitHub{created: map[string]int{}, inFlight: make(chan struct{}, 1), hold: 400 * time.Millisecond}
	gh := httptest.NewServer(fake)
	defer gh.Close()

	in := &instance{t: t, name: name, db: db, dir: t.TempDir(), addr: freeAddr(t),
		env: []string{"GH_TOKEN=test-token", "HINDSIGHT_TRACKER_LEASE=1s"}}
	in.url = "http://" + in.addr
	cfg := "trackers:\n  github:\n    repo: org/repo\n    token_env: GH_TOKEN\n    base_url: " + gh.URL + "/\n"
	if err := os.WriteFile(filepath.Join(in.dir, ".hindsight.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	setToken(in.url, apiToken(t, db))
	in.start()
	t.Cleanup(in.stop)

	var ai []map[string]string
	for i := 1; i <= items; i++ {
		ai = append(ai, map[string]string{"id": fmt.Sprintf("AI-%03d", i), "action": fmt.Sprintf("Fix number %d", i), "owner": "dana",
			"priority": "P1", "target_date": "2026-12-20", "status": "Open"})
	}
	body, _ := json.Marshal(map[string]any{"title": "Tracker crash", "action_items": ai})
	res, err := do(http.MethodPost, in.url+"/api/v1/incidents", map[string]string{"Content-Type": "application/json"}, body)
	if err != nil || res.status != http.StatusCreated {
		t.Fatalf("create: %v %d %s", err, res.status, res.body)
	}
	var inc struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(res.body, &inc)
	if inc.ID == "" {
		t.Fatalf("no id in %s", res.body)
	}
	for i := 1; i <= items; i++ {
		res, err := do(http.MethodPost, fmt.Sprintf("%s/api/v1/incidents/%s/action-items/AI-%03d/issue", in.url, inc.ID, i), nil, nil)
		if err != nil || res.status != http.StatusAccepted {
			t.Fatalf("create issue %d: %v %d %s", i, err, res.status, res.body)
		}
	}
	// kill while a create's answer is held, a few times
	kills := 0
	for kills < 3 {
		select {
		case <-fake.inFlight:
			in.kill()
			kills++
			in.start()
		case <-time.After(30 * time.Second):
			t.Fatalf("no create reached the tracker in 30 s after %d kills\n%s", kills, in.logs())
		}
	}
	// then let it finish
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := do(http.MethodGet, in.url+"/api/v1/incidents/"+inc.ID+"/tracker-links", nil, nil)
		synced := 0
		if err == nil && res.status == http.StatusOK {
			var list struct {
				Links []struct {
					State string `json:"state"`
				} `json:"links"`
			}
			_ = json.Unmarshal(res.body, &list)
			for _, l := range list.Links {
				if l.State == "synced" {
					synced++
				}
			}
		}
		if synced == items {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d links synced after 90 s: %s\n%s", synced, items, res.body, in.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.issues) != items {
		t.Errorf("%d issues created for %d items: %v", len(fake.issues), items, fake.created)
	}
	for i := 1; i <= items; i++ {
		m := fmt.Sprintf("hindsight:%s/AI-%03d", inc.ID, i)
		if fake.created[m] != 1 {
			t.Errorf("%s: %d issues", m, fake.created[m])
		}
	}
	// every item's Ticket names its issue, written by the tracker
	res, err = do(http.MethodGet, in.url+"/api/v1/incidents/"+inc.ID, nil, nil)
	if err != nil || res.status != 200 {
		t.Fatalf("get: %v %d", err, res.status)
	}
	var doc struct {
		Doc struct {
			ActionItems []struct {
				ID, Ticket string
			} `json:"action_items"`
		} `json:"doc"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Doc.ActionItems
	tickets := map[string]bool{}
	for _, it := range got {
		if !strings.HasPrefix(it.Ticket, "org/repo#") || tickets[it.Ticket] {
			t.Errorf("item %s ticket %q", it.ID, it.Ticket)
		}
		tickets[it.Ticket] = true
	}
	if len(got) != items {
		t.Errorf("%d items in the document: %s", len(got), res.body)
	}
	t.Logf("%d SIGKILLs during creates; %d issues for %d items", kills, len(fake.issues), items)
}
