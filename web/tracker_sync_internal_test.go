package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestTrackersFromStore: the action item tracker's ticket column read from
// the store (withTrackers, FindItemTrackers) is what the documents give
// (trackersFromDocs, the page before): for each viewer, with and without
// a tracker configured, over items with and without tickets, queued,
// failed and synced links, links found by Ticket and gone, Tracker fields
// naming a configured tracker, another one, none, and one the shape rows
// cannot tell, and a restricted incident.
func TestTrackersFromStore(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	item := func(id, ticket string, status hindsight.ItemStatus) hindsight.ActionItem {
		return hindsight.ActionItem{ID: id, Action: "do " + id, Owner: "dana", Priority: hindsight.P1, Status: status, Ticket: ticket}
	}
	create := func(field string, restricted bool, items ...hindsight.ActionItem) string {
		t.Helper()
		p := &hindsight.Postmortem{Title: "tracker " + field, Status: hindsight.StatusDraft, ActionItems: items}
		p.Summary.Start = hindsight.TimeOf(at.Add(-time.Hour))
		if field != "" {
			p.SetCustomField(hindsight.TrackerField, field)
		}
		c := hindsight.IncidentCreate{Doc: p, Author: "ann"}
		if restricted {
			c.Restricted, c.Members = true, []string{"sam"}
		}
		in, err := st.CreateIncident(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	link := func(id, key string, echo *hindsight.TrackerEcho, fail string) {
		t.Helper()
		if err := st.QueueTrackerIssue(ctx, &hindsight.TrackerLink{IncidentID: id, ItemKey: key, Kind: "github", Marker: hindsight.TrackerMarker(id, key)}, nil); err != nil {
			t.Fatal(err)
		}
		if echo != nil || fail != "" {
			if err := st.RecordTrackerAttempt(ctx, hindsight.TrackerAttempt{IncidentID: id, ItemKey: key, At: at, Echo: echo, Err: fail, Next: at.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	open, closed := hindsight.ItemOpen, hindsight.ItemClosed
	plain := create("", false, item("AI-001", "", open), item("AI-002", "OPS-9", open), item("", "", open), item("AI-004", "", closed), item("", "", open))
	link(plain, "AI-001", nil, "")
	link(plain, "#3", &hindsight.TrackerEcho{IncidentID: plain, ItemKey: "#3", IssueKey: "org/repo#3", URL: "https://github.example/org/repo/issues/3"}, "")
	link(plain, "AI-004", nil, "502: bad gateway")
	// the issue's key is another item's Ticket: the link is that item's
	link(plain, "#5", &hindsight.TrackerEcho{IncidentID: plain, ItemKey: "#5", IssueKey: "OPS-9"}, "")
	jira := create("Jira OPS2", false, item("AI-001", "", open), item("AI-002", "", open))
	link(jira, "AI-002", nil, "")
	gitlab := create("gitlab grp/x", false, item("AI-001", "", open))
	multi := create("jira OPS2, github", false, item("AI-001", "", open), item("AI-002", "", open))
	link(multi, "AI-001", nil, "")
	secret := create("", true, item("AI-001", "", open), item("AI-002", "T-1", open))
	link(secret, "AI-001", nil, "")

	items, err := st.FindActionItems(ctx, hindsight.SystemViewer, hindsight.ActionItemFilter{})
	if err != nil || len(items) != 12 {
		t.Fatalf("items: %d %v", len(items), err)
	}
	rows := func() []*itemRow {
		out := make([]*itemRow, len(items))
		for i, it := range items {
			out[i] = &itemRow{It: hindsight.TrackedItem{ActionItemRow: it}, Return: "/action-items?status=any"}
		}
		return out
	}
	for _, cfg := range []struct{ name, yaml string }{
		{"none", ""},
		{"github and jira", "trackers:\n  github:\n    repo: org/repo\n  jira:\n    base_url: https://x.atlassian.net\n    project: OPS\n"},
	} {
		var lc *lint.Config
		if cfg.yaml != "" {
			if lc, err = lint.ParseConfig(".hindsight.yaml", []byte(cfg.yaml)); err != nil {
				t.Fatal(err)
			}
		}
		for _, viewer := range []string{"reader", "sam"} {
			t.Run(cfg.name+"/"+viewer, func(t *testing.T) {
				svc := app.New(st, app.Options{Now: clock, Lint: lc})
				ui, err := New(svc, Options{Actor: func(*http.Request) app.Actor {
					return app.Actor{ID: viewer, Name: viewer, Viewer: hindsight.Viewer{UserID: viewer}}
				}})
				if err != nil {
					t.Fatal(err)
				}
				r := httptest.NewRequest(http.MethodGet, "/action-items?status=any", nil)
				got, want := rows(), rows()
				ui.withTrackers(r, got)
				ui.trackersFromDocs(r, want)
				by := map[string]*trackerItem{}
				for i := range got {
					if got[i].TicketCol != want[i].TicketCol || !reflect.DeepEqual(got[i].Tracker, want[i].Tracker) {
						t.Errorf("%s %s: from the store %v %+v, from the document %v %+v", items[i].IncidentID, hindsight.ItemKeyOf(items[i].ActionItem, items[i].Position),
							got[i].TicketCol, got[i].Tracker, want[i].TicketCol, want[i].Tracker)
					}
					by[items[i].IncidentID+" "+hindsight.ItemKeyOf(items[i].ActionItem, items[i].Position)] = got[i].Tracker
				}
				// and what they agree on is the page's ticket column
				check := func(key string, f func(*trackerItem) bool) {
					t.Helper()
					if ti := by[key]; !f(ti) {
						t.Errorf("%s: %+v", key, ti)
					}
				}
				configured := lc != nil
				check(plain+" AI-001", func(ti *trackerItem) bool {
					return configured == (ti != nil && ti.Pending == "queued" && !ti.CanCreate && ti.Kind == "github")
				})
				check(plain+" #3", func(ti *trackerItem) bool {
					return configured == (ti != nil && ti.Issue == "org/repo#3" && ti.IssueURL != "" && ti.Pending == "")
				})
				check(plain+" AI-004", func(ti *trackerItem) bool { return configured == (ti != nil && ti.Pending == "502: bad gateway") })
				check(plain+" AI-002", func(ti *trackerItem) bool { return ti != nil && ti.Issue == "OPS-9" && !ti.CanCreate })
				check(jira+" AI-001", func(ti *trackerItem) bool { return configured == (ti != nil && ti.CanCreate && ti.Kind == "jira") })
				check(gitlab+" AI-001", func(ti *trackerItem) bool { return !configured || (ti != nil && !ti.CanCreate && ti.Kind == "") })
				check(multi+" AI-002", func(ti *trackerItem) bool { return configured == (ti != nil && ti.CanCreate && ti.Kind == "jira") })
				check(secret+" AI-002", func(ti *trackerItem) bool {
					if viewer == "sam" {
						return ti != nil && ti.Issue == "T-1" && ti.Kind == map[bool]string{true: "github"}[configured]
					}
					return reflect.DeepEqual(ti, &trackerItem{Issue: "T-1"})
				})
				check(secret+" AI-001", func(ti *trackerItem) bool {
					return configured == (ti != nil && (viewer == "sam") == (ti.Pending == "queued"))
				})
			})
		}
	}
}
