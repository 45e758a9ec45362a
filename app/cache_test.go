package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/jackc/pgx/v5"
)

// pgSchema returns HINDSIGHT_TEST_POSTGRES_URL and a schema of its own for
// t (dropped at the end), or skips the test when the variable is unset.
func pgSchema(t *testing.T) (url, schema string) {
	t.Helper()
	url = os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL cases (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "hs_cache_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return url, schema
}

// cacheStores are the stores the cache tests run on: a SQLite file, and
// PostgreSQL when HINDSIGHT_TEST_POSTGRES_URL is set.
var cacheStores = map[string]func(t *testing.T) hindsight.Store{
	"sqlite": func(t *testing.T) hindsight.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
	"postgres": func(t *testing.T) hindsight.Store {
		url, schema := pgSchema(t)
		st, err := postgres.Open(context.Background(), url, postgres.Options{Render: app.Render, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
}

// twoInstances returns two services over two stores of one PostgreSQL
// schema: two servers sharing a database.
func twoInstances(t *testing.T) (*app.Service, *app.Service) {
	url, schema := pgSchema(t)
	open2 := func() *app.Service {
		st, err := postgres.Open(context.Background(), url, postgres.Options{Render: app.Render, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return app.New(st, app.Options{})
	}
	return open2(), open2()
}

// renderer counts its calls: a call is a cache miss.
type renderer struct{ calls int }

func (r *renderer) json(in *hindsight.Incident) ([]byte, error) {
	r.calls++
	return json.Marshal(in)
}

// read returns the incident as the cached JSON says it is.
func read(t *testing.T, s *app.Service, a app.Actor, id string, r *renderer) (*hindsight.Incident, error) {
	t.Helper()
	b, rev, err := s.Rendered(t.Context(), a, id, "json", r.json)
	if err != nil {
		return nil, err
	}
	var in hindsight.Incident
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	if in.Revision != rev {
		t.Fatalf("Rendered says revision %d of bytes of revision %d", rev, in.Revision)
	}
	return &in, nil
}

// TestRenderedCacheFollowsEveryWrite: the per-revision cache serves a
// revision's bytes until a write (save, status, action item, restriction,
// import, delete) makes another revision latest, and then the new one, at
// once, on both stores.
func TestRenderedCacheFollowsEveryWrite(t *testing.T) {
	for name, newStore := range cacheStores {
		t.Run(name, func(t *testing.T) {
			s := app.New(newStore(t), app.Options{})
			ctx := t.Context()
			in := open(t, s)
			var r renderer
			got, err := read(t, s, alice, in.ID, &r)
			if err != nil || got.Revision != 1 || r.calls != 1 {
				t.Fatalf("first read: rev %v, %d renders, %v", got, r.calls, err)
			}
			if !eventually(func() bool {
				c := r.calls
				got, err = read(t, s, bob, in.ID, &r)
				return err == nil && got.Revision == 1 && r.calls == c
			}) {
				t.Fatalf("second read: never served from the cache (%d renders), %v", r.calls, err)
			}
			md := func(in *hindsight.Incident, edit func(p *hindsight.Postmortem)) []byte {
				d := *in.Doc
				edit(&d)
				return markdown.Render(&d)
			}
			writes := []struct {
				name  string
				write func(cur *hindsight.Incident) error
				check func(got *hindsight.Incident) bool
			}{
				{"save", func(cur *hindsight.Incident) error {
					d := *cur.Doc
					d.ExecutiveSummary = "Saved summary"
					d.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Add alert", Owner: "Dana", Priority: hindsight.P1, Status: hindsight.ItemOpen}}
					_, err := s.Save(ctx, alice, cur.ID, cur.Revision, &d, app.SaveOptions{})
					return err
				}, func(got *hindsight.Incident) bool { return got.Doc.ExecutiveSummary == "Saved summary" }},
				{"status", func(cur *hindsight.Incident) error {
					_, err := s.SetStatus(ctx, alice, cur.ID, cur.Revision, hindsight.StatusInReview)
					return err
				}, func(got *hindsight.Incident) bool { return got.Doc.Status == hindsight.StatusInReview }},
				{"action item", func(cur *hindsight.Incident) error {
					_, err := s.SetActionItemStatus(ctx, bob, cur.ID, cur.Revision, "AI-001", hindsight.ItemClosed)
					return err
				}, func(got *hindsight.Incident) bool { return got.Doc.ActionItems[0].Status == hindsight.ItemClosed }},
				{"restrict", func(cur *hindsight.Incident) error {
					_, err := s.SetRestriction(ctx, alice, cur.ID, true, nil)
					return err
				}, func(got *hindsight.Incident) bool { return got.Restricted }},
				{"unrestrict", func(cur *hindsight.Incident) error {
					_, err := s.SetRestriction(ctx, alice, cur.ID, false, nil)
					return err
				}, func(got *hindsight.Incident) bool { return !got.Restricted }},
				{"import", func(cur *hindsight.Incident) error {
					res := s.Import(ctx, alice, "x.md", md(cur, func(p *hindsight.Postmortem) { p.ExecutiveSummary = "Imported summary" }), app.ImportOptions{Force: true})
					return res.Err
				}, func(got *hindsight.Incident) bool { return got.Doc.ExecutiveSummary == "Imported summary" }},
			}
			cur := got
			for _, w := range writes {
				calls := r.calls
				if err := w.write(cur); err != nil {
					t.Fatalf("%s: %v", w.name, err)
				}
				got, err := read(t, s, alice, in.ID, &r)
				if err != nil {
					t.Fatalf("read after %s: %v", w.name, err)
				}
				if got.Revision != cur.Revision+1 || !w.check(got) || r.calls < calls+1 {
					t.Errorf("after %s: revision %d (was %d), %d renders; want the new revision, rendered once", w.name, got.Revision, cur.Revision, r.calls-calls)
				}
				// then from the cache (on PostgreSQL the notification of the
				// write, when it comes, may make one more render)
				if !eventually(func() bool {
					c := r.calls
					again, err := read(t, s, bob, in.ID, &r)
					return err == nil && again.Revision == got.Revision && r.calls == c
				}) {
					t.Errorf("after %s, again: never served from the cache", w.name)
				}
				cur = got
			}
			if err := s.Delete(ctx, alice, in.ID, cur.Revision); err != nil {
				t.Fatal(err)
			}
			if _, err := read(t, s, alice, in.ID, &r); hindsight.ErrorCode(err) != hindsight.ENotFound {
				t.Errorf("read after delete: %v, want not found", err)
			}
		})
	}
}

// TestRenderedCacheNeverServesRestricted: a restricted incident's cached
// bytes never reach a reader who may not see it; the check runs on every
// read, and a refused read caches nothing.
func TestRenderedCacheNeverServesRestricted(t *testing.T) {
	for name, newStore := range cacheStores {
		t.Run(name, func(t *testing.T) {
			s := app.New(newStore(t), app.Options{})
			in := open(t, s)
			mallory := app.Actor{ID: "mallory", Name: "Mallory", Viewer: hindsight.Viewer{UserID: "mallory"}}
			var r renderer
			if _, err := read(t, s, mallory, in.ID, &r); err != nil {
				t.Fatalf("unrestricted: %v", err)
			}
			if _, err := s.SetRestriction(t.Context(), alice, in.ID, true, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := read(t, s, alice, in.ID, &r); err != nil { // the admin's read fills the cache
				t.Fatal(err)
			}
			for range 3 {
				if got, err := read(t, s, mallory, in.ID, &r); hindsight.ErrorCode(err) != hindsight.ENotFound {
					t.Fatalf("a non-member read a restricted incident: %+v, %v", got, err)
				}
			}
			// and bytes for another form of the same revision are not made
			// for a non-member either
			calls := r.calls
			if _, _, err := s.Rendered(t.Context(), mallory, in.ID, "md", r.json); hindsight.ErrorCode(err) != hindsight.ENotFound || r.calls != calls {
				t.Errorf("non-member, other form: %v, %d renders", err, r.calls-calls)
			}
		})
	}
}

// TestRenderedCacheTwoInstances: two servers share one PostgreSQL database;
// what instance B writes, instance A serves at once, though it had the
// previous revision cached.
func TestRenderedCacheTwoInstances(t *testing.T) {
	a, b := twoInstances(t)
	in := open(t, a)
	var r renderer
	for range 2 {
		if got, err := read(t, a, alice, in.ID, &r); err != nil || got.Revision != 1 {
			t.Fatalf("A: %v", err)
		}
	}
	d := *in.Doc
	d.ExecutiveSummary = "Written by B"
	if _, err := b.Save(t.Context(), bob, in.ID, in.Revision, &d, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	// A hears of B's commit by notification (LISTEN): at once, or after
	// the notification's trip
	var got *hindsight.Incident
	var err error
	if !eventually(func() bool {
		got, err = read(t, a, alice, in.ID, &r)
		return err == nil && got.Revision == 2 && got.Doc.ExecutiveSummary == "Written by B"
	}) {
		t.Fatalf("A after B's save: %+v, %v; want revision 2", got, err)
	}
	if _, err := b.SetRestriction(t.Context(), alice, in.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	mallory := app.Actor{ID: "mallory", Viewer: hindsight.Viewer{UserID: "mallory"}}
	if !eventually(func() bool {
		_, err := read(t, a, mallory, in.ID, &r)
		return hindsight.ErrorCode(err) == hindsight.ENotFound
	}) {
		t.Errorf("A served an incident B restricted to a non-member")
	}
	if err := b.Delete(t.Context(), alice, in.ID, 3); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool {
		_, err := read(t, a, alice, in.ID, &r)
		return hindsight.ErrorCode(err) == hindsight.ENotFound
	}) {
		t.Errorf("A served an incident B deleted")
	}
}

// eventually reports whether ok becomes true within 10 s (what another
// instance wrote reaches this one by a notification, after its trip).
func eventually(ok func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
