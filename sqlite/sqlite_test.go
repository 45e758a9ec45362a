package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/storetest"
)

func open(t *testing.T, c storetest.Config) hindsight.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hindsight.db"),
		sqlite.Options{Render: c.Render, Clock: c.Clock, MaxDocBytes: c.MaxDocBytes, SearchWindow: c.SearchWindow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "live.db"), sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	create := func(i int) string {
		p := &hindsight.Postmortem{Title: fmt.Sprintf("incident %d", i), ExecutiveSummary: "backup test"}
		inc, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "t"})
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	var before []string
	for i := range 50 {
		before = append(before, create(i))
	}
	// keep writing while the backup runs
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1000; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := &hindsight.Postmortem{Title: fmt.Sprintf("during %d", i)}
			if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p}); err != nil {
				t.Errorf("write during backup: %v", err)
				return
			}
		}
	}()
	dst := filepath.Join(dir, "copy.db")
	err = s.Backup(ctx, dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatalf("backup over an existing copy: %v", err)
	}
	c, err := sqlite.Open(ctx, dst, sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range before {
		inc, err := c.FindIncidentByID(ctx, hindsight.SystemViewer, id)
		if err != nil {
			t.Fatalf("restored copy lacks %s: %v", id, err)
		}
		if inc.Doc.ExecutiveSummary != "backup test" {
			t.Errorf("restored %s differs", id)
		}
	}
	page, err := c.SearchIncidents(ctx, hindsight.SystemViewer, hindsight.SearchQuery{Text: "backup", Limit: 200})
	if err != nil || len(page.Hits) != len(before) {
		t.Errorf("search in the copy: %v, %d hits, want %d", err, len(page.Hits), len(before))
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		name string
		path string
		o    sqlite.Options
		code hindsight.Code
	}{
		{"NoRender", filepath.Join(t.TempDir(), "a.db"), sqlite.Options{}, hindsight.EInvalid},
		{"QuestionMark", filepath.Join(t.TempDir(), "a?.db"), sqlite.Options{Render: markdown.Render}, hindsight.EInvalid},
		{"MissingDir", filepath.Join(t.TempDir(), "no", "such", "dir", "a.db"), sqlite.Options{Render: markdown.Render}, hindsight.EUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), c.path, c.o)
			if err == nil {
				s.Close()
			}
			if got := hindsight.ErrorCode(err); got != c.code {
				t.Errorf("code %q (%v), want %q", got, err, c.code)
			}
		})
	}
}

func TestAuditAndOutbox(t *testing.T) {
	storetest.RunSideTables(t, open, func(t *testing.T, s hindsight.Store, table, id string) int {
		db, err := sql.Open("sqlite", s.(*sqlite.Store).Path())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM `+table+` WHERE incident_id = ?`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// TestTextQueryPlans: a full-text list filter gives the same pages whether
// the word counts as common (the list walks its sort order) or rare (it
// reads the matches), in every sort order and direction.
func TestTextQueryPlans(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "plans.db")
	openWith := func(common int) *sqlite.Store {
		s, err := sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render, CommonMatches: common})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	always, never := openWith(1), openWith(1_000_000)
	words := []string{"database", "certificate", "latency"}
	for i := range 40 {
		p := &hindsight.Postmortem{Title: fmt.Sprintf("incident %d", i)}
		p.Summary.Severity = []hindsight.Severity{hindsight.Sev1, hindsight.Sev2, hindsight.Sev3}[i%3]
		if i%7 != 0 {
			p.Summary.Start = hindsight.TimeOf(time.Date(2026, 1, 1+i%5, 10, 0, 0, 0, time.UTC))
		}
		body := "latency rose"
		if i%2 == 0 {
			body += "; the database failed over"
		}
		if i%9 == 0 {
			body += "; a certificate expired"
		}
		p.ExecutiveSummary = body
		if _, err := always.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	all := func(s *sqlite.Store, f hindsight.IncidentFilter) []string {
		var out []string
		for range 100 {
			page, err := s.FindIncidents(ctx, hindsight.SystemViewer, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page.Incidents {
				out = append(out, x.ID)
			}
			if page.Next == "" {
				return out
			}
			f.Cursor = page.Next
		}
		t.Fatal("paging does not end")
		return nil
	}
	for _, w := range append(words, "nothing", "database latency") {
		for _, sort := range []hindsight.IncidentSort{hindsight.SortStart, hindsight.SortSeverity, hindsight.SortUpdated, hindsight.SortID} {
			for _, desc := range []bool{false, true} {
				f := hindsight.IncidentFilter{Query: w, Sort: sort, Desc: desc, Limit: 3}
				a, n := all(always, f), all(never, f)
				if fmt.Sprint(a) != fmt.Sprint(n) {
					t.Errorf("%q by %s desc=%v: walking the order gives %v, reading the matches %v", w, sort, desc, a, n)
				}
				want := map[string]int{"database": 20, "certificate": 5, "latency": 40, "nothing": 0, "database latency": 20}[w]
				if len(a) != want {
					t.Errorf("%q: %d incidents, want %d", w, len(a), want)
				}
			}
		}
	}
}

// TestVersionMemory: the incident page's revision check answers from
// memory for VersionTTL, but every save through the same store is seen at
// once (even with an hour's TTL); a save by another process on the same
// file is seen once the TTL has passed; restricted incidents are never
// answered from memory, so visibility changes apply at once.
func TestVersionMemory(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "versions.db")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	openWith := func(ttl time.Duration) *sqlite.Store {
		s, err := sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render, Clock: clock, VersionTTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, other := openWith(time.Minute), openWith(-1)
	doc := func(title string) *hindsight.Postmortem { return &hindsight.Postmortem{Title: title} }
	inc, err := a.CreateIncident(ctx, hindsight.IncidentCreate{Doc: doc("v1"), Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	viewer := hindsight.Viewer{UserID: "bob"}
	wantRev := func(s *sqlite.Store, what string, want int) {
		t.Helper()
		rev, at, err := s.FindIncidentVersion(ctx, viewer, inc.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if rev != want {
			t.Errorf("%s: revision %d, want %d", what, rev, want)
		}
		full, err := s.FindIncidentByID(ctx, hindsight.SystemViewer, inc.ID)
		if err == nil && full.Revision == rev && !full.UpdatedAt.Equal(at) {
			t.Errorf("%s: time %v, the incident's %v", what, at, full.UpdatedAt)
		}
	}
	wantRev(a, "created", 1)
	for n := 2; n <= 5; n++ {
		if _, err := a.UpdateIncident(ctx, hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: n - 1, Doc: withIncID(doc(fmt.Sprint("v", n)), inc.ID), Author: "alice"}); err != nil {
			t.Fatal(err)
		}
		advance(time.Millisecond)
		wantRev(a, fmt.Sprint("after save ", n, " through the same store"), n)
	}
	// another process saves: seen after the TTL, not before
	if _, err := other.UpdateIncident(ctx, hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 5, Doc: withIncID(doc("v6"), inc.ID), Author: "carol"}); err != nil {
		t.Fatal(err)
	}
	wantRev(a, "another process's save within the TTL", 5)
	advance(time.Minute)
	wantRev(a, "another process's save after the TTL", 6)
	// restricted: the non-member gets not found at once, from either store
	restricted := true
	if _, err := a.UpdateIncident(ctx, hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 6, Doc: withIncID(doc("v7"), inc.ID), Author: "alice", Restricted: &restricted}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.FindIncidentVersion(ctx, viewer, inc.ID); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("restricted, a non-member: %v, want not found", err)
	}
	// deleted through the store: gone at once
	open := false
	if _, err := a.UpdateIncident(ctx, hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 7, Doc: withIncID(doc("v8"), inc.ID), Author: "alice", Restricted: &open}); err != nil {
		t.Fatal(err)
	}
	wantRev(a, "unrestricted again", 8)
	if err := a.DeleteIncident(ctx, hindsight.IncidentDelete{ID: inc.ID, Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.FindIncidentVersion(ctx, viewer, inc.ID); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("deleted: %v, want not found", err)
	}
}

func withIncID(p *hindsight.Postmortem, id string) *hindsight.Postmortem {
	p.Summary.IncidentID = id
	return p
}
