package demo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/demo"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/web"
)

// TestDemoData seeds the demo into a real SQLite database and checks it
// looks like a team's year: the examples and the generated incidents are
// all stored, the generated ones start within the last 12 months, there
// are open, overdue and closed action items, and no incident page shows a
// figure that disagrees with the document ("≠").
func TestDemoData(t *testing.T) {
	now := time.Date(2027, 2, 14, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: clock})
	ps, err := demo.Postmortems(now)
	if err != nil {
		t.Fatal(err)
	}
	n, err := demo.Seed(context.Background(), svc, now)
	if err != nil || n != len(ps) || n < 4+demo.Generated {
		t.Fatalf("seeded %d of %d: %v", n, len(ps), err)
	}
	if again, err := demo.Seed(context.Background(), svc, now); err != nil || again != 0 {
		t.Fatalf("a second seed stored %d: %v", again, err)
	}
	open, overdue, closed := 0, 0, 0
	for _, p := range ps[len(ps)-demo.Generated:] {
		if s := p.Summary.Start.T; s.Before(now.Add(-demo.Span)) || s.After(now) {
			t.Errorf("%s starts %s, not within the year before %s", p.Summary.IncidentID, s, now)
		}
		for _, a := range p.ActionItems {
			switch {
			case a.Status == hindsight.ItemClosed:
				closed++
			case a.TargetDate.IsSet() && a.TargetDate.T.Before(now):
				overdue++
			default:
				open++
			}
		}
	}
	if open == 0 || overdue == 0 || closed == 0 {
		t.Errorf("action items: %d open, %d overdue, %d closed; want some of each", open, overdue, closed)
	}
	ui, err := web.New(svc, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(srv.Close)
	for _, p := range ps {
		res, err := http.Get(srv.URL + "/incidents/" + p.Summary.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", p.Summary.IncidentID, res.StatusCode)
		}
		if strings.Contains(string(b), "≠") {
			t.Errorf("%s: the incident page shows a figure that disagrees with the document (≠)", p.Summary.IncidentID)
		}
	}
}

// TestDemoIDsUnique: whatever the clock, no generated incident takes an
// example's Incident ID (on 2026-12-06 at 20:57 UTC the 11th took
// INC-20260312-001 and the seed failed).
func TestDemoIDsUnique(t *testing.T) {
	base := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for h := 0; h < 24*20; h += 3 {
		now := base.Add(time.Duration(h)*time.Hour + 57*time.Minute)
		ps, err := demo.Postmortems(now)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if seen[p.Summary.IncidentID] {
				t.Fatalf("now %s: %s twice", now.Format(time.RFC3339), p.Summary.IncidentID)
			}
			seen[p.Summary.IncidentID] = true
		}
	}
}
