package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestFactorRepeatedEvent: a save that makes a factor category recur on a
// service within 90 days queues one factor.repeated event naming the
// other incidents; saving again, a repeat outside the window, another
// service, an uncategorized factor or a restricted earlier incident queue
// none.
func TestFactorRepeatedEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hs.db")
	clock := func() time.Time { return day }
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := app.New(st, app.Options{Now: clock})
	events := func() []app.Event {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(`SELECT payload FROM outbox WHERE event = ? ORDER BY id`, hindsight.EventFactorRepeated)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []app.Event
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			var e app.Event
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	doc := func(title, start, service string, factors ...string) *hindsight.Postmortem {
		tm, _ := hindsight.ParseTime(start)
		p := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
		p.Summary.Start = tm
		p.Summary.Services = []hindsight.Service{{Name: service, Impact: "down"}}
		p.RootCause.Factors = factors
		return p
	}
	create := func(p *hindsight.Postmortem, o app.CreateOptions) *hindsight.Incident {
		t.Helper()
		in, err := s.Create(context.Background(), alice, p, o)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	first := create(doc("first", "2026-06-01 10:00", "checkout", "[change/config] A hand-set limit"), app.CreateOptions{})
	create(doc("long ago", "2026-01-01 10:00", "search", "[change/config] Old"), app.CreateOptions{})
	create(doc("secret", "2026-06-03 10:00", "search", "[capacity] Hidden"), app.CreateOptions{Restricted: true})
	if n := len(events()); n != 0 {
		t.Fatalf("%d events before any repeat", n)
	}
	second := create(doc("second", "2026-07-15 10:00", "Checkout", "[Change/Config] Again", "No category"), app.CreateOptions{})
	evs := events()
	if len(evs) != 1 {
		t.Fatalf("events %+v, want one", evs)
	}
	r := evs[0].Repeat
	// (a new incident's events carry the ID in the outbox row, as
	// incident.created does)
	if evs[0].Title != second.Doc.Title || r == nil || r.Category != "change/config" || r.Service != "checkout" || strings.Join(r.Incidents, ",") != first.ID {
		t.Errorf("event %+v repeat %+v", evs[0], r)
	}
	// saving again changes nothing that repeats: no new event
	second.Doc.Title = "second, edited"
	if _, err := s.Save(context.Background(), alice, second.ID, second.Revision, second.Doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	// outside the window (2026-01-01 is 104 days before), another
	// service, a restricted earlier incident: none
	for _, p := range []*hindsight.Postmortem{
		doc("third", "2026-04-15 10:00", "search", "[change/config] Not within 90 days of long ago"),
		doc("fourth", "2026-06-02 10:00", "billing", "[change/config] Another service"),
		doc("fifth", "2026-06-04 10:00", "search", "[capacity] Only the restricted one before"),
	} {
		create(p, app.CreateOptions{})
	}
	if n := len(events()); n != 1 {
		t.Errorf("%d events, want still 1: %+v", n, events())
	}
	// a save adding the category makes the repeat: one event
	in := create(doc("sixth", "2026-06-20 10:00", "billing", "Uncategorized at first"), app.CreateOptions{})
	in.Doc.RootCause.Factors = []string{"[change/config] Categorized now"}
	if _, err := s.Save(context.Background(), alice, in.ID, in.Revision, in.Doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	evs = events()
	if len(evs) != 2 || evs[1].IncidentID != in.ID || evs[1].Repeat == nil || evs[1].Repeat.Service != "billing" {
		t.Errorf("after the save: %+v", evs)
	}
}
