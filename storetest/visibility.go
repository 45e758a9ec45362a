package storetest

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func testDelete(t *testing.T, open Opener) {
	s := newStore(t, open)
	byTitle := seed(t, s)
	id := byTitle["alpha"]
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: id, BaseRevision: 1, Doc: spec{title: "alpha", start: "2026-01-10 08:00", body: "payments again",
		items: []hindsight.ActionItem{ai("AI-001", "dana", "P0", "2026-02-01", "Open")}}.doc()}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: id, Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	v := hindsight.SystemViewer
	t.Run("HiddenFromGet", func(t *testing.T) {
		_, err := s.FindIncidentByID(ctx(t), v, id)
		wantCode(t, "get deleted", err, hindsight.ENotFound)
	})
	t.Run("HiddenFromList", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), v, hindsight.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Incidents) != 4 {
			t.Errorf("list shows %v", titles(page.Incidents))
		}
	})
	t.Run("HiddenFromSearch", func(t *testing.T) {
		page, err := s.SearchIncidents(ctx(t), v, hindsight.SearchQuery{Text: "payments"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Hits) != 0 {
			t.Errorf("search finds the deleted incident")
		}
	})
	t.Run("HiddenFromActionItems", func(t *testing.T) {
		rows, err := s.FindActionItems(ctx(t), v, hindsight.ActionItemFilter{IncidentID: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 0 {
			t.Errorf("action items of the deleted incident: %d", len(rows))
		}
	})
	t.Run("HiddenFromRevisions", func(t *testing.T) {
		_, err := s.FindRevisions(ctx(t), v, id)
		wantCode(t, "revisions of deleted", err, hindsight.ENotFound)
	})
	t.Run("VisibleWhenAsked", func(t *testing.T) {
		inc, err := s.FindIncidentByID(ctx(t), v, id, hindsight.IncludeDeleted)
		if err != nil {
			t.Fatal(err)
		}
		if inc.DeletedAt.IsZero() || inc.DeletedBy != "admin" {
			t.Errorf("deleted incident: at %v by %q", inc.DeletedAt, inc.DeletedBy)
		}
		revs, err := s.FindRevisions(ctx(t), v, id, hindsight.IncludeDeleted)
		if err != nil || len(revs) != 2 {
			t.Errorf("history of the deleted incident: %v, %d revisions", err, len(revs))
		}
		only, err := s.FindIncidents(ctx(t), v, hindsight.IncidentFilter{Deleted: hindsight.OnlyDeleted})
		if err != nil || len(only.Incidents) != 1 || only.Incidents[0].ID != id || only.Incidents[0].DeletedAt.IsZero() {
			t.Errorf("only deleted: %v %v", err, ids(only.Incidents))
		}
		with, err := s.FindIncidents(ctx(t), v, hindsight.IncidentFilter{Deleted: hindsight.WithDeleted})
		if err != nil || len(with.Incidents) != 5 {
			t.Errorf("with deleted: %v %v", err, ids(with.Incidents))
		}
	})
	t.Run("NoUpdateOrSecondDelete", func(t *testing.T) {
		_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: id, BaseRevision: 2, Doc: &hindsight.Postmortem{}})
		wantCode(t, "update deleted", err, hindsight.ENotFound)
		wantCode(t, "delete twice", s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: id}), hindsight.ENotFound)
	})
	t.Run("Purge", func(t *testing.T) {
		if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: id, Purge: true}); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindIncidentByID(ctx(t), v, id, hindsight.IncludeDeleted)
		wantCode(t, "get purged", err, hindsight.ENotFound)
		_, err = s.FindRevision(ctx(t), v, id, 1, hindsight.IncludeDeleted)
		wantCode(t, "revision of purged", err, hindsight.ENotFound)
		// a live incident can be purged directly
		other := byTitle["bravo"]
		if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: other, Purge: true}); err != nil {
			t.Fatal(err)
		}
		page, err := s.SearchIncidents(ctx(t), v, hindsight.SearchQuery{Text: "elasticsearch"})
		if err != nil || len(page.Hits) != 0 {
			t.Errorf("search after purge: %v, %d hits", err, len(page.Hits))
		}
		// IDs are never reused
		next := mustCreate(t, s, spec{title: "after purge", start: "2026-01-10 09:00"}.doc())
		if next.ID != "INC-20260110-002" {
			t.Errorf("after a purge the next ID of the day is %s, want INC-20260110-002", next.ID)
		}
	})
}

func testRestricted(t *testing.T, open Opener) {
	s := newStore(t, open)
	open1 := mustCreate(t, s, spec{title: "public outage", start: "2026-09-09 09:00", body: "breach of nothing",
		items: []hindsight.ActionItem{ai("AI-001", "x", "P1", "2026-01-01", "Open")}}.doc())
	sec, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{
		Doc: spec{title: "secret breach", start: "2026-09-09 10:00", body: "breach of customer exports",
			items: []hindsight.ActionItem{ai("AI-001", "x", "P1", "2026-01-01", "Open")}}.doc(),
		Author: "sec", Restricted: true, Members: []string{"mallory-not", "sam", "sam", " "},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sec.Restricted || len(sec.Members) != 2 {
		t.Errorf("created restricted incident: %v members %v", sec.Restricted, sec.Members)
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
		sees bool
	}{
		{"Anonymous", hindsight.Viewer{}, false},
		{"NonMember", hindsight.Viewer{UserID: "mallory"}, false},
		{"Member", hindsight.Viewer{UserID: "sam"}, true},
		{"Admin", hindsight.Viewer{UserID: "root", Admin: true}, true},
		{"System", hindsight.SystemViewer, true},
	}
	for _, vc := range viewers {
		t.Run(vc.name, func(t *testing.T) {
			want := 1
			if vc.sees {
				want = 2
			}
			_, err := s.FindIncidentByID(ctx(t), vc.v, sec.ID)
			if vc.sees != (err == nil) || !vc.sees && !isNotFound(err) {
				t.Errorf("get: %v", err)
			}
			_, err = s.FindRevisions(ctx(t), vc.v, sec.ID)
			if vc.sees != (err == nil) || !vc.sees && !isNotFound(err) {
				t.Errorf("revisions: %v", err)
			}
			_, err = s.FindRevision(ctx(t), vc.v, sec.ID, 1)
			if vc.sees != (err == nil) || !vc.sees && !isNotFound(err) {
				t.Errorf("revision: %v", err)
			}
			page, err := s.FindIncidents(ctx(t), vc.v, hindsight.IncidentFilter{})
			if err != nil || len(page.Incidents) != want {
				t.Errorf("list: %v %v", err, ids(page.Incidents))
			}
			hits, err := s.SearchIncidents(ctx(t), vc.v, hindsight.SearchQuery{Text: "breach"})
			if err != nil || len(hits.Hits) != want || hits.Total != want {
				t.Errorf("search: %v %d hits, total %d", err, len(hits.Hits), hits.Total)
			}
			rows, err := s.FindActionItems(ctx(t), vc.v, hindsight.ActionItemFilter{Overdue: true})
			if err != nil || len(rows) != want {
				t.Errorf("action items: %v %d rows", err, len(rows))
			}
		})
	}
	t.Run("Unrestrict", func(t *testing.T) {
		off := false
		members := []string{}
		if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: sec.ID, BaseRevision: 1, Doc: spec{title: "secret breach"}.doc(), Restricted: &off, Members: &members}); err != nil {
			t.Fatal(err)
		}
		inc, err := s.FindIncidentByID(ctx(t), hindsight.Viewer{}, sec.ID)
		if err != nil || inc.Restricted || len(inc.Members) != 0 {
			t.Errorf("after unrestricting: %v", err)
		}
	})
	t.Run("RestrictOnUpdate", func(t *testing.T) {
		on := true
		members := []string{"sam"}
		if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: open1.ID, BaseRevision: 1, Doc: spec{title: "public outage"}.doc(), Restricted: &on, Members: &members}); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindIncidentByID(ctx(t), hindsight.Viewer{UserID: "mallory"}, open1.ID)
		wantCode(t, "get newly restricted", err, hindsight.ENotFound)
		inc, err := s.FindIncidentByID(ctx(t), hindsight.Viewer{UserID: "sam"}, open1.ID)
		if err != nil || !inc.Restricted || len(inc.Members) != 1 {
			t.Errorf("member reads newly restricted: %v", err)
		}
	})
}

func testMigrations(t *testing.T, open Opener) {
	s := newStore(t, open)
	m, ok := s.(hindsight.Migrator)
	if !ok {
		t.Skip("the store has no versioned schema")
	}
	status := func() (applied, pending int) {
		st, err := m.MigrationStatus(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range st {
			if x.Version == 0 || x.Name == "" {
				t.Errorf("migration without version or name: %+v", x)
			}
			if x.Applied {
				applied++
				if x.AppliedAt.IsZero() {
					t.Errorf("applied migration %d without time", x.Version)
				}
			} else {
				pending++
			}
		}
		return
	}
	all, pending := status()
	if all < 2 || pending != 0 {
		t.Fatalf("after open: %d applied, %d pending", all, pending)
	}
	if err := m.MigrateDown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if a, p := status(); a != all-1 || p != 1 {
		t.Fatalf("after down: %d applied, %d pending", a, p)
	}
	if err := m.MigrateUp(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if a, p := status(); a != all || p != 0 {
		t.Fatalf("after up: %d applied, %d pending", a, p)
	}
	if err := m.MigrateUp(ctx(t)); err != nil {
		t.Fatalf("up with nothing pending: %v", err)
	}
	inc := mustCreate(t, s, spec{title: "after migrations", body: "migrated"}.doc())
	page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "migrated"})
	if err != nil || len(page.Hits) != 1 || page.Hits[0].ID != inc.ID {
		t.Errorf("search after down and up: %v", err)
	}
}
