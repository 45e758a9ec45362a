package app_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
)

// lister renders the first page of the list for an actor and counts its
// renders (a render is a cache miss).
type lister struct {
	s     *app.Service
	calls int
}

func (l *lister) list(t *testing.T, a app.Actor) map[string]hindsight.IncidentSummary {
	t.Helper()
	b, err := l.s.Listed(t.Context(), a, "test-list", "limit=50", func() ([]byte, error) {
		l.calls++
		p, err := l.s.Store().FindIncidents(t.Context(), a.Viewer, hindsight.IncidentFilter{Limit: 50})
		if err != nil {
			return nil, err
		}
		return json.Marshal(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	var p hindsight.IncidentPage
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	out := map[string]hindsight.IncidentSummary{}
	for _, in := range p.Incidents {
		out[in.ID] = in
	}
	return out
}

// TestListCacheFollowsEveryWrite: a cached list page is served until a
// write (create, save, status, action item, restriction, import, delete),
// and the new list at once after it, on both stores; a restricted
// incident never reaches the list of a reader who may not see it.
func TestListCacheFollowsEveryWrite(t *testing.T) {
	for name, newStore := range cacheStores {
		t.Run(name, func(t *testing.T) {
			s := app.New(newStore(t), app.Options{})
			ctx := t.Context()
			l := &lister{s: s}
			mallory := app.Actor{ID: "mallory", Name: "Mallory", Viewer: hindsight.Viewer{UserID: "mallory"}}
			in := open(t, s)
			if got := l.list(t, alice); len(got) != 1 || l.calls != 1 {
				t.Fatalf("first list: %d incidents, %d renders", len(got), l.calls)
			}
			if !eventually(func() bool { c := l.calls; l.list(t, alice); return l.calls == c }) {
				t.Fatalf("second list: never served from the cache")
			}
			cur := in
			step := func(name string, write func() error, check func(map[string]hindsight.IncidentSummary) bool) {
				t.Helper()
				calls := l.calls
				if err := write(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := l.list(t, alice)
				if !check(got) || l.calls != calls+1 {
					t.Errorf("after %s: %+v, %d renders; want the change, rendered once", name, got, l.calls-calls)
				}
				// then from the cache (on PostgreSQL the notification of the
				// write, when it comes, makes one more render)
				if !eventually(func() bool { c := l.calls; l.list(t, alice); return l.calls == c }) {
					t.Errorf("after %s, again: never served from the cache", name)
				}
				if c, err := s.Get(ctx, alice, in.ID); err == nil {
					cur = c
				}
			}
			var second *hindsight.Incident
			step("create", func() (err error) { second = open(t, s); return nil }, func(m map[string]hindsight.IncidentSummary) bool { return len(m) == 2 })
			step("save", func() error {
				d := *cur.Doc
				d.Title = "Saved title"
				d.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Add alert", Owner: "Dana", Priority: hindsight.P1, Status: hindsight.ItemOpen}}
				_, err := s.Save(ctx, alice, cur.ID, cur.Revision, &d, app.SaveOptions{})
				return err
			}, func(m map[string]hindsight.IncidentSummary) bool { return m[in.ID].Title == "Saved title" })
			step("status", func() error {
				_, err := s.SetStatus(ctx, alice, cur.ID, cur.Revision, hindsight.StatusInReview)
				return err
			}, func(m map[string]hindsight.IncidentSummary) bool { return m[in.ID].Status == hindsight.StatusInReview })
			step("action item", func() error {
				_, err := s.SetActionItemStatus(ctx, alice, cur.ID, cur.Revision, "AI-001", hindsight.ItemClosed)
				return err
			}, func(m map[string]hindsight.IncidentSummary) bool { return m[in.ID].OpenActionItems == 0 })
			// mallory's list, cached before the restriction
			if got := l.list(t, mallory); len(got) != 2 {
				t.Fatalf("mallory before the restriction: %d incidents", len(got))
			}
			step("restrict", func() error {
				_, err := s.SetRestriction(ctx, alice, cur.ID, true, nil)
				return err
			}, func(m map[string]hindsight.IncidentSummary) bool { return m[in.ID].Restricted })
			for range 2 {
				if got := l.list(t, mallory); len(got) != 1 || got[in.ID].ID != "" {
					t.Errorf("a non-member's list holds the restricted incident: %+v", got)
				}
			}
			step("import", func() error {
				d := *cur.Doc
				d.Title = "Imported title"
				return s.Import(ctx, alice, "x.md", markdown.Render(&d), app.ImportOptions{Force: true}).Err
			}, func(m map[string]hindsight.IncidentSummary) bool { return m[in.ID].Title == "Imported title" })
			step("delete", func() error { return s.Delete(ctx, alice, second.ID, second.Revision) },
				func(m map[string]hindsight.IncidentSummary) bool { _, ok := m[second.ID]; return !ok && len(m) == 1 })
		})
	}
}

// TestListCacheTwoInstances: what instance B writes, instance A's list
// shows as soon as the notification of B's commit reaches A, though A had
// the list cached (PostgreSQL).
func TestListCacheTwoInstances(t *testing.T) {
	a, b := twoInstances(t)
	in := open(t, a)
	l := &lister{s: a}
	if got := l.list(t, alice); len(got) != 1 {
		t.Fatalf("A: %d incidents", len(got))
	}
	if !eventually(func() bool { c := l.calls; l.list(t, alice); return l.calls == c }) {
		t.Fatal("A's list never served from the cache")
	}
	d := *in.Doc
	d.Title = "Renamed by B"
	if _, err := b.Save(t.Context(), bob, in.ID, in.Revision, &d, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return l.list(t, alice)[in.ID].Title == "Renamed by B" }) {
		t.Errorf("A after B's save: %+v", l.list(t, alice))
	}
	open(t, b)
	if !eventually(func() bool { return len(l.list(t, alice)) == 2 }) {
		t.Errorf("A after B's create: %d incidents, want 2", len(l.list(t, alice)))
	}
}

// TestListCacheKeepsNoHugePages: a list page of over 256 KiB (an export
// walking every incident 1,000 at a time) is not kept, so it cannot push
// out the pages read again.
func TestListCacheKeepsNoHugePages(t *testing.T) {
	s := app.New(cacheStores["sqlite"](t), app.Options{})
	for _, tc := range []struct {
		size, renders int
	}{{1 << 10, 1}, {300 << 10, 3}} {
		calls := 0
		for range 3 {
			if _, err := s.Listed(t.Context(), alice, "test", fmt.Sprint(tc.size), func() ([]byte, error) {
				calls++
				return make([]byte, tc.size), nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if calls != tc.renders {
			t.Errorf("a page of %d bytes read 3 times: %d renders, want %d", tc.size, calls, tc.renders)
		}
	}
}
