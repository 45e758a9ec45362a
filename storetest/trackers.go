package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// RunTrackers is the conformance suite of hindsight.TrackerStore and of
// the ticket projection (issue 20).
func RunTrackers(t *testing.T, open Opener) {
	t.Run("TicketProjected", func(t *testing.T) { testTicketProjected(t, open) })
	t.Run("LinkQueue", func(t *testing.T) { testTrackerQueue(t, open) })
	t.Run("EveryWriteQueuesChanges", func(t *testing.T) { testTrackerWrites(t, open) })
	t.Run("ItemTrackers", func(t *testing.T) { testItemTrackers(t, open) })
}

func trackerStore(t *testing.T, open Opener) (hindsight.Store, hindsight.TrackerStore) {
	s := newStore(t, open)
	ts, ok := s.(hindsight.TrackerStore)
	if !ok {
		t.Fatalf("%T does not implement hindsight.TrackerStore", s)
	}
	return s, ts
}

func trackerDoc() *hindsight.Postmortem {
	p := spec{title: "links", start: "2026-08-01 10:00", sev: "SEV-2", status: "Draft", owner: "a", services: []string{"api"}}.doc()
	p.ActionItems = []hindsight.ActionItem{ai("AI-001", "dana", "P1", "2026-09-01", "Open"), {Action: "no id", Status: hindsight.ItemOpen}}
	return p
}

func testTicketProjected(t *testing.T, open Opener) {
	s := newStore(t, open)
	p := trackerDoc()
	p.ActionItems[0].Ticket = "org/repo#12"
	inc := mustCreate(t, s, p)
	rows, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemFilter{IncidentID: inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Ticket != "org/repo#12" || rows[1].Ticket != "" {
		t.Fatalf("rows %+v", rows)
	}
}

func testTrackerQueue(t *testing.T, open Opener) {
	s, ts := trackerStore(t, open)
	inc := mustCreate(t, s, trackerDoc())
	l := &hindsight.TrackerLink{IncidentID: inc.ID, ItemKey: "AI-001", Kind: "github", Marker: hindsight.TrackerMarker(inc.ID, "AI-001"), WantDue: "2026-09-01", CreatedBy: "ann"}
	if err := ts.QueueTrackerIssue(ctx(t), l, []hindsight.AuditRecord{{Actor: "ann", Action: "action_item.issue"}}); err != nil {
		t.Fatal(err)
	}
	for _, dup := range []hindsight.TrackerLink{
		{IncidentID: inc.ID, ItemKey: "AI-001", Kind: "jira", Marker: "other"},
		{IncidentID: inc.ID, ItemKey: "#2", Kind: "github", Marker: l.Marker},
	} {
		if err := ts.QueueTrackerIssue(ctx(t), &dup, nil); hindsight.ErrorCode(err) != hindsight.EConflict {
			t.Errorf("second link %+v: %v, want a conflict", dup, err)
		}
	}
	later := Epoch.Add(24 * time.Hour)
	got, err := ts.ClaimTrackerLinks(ctx(t), hindsight.TrackerClaim{Now: later, Lease: time.Minute})
	if err != nil || len(got) != 1 || got[0].ItemKey != "AI-001" || got[0].State() != "creating" || got[0].Reason != "queued" {
		t.Fatalf("claim: %+v %v", got, err)
	}
	if again, err := ts.ClaimTrackerLinks(ctx(t), hindsight.TrackerClaim{Now: later, Lease: time.Minute}); err != nil || len(again) != 0 {
		t.Fatalf("leased link claimed again: %+v %v", again, err)
	}
	// a failure: retried at Next, with the reason shown
	next := later.Add(time.Hour)
	if err := ts.RecordTrackerAttempt(ctx(t), hindsight.TrackerAttempt{IncidentID: inc.ID, ItemKey: "AI-001", At: later, Err: "429: retry after 1h", Next: next}); err != nil {
		t.Fatal(err)
	}
	if got, _ := ts.ClaimTrackerLinks(ctx(t), hindsight.TrackerClaim{Now: next.Add(-time.Second), Lease: time.Minute}); len(got) != 0 {
		t.Fatalf("claimed before its next attempt: %+v", got)
	}
	got, err = ts.ClaimTrackerLinks(ctx(t), hindsight.TrackerClaim{Now: next, Lease: time.Minute})
	if err != nil || len(got) != 1 || got[0].Attempts != 1 || got[0].Reason != "429: retry after 1h" || !got[0].Pending {
		t.Fatalf("claim after the failure: %+v %v", got, err)
	}
	// success: the issue is recorded, nothing left to send
	echo := &hindsight.TrackerEcho{IncidentID: inc.ID, ItemKey: "AI-001", IssueKey: "org/repo#7", URL: "https://github.com/org/repo/issues/7", Remote: hindsight.TrackerState{Due: "2026-09-01"}}
	if err := ts.RecordTrackerAttempt(ctx(t), hindsight.TrackerAttempt{IncidentID: inc.ID, ItemKey: "AI-001", At: next, Echo: echo}); err != nil {
		t.Fatal(err)
	}
	byIssue, err := ts.FindTrackerLinkByIssue(ctx(t), "github", "org/repo#7")
	if err != nil || byIssue.State() != "synced" || byIssue.Attempts != 0 || byIssue.Reason != "" || byIssue.URL != echo.URL {
		t.Fatalf("by issue: %+v %v", byIssue, err)
	}
	if _, err := ts.FindTrackerLinkByIssue(ctx(t), "gitlab", "org/repo#7"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("other kind: %v", err)
	}
	if got, _ := ts.ClaimTrackerLinks(ctx(t), hindsight.TrackerClaim{Now: next.Add(time.Hour), Lease: time.Minute}); len(got) != 0 {
		t.Fatalf("synced link claimed: %+v", got)
	}
	all, err := ts.FindTrackerLinks(ctx(t), "")
	if err != nil || len(all) != 1 {
		t.Fatalf("links %+v %v", all, err)
	}
}

// testTrackerWrites: every save recomputes the links of its incident; a
// save that carries the tracker's own change (TrackerEcho) leaves nothing
// to send back.
func testTrackerWrites(t *testing.T, open Opener) {
	s, ts := trackerStore(t, open)
	p := trackerDoc()
	inc := mustCreate(t, s, p)
	for _, key := range []string{"AI-001", "#2"} {
		if err := ts.QueueTrackerIssue(ctx(t), &hindsight.TrackerLink{IncidentID: inc.ID, ItemKey: key, Kind: "github", Marker: hindsight.TrackerMarker(inc.ID, key)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// the worker records both issues: the item without an ID gets its
	// Ticket written in the same save
	p.ActionItems[1].Ticket = "org/repo#2"
	rev := 1
	save := func(p *hindsight.Postmortem, echo *hindsight.TrackerEcho) {
		t.Helper()
		in, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: rev, Doc: p, Author: "x", Tracker: echo})
		if err != nil {
			t.Fatal(err)
		}
		rev = in.Revision
	}
	save(p, &hindsight.TrackerEcho{IncidentID: inc.ID, ItemKey: "#2", IssueKey: "org/repo#2"})
	if err := ts.RecordTrackerAttempt(ctx(t), hindsight.TrackerAttempt{IncidentID: inc.ID, ItemKey: "AI-001",
		Echo: &hindsight.TrackerEcho{IncidentID: inc.ID, ItemKey: "AI-001", IssueKey: "org/repo#1", Remote: hindsight.TrackerState{Due: "2026-09-01"}}}); err != nil {
		t.Fatal(err)
	}
	states := func() map[string]hindsight.TrackerLink {
		t.Helper()
		ls, err := ts.FindTrackerLinks(ctx(t), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]hindsight.TrackerLink{}
		for _, l := range ls {
			out[l.ItemKey] = l
		}
		return out
	}
	if st := states(); st["AI-001"].State() != "synced" || st["#2"].State() != "synced" {
		t.Fatalf("after create: %+v", st)
	}
	// a user closes the second item and moves the first one's date: both
	// pending
	p.ActionItems[1].Status = hindsight.ItemClosed
	p.ActionItems[0].TargetDate = date("2026-10-01")
	save(p, nil)
	st := states()
	if l := st["#2"]; l.State() != "pending" || !l.WantClosed || l.RemoteClosed || l.Reason != "queued" {
		t.Errorf("closed item: %+v", l)
	}
	if l := st["AI-001"]; l.State() != "pending" || l.WantDue != "2026-10-01" || l.RemoteDue != "2026-09-01" {
		t.Errorf("re-dated item: %+v", l)
	}
	// the item moves down the table: found by its Ticket, not its position
	p.ActionItems = append([]hindsight.ActionItem{{Action: "new first", Status: hindsight.ItemOpen}}, p.ActionItems...)
	save(p, nil)
	if l := states()["#2"]; !l.WantClosed {
		t.Errorf("moved item lost: %+v", l)
	}
	// the tracker reopens #2 (webhook): saved with the echo, nothing to send
	p.ActionItems[2].Status = hindsight.ItemOpen
	save(p, &hindsight.TrackerEcho{IncidentID: inc.ID, ItemKey: "#2", Remote: hindsight.TrackerState{}})
	if l := states()["#2"]; l.State() != "synced" || l.WantClosed || l.RemoteClosed {
		t.Errorf("change from the tracker is to be sent back: %+v", l)
	}
	// the user puts the date back: nothing left to send for AI-001 either
	p.ActionItems[1].TargetDate = date("2026-09-01")
	save(p, nil)
	if l := states()["AI-001"]; l.State() != "synced" {
		t.Errorf("date put back: %+v", l)
	}
}

// testItemTrackers: FindItemTrackers returns, for the incidents asked
// about that the viewer may see (live ones), the revision, the Tracker
// field's rows and the links each placed on its item as FindLinkedItem
// places it in the document (by Ticket first, then by key; -1 when the
// item is gone); a restricted incident's links never reach a viewer
// without access; no incidents read nothing.
func testItemTrackers(t *testing.T, open Opener) {
	s, ts := trackerStore(t, open)
	doc := func(field string) *hindsight.Postmortem {
		p := trackerDoc()
		if field != "" {
			p.SetCustomField(hindsight.TrackerField, field)
		}
		return p
	}
	queue := func(id, key string) {
		t.Helper()
		if err := ts.QueueTrackerIssue(ctx(t), &hindsight.TrackerLink{IncidentID: id, ItemKey: key, Kind: "github", Marker: hindsight.TrackerMarker(id, key)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	pubDoc := doc("Jira OPS2")
	pub := mustCreate(t, s, pubDoc)
	multi := mustCreate(t, s, doc("github org/a, org/b"))
	sec, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: doc(""), Author: "sec", Restricted: true, Members: []string{"sam"}})
	if err != nil {
		t.Fatal(err)
	}
	gone := mustCreate(t, s, doc(""))
	queue(pub.ID, "AI-001")
	queue(pub.ID, "#2")
	queue(sec.ID, "AI-001")
	queue(gone.ID, "AI-001")
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: gone.ID, Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	// pub: AI-001's issue is created, then the item loses its ID (found by
	// its Ticket, in another case, at 0) and the item without an ID becomes
	// AI-009: #2 (no issue yet) is gone
	if err := ts.RecordTrackerAttempt(ctx(t), hindsight.TrackerAttempt{IncidentID: pub.ID, ItemKey: "AI-001",
		Echo: &hindsight.TrackerEcho{IncidentID: pub.ID, ItemKey: "AI-001", IssueKey: "org/repo#1", Remote: hindsight.TrackerState{Due: "2026-09-01"}}}); err != nil {
		t.Fatal(err)
	}
	first := pubDoc.ActionItems[0]
	first.ID, first.Ticket = "", "ORG/REPO#1"
	pubDoc.ActionItems = []hindsight.ActionItem{first, {ID: "AI-009", Action: "was #2", Status: hindsight.ItemOpen}}
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: pub.ID, BaseRevision: 1, Doc: pubDoc, Author: "x"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		pub.ID:   pub.ID + " rev 2 field [jira ops2] links [#2@-1 AI-001@0]",
		multi.ID: multi.ID + " rev 1 field [github org/a github org/a, org/b org/b] links []",
		sec.ID:   sec.ID + " rev 1 field [] links [AI-001@0]",
	}
	ask := []string{sec.ID, pub.ID, gone.ID, "INC-20990101-001", multi.ID, pub.ID, ""}
	for _, c := range []struct {
		name string
		v    hindsight.Viewer
		sees []string
	}{
		{"system", hindsight.SystemViewer, []string{pub.ID, multi.ID, sec.ID}},
		{"admin", hindsight.Viewer{UserID: "root", Admin: true}, []string{pub.ID, multi.ID, sec.ID}},
		{"member", hindsight.Viewer{UserID: "sam"}, []string{pub.ID, multi.ID, sec.ID}},
		{"not a member", hindsight.Viewer{UserID: "eve"}, []string{pub.ID, multi.ID}},
		{"anonymous", hindsight.Viewer{}, []string{pub.ID, multi.ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ts.FindItemTrackers(ctx(t), c.v, ask)
			if err != nil {
				t.Fatal(err)
			}
			var g, w []string
			for _, it := range got {
				g = append(g, itemTrackersString(it))
			}
			for _, id := range c.sees {
				w = append(w, want[id])
			}
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		})
	}
	// the links of pub as FindLinkedItem places them over its document
	got, err := ts.FindItemTrackers(ctx(t), hindsight.SystemViewer, []string{pub.ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("pub: %+v %v", got, err)
	}
	for i, l := range got[0].Links {
		if p := hindsight.FindLinkedItem(pubDoc.ActionItems, &l); p != got[0].Positions[i] {
			t.Errorf("link %s at %d, the document has it at %d", l.ItemKey, got[0].Positions[i], p)
		}
	}
	if l := got[0].LinkAt(0); l == nil || l.ItemKey != "AI-001" || l.IssueKey != "org/repo#1" || l.State() != "synced" {
		t.Errorf("link of the item at 0: %+v", l)
	}
	if l := got[0].LinkAt(1); l != nil {
		t.Errorf("link of AI-009: %+v", l)
	}
	// no incidents, or none that exists: nothing, and no query for none
	// (a cancelled context would fail one)
	done, cancel := context.WithCancel(ctx(t))
	cancel()
	for _, ids := range [][]string{nil, {}, {""}} {
		if got, err := ts.FindItemTrackers(done, hindsight.SystemViewer, ids); err != nil || len(got) != 0 {
			t.Errorf("%q: %+v %v, want nothing without a query", ids, got, err)
		}
	}
	if got, err := ts.FindItemTrackers(ctx(t), hindsight.SystemViewer, []string{"INC-20990101-001", gone.ID}); err != nil || len(got) != 0 {
		t.Errorf("unknown and deleted: %+v %v", got, err)
	}
}

func itemTrackersString(it hindsight.ItemTrackers) string {
	var ls []string
	for i, l := range it.Links {
		ls = append(ls, fmt.Sprintf("%s@%d", l.ItemKey, it.Positions[i]))
	}
	return fmt.Sprintf("%s rev %d field [%s] links [%s]", it.IncidentID, it.Revision, strings.Join(it.TrackerField, " "), strings.Join(ls, " "))
}
