package storetest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

func testCreateAndFind(t *testing.T, open Opener) {
	s := newStore(t, open)
	p := spec{title: "Checkout database failover", start: "2026-03-12 14:05", sev: "SEV-1", status: "Draft",
		owner: "Dana", commander: "Eve", services: []string{"checkout", "payments"}, body: "Primary database failed over.",
		items: []hindsight.ActionItem{{ID: "AI-001", Action: "Add replica lag alert", Owner: "Dana", Priority: hindsight.P0, TargetDate: date("2026-04-01"), Status: hindsight.ItemOpen}}}.doc()
	inc := mustCreate(t, s, p)
	if inc.ID != "INC-20260312-001" || inc.Revision != 1 {
		t.Fatalf("created %s revision %d, want INC-20260312-001 revision 1", inc.ID, inc.Revision)
	}
	if p.Summary.IncidentID != "" {
		t.Errorf("CreateIncident changed the caller's model: IncidentID %q", p.Summary.IncidentID)
	}
	want := withID(p, inc.ID)
	got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, got.Doc) != jsonOf(t, want) {
		t.Errorf("stored model differs:\n got %s\nwant %s", jsonOf(t, got.Doc), jsonOf(t, want))
	}
	if !bytes.Equal(got.Markdown, markdown.Render(want)) {
		t.Errorf("stored Markdown is not the canonical rendering")
	}
	if !bytes.Contains(got.Markdown, []byte("INC-20260312-001")) {
		t.Errorf("stored Markdown lacks the Incident ID")
	}
	if got.CreatedBy != "alice" || got.UpdatedBy != "alice" || got.CreatedAt.IsZero() || !got.CreatedAt.Equal(got.UpdatedAt) || !got.DeletedAt.IsZero() {
		t.Errorf("record data: %+v", got)
	}
	if !got.CreatedAt.After(Epoch) || got.CreatedAt.After(Epoch.Add(time.Hour)) {
		t.Errorf("CreatedAt %v does not come from the injected clock", got.CreatedAt)
	}
	page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Incidents) != 1 {
		t.Fatalf("list: %d incidents, want 1", len(page.Incidents))
	}
	x := page.Incidents[0]
	checks := []struct {
		field string
		got   any
		want  any
	}{
		{"id", x.ID, inc.ID},
		{"title", x.Title, p.Title},
		{"severity", x.Severity, hindsight.Sev1},
		{"status", x.Status, hindsight.StatusDraft},
		{"start", x.Start, p.Summary.Start.T},
		{"end", x.End, p.Summary.End.T},
		{"detected", x.Detected, p.Detection.DetectionTime.T},
		{"duration", x.DurationMin, 90},
		{"tta", x.TTAMin, 4},
		{"ttm", x.TTMMin, 85},
		{"owner", x.Owner, "Dana"},
		{"commander", x.Commander, "Eve"},
		{"detected_by", x.DetectedBy, "Monitoring (Prometheus alert)"},
		{"source", x.Source, hindsight.DetectedMonitoring},
		{"services", strings.Join(x.Services, ","), "checkout,payments"},
		{"action_items", x.ActionItems, 1},
		{"open_action_items", x.OpenActionItems, 1},
		{"revision", x.Revision, 1},
		{"updated_by", x.UpdatedBy, "alice"},
	}
	for _, c := range checks {
		if g, w := jsonOf(t, c.got), jsonOf(t, c.want); g != w {
			t.Errorf("summary %s = %s, want %s", c.field, g, w)
		}
	}

	t.Run("NotFound", func(t *testing.T) {
		_, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, "INC-20260312-999")
		wantCode(t, "find unknown", err, hindsight.ENotFound)
	})
	t.Run("UnsetFieldsAreUnset", func(t *testing.T) {
		inc := mustCreate(t, s, &hindsight.Postmortem{Title: "bare"})
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortID, Desc: true, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		x := page.Incidents[0]
		if x.ID != inc.ID || !x.Start.IsZero() || x.DurationMin != -1 || x.TTAMin != -1 || len(x.Services) != 0 {
			t.Errorf("bare incident summary: %+v", x)
		}
	})
}

func testIncidentIDs(t *testing.T, open Opener) {
	s := newStore(t, open)
	cases := []struct {
		name, start, want string
	}{
		{"FirstOfDay", "2026-11-26 10:00", "INC-20261126-001"},
		{"SecondOfDay", "2026-11-26 23:59", "INC-20261126-002"},
		{"OtherDay", "2026-11-27 00:00", "INC-20261127-001"},
		{"UTCDayOfStart", "2026-11-26T23:30:00-05:00", "INC-20261127-002"},
		{"NoStartUsesCreationDay", "", "INC-" + Epoch.Format("20060102") + "-003"},
		{"ThirdOfDay", "2026-11-26 00:00", "INC-20261126-004"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &hindsight.Postmortem{Title: c.name}
			if c.start != "" {
				p.Summary.Start = tm(c.start)
			}
			// a stale ID in the model is replaced
			p.Summary.IncidentID = "INC-19990101-042"
			inc := mustCreate(t, s, p)
			if inc.ID != c.want || inc.Doc.Summary.IncidentID != c.want {
				t.Errorf("ID %s (model %s), want %s", inc.ID, inc.Doc.Summary.IncidentID, c.want)
			}
		})
	}
}

func testKeepID(t *testing.T, open Opener) {
	s := newStore(t, open)
	create := func(id string, start string) (*hindsight.Incident, error) {
		p := &hindsight.Postmortem{Title: "imported " + id}
		p.Summary.IncidentID = id
		if start != "" {
			p.Summary.Start = tm(start)
		}
		return s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: p, KeepID: true})
	}
	cases := []struct {
		name, id, start, want string
		code                  hindsight.Code
	}{
		{"Kept", "INC-20260312-005", "2026-03-12 10:00", "INC-20260312-005", ""},
		{"KeptEvenIfStartDiffers", "INC-20260101-002", "2026-03-12 10:00", "INC-20260101-002", ""},
		{"Taken", "INC-20260312-005", "", "", hindsight.EConflict},
		{"LowerStillFree", "INC-20260312-003", "", "INC-20260312-003", ""},
		{"NotAnIDIsAllocated", "legacy-42", "2026-03-12 11:00", "INC-20260312-006", ""},
		{"CounterMovedPast", "", "2026-03-12 12:00", "INC-20260312-007", ""},
		{"OtherDayCounter", "", "2026-01-01 12:00", "INC-20260101-003", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc, err := create(c.id, c.start)
			wantCode(t, c.name, err, c.code)
			if err == nil && (inc.ID != c.want || inc.Doc.Summary.IncidentID != c.want) {
				t.Errorf("ID %s, want %s", inc.ID, c.want)
			}
		})
	}
}

func testVerbatim(t *testing.T, open Opener) {
	s := newStore(t, open)
	cases := []struct{ name, text string }{
		{"Quotes", `She said "it's down" and 'it''s back' ` + "`code`"},
		{"SQL", `Robert'); DROP TABLE incidents;-- OR 1=1; SELECT * FROM revisions WHERE n = ? AND x = $1`},
		{"NUL", "before\x00after \x00"},
		{"Emoji", "Database 🔥 melted 🚒💾 ñandú Ωmega 日本語"},
		{"Markers", "control \x02 marks \x03 here"},
		{"Backslashes", `C:\path\to\file \n not a newline %s %d`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := spec{title: c.text, start: "2026-05-01 10:00", sev: "SEV-2", status: "Draft", owner: c.text, commander: c.text,
				services: []string{c.text}, body: c.text + "\n\nmore " + c.text,
				items: []hindsight.ActionItem{{ID: "AI-001", Action: c.text, Owner: "o", Priority: "P1", Status: "Open"}}}.doc()
			p.RootCause.Factors = []string{c.text}
			inc := mustCreate(t, s, p)
			got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Doc.Title != c.text || got.Doc.Owner != c.text || got.Doc.ExecutiveSummary != p.ExecutiveSummary ||
				got.Doc.Summary.Services[0].Name != c.text || got.Doc.RootCause.Factors[0] != c.text || got.Doc.ActionItems[0].Action != c.text {
				t.Errorf("model not verbatim: title %q owner %q", got.Doc.Title, got.Doc.Owner)
			}
			if !bytes.Equal(got.Markdown, markdown.Render(withID(p, inc.ID))) {
				t.Errorf("markdown not verbatim")
			}
			rev, err := s.FindRevision(ctx(t), hindsight.SystemViewer, inc.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rev.Markdown, got.Markdown) {
				t.Errorf("revision 1 markdown differs from the incident's")
			}
			// the text is usable in every filter and in search without error
			if _, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Owner: c.text, Service: c.text, Commander: c.text, Query: c.text}); err != nil {
				t.Errorf("list filtered by the text: %v", err)
			}
			if _, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: c.text}); err != nil {
				t.Errorf("search for the text: %v", err)
			}
			if _, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemFilter{Owner: c.text, Service: c.text}); err != nil {
				t.Errorf("action items filtered by the text: %v", err)
			}
		})
	}
	t.Run("UnstorableKeys", func(t *testing.T) {
		for _, id := range []string{"INC-\x00", "INC-\xff\xfe"} {
			_, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, id)
			wantCode(t, "find "+id, err, hindsight.ENotFound)
			_, err = s.FindRevisions(ctx(t), hindsight.SystemViewer, id)
			wantCode(t, "revisions of "+id, err, hindsight.ENotFound)
			_, err = s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: id, BaseRevision: 1, Doc: &hindsight.Postmortem{}})
			wantCode(t, "update "+id, err, hindsight.ENotFound)
			wantCode(t, "delete "+id, s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: id}), hindsight.ENotFound)
			if _, err := s.FindIncidents(ctx(t), hindsight.Viewer{UserID: id}, hindsight.IncidentFilter{Owner: id}); err != nil {
				t.Errorf("list as viewer %q: %v", id, err)
			}
			if _, err := s.FindActionItems(ctx(t), hindsight.Viewer{UserID: id}, hindsight.ActionItemFilter{IncidentID: id}); err != nil {
				t.Errorf("action items of %q: %v", id, err)
			}
		}
	})
	t.Run("OwnerFilterFindsSQLText", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Owner: cases[1].text})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Incidents) != 1 || page.Incidents[0].Owner != cases[1].text {
			t.Errorf("owner filter with SQL text found %v", ids(page.Incidents))
		}
	})
	t.Run("SearchFindsEmojiNeighbour", func(t *testing.T) {
		page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "melted"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Hits) != 1 || page.Hits[0].Title != cases[3].text {
			t.Errorf("search melted: %d hits", len(page.Hits))
		}
	})
}

func testUnvalidated(t *testing.T, open Opener) {
	s := newStore(t, open)
	// The store keeps what the model holds; validating is the service's job.
	p := spec{title: "odd values", start: "2026-06-01 10:00", sev: "SEV-9", status: "Done-ish", owner: "x",
		items: []hindsight.ActionItem{{ID: "AI-1", Action: "a", Owner: "o", Priority: "P7", TargetDate: hindsight.Date{Text: "next sprint"}, Status: "Blocked-ish"}}}.doc()
	p.Summary.End = hindsight.Time{Text: "Unknown"}
	p.Summary.Duration = hindsight.Duration{Text: "about two hours"}
	inc := mustCreate(t, s, p)
	mustCreate(t, s, spec{title: "normal", start: "2026-06-01 11:00", sev: "SEV-4"}.doc())
	got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Doc.Summary.Severity != "SEV-9" || got.Doc.Status != "Done-ish" || got.Doc.Summary.End.Text != "Unknown" ||
		got.Doc.Summary.Duration.Text != "about two hours" || got.Doc.ActionItems[0].Priority != "P7" {
		t.Errorf("unvalidated values changed: %s", jsonOf(t, got.Doc.Summary))
	}
	page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Severity: []hindsight.Severity{"SEV-9"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Incidents) != 1 || page.Incidents[0].DurationMin != -1 || !page.Incidents[0].End.IsZero() {
		t.Errorf("filter by SEV-9: %+v", page.Incidents)
	}
	page, err = s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortSeverity})
	if err != nil {
		t.Fatal(err)
	}
	if g := ids(page.Incidents); len(g) != 2 || g[1] != inc.ID {
		t.Errorf("unknown severity should sort after SEV-4: %v", g)
	}
	items, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemFilter{Priority: []hindsight.Priority{"P7"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].TargetDate.Text != "next sprint" || items[0].Status != "Blocked-ish" {
		t.Errorf("action item with odd values: %+v", items)
	}
}

func testBadInput(t *testing.T, open Opener) {
	s := newStore(t, open)
	huge := strings.Repeat("word ", hindsight.DefaultMaxDocBytes/5+1)
	inc := mustCreate(t, s, spec{title: "ok", start: "2026-07-01 10:00"}.doc())
	cases := []struct {
		name string
		do   func() error
		code hindsight.Code
	}{
		{"CreateTooLarge", func() error {
			_, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: spec{title: "big", start: "2026-07-01 11:00", body: huge}.doc()})
			return err
		}, hindsight.ETooLarge},
		{"UpdateTooLarge", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: spec{title: "big", body: huge}.doc()})
			return err
		}, hindsight.ETooLarge},
		{"CreateNoDoc", func() error {
			_, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{})
			return err
		}, hindsight.EInvalid},
		{"UpdateNoDoc", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1})
			return err
		}, hindsight.EInvalid},
		{"UpdateNoBase", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, Doc: &hindsight.Postmortem{}})
			return err
		}, hindsight.EInvalid},
		{"UpdateUnknown", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: "INC-20990101-001", BaseRevision: 1, Doc: &hindsight.Postmortem{}})
			return err
		}, hindsight.ENotFound},
		{"UpdateFutureBase", func() error {
			_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 7, Doc: &hindsight.Postmortem{}})
			return err
		}, hindsight.EConflict},
		{"BadCursor", func() error {
			_, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Cursor: "not a cursor!"})
			return err
		}, hindsight.EMalformed}, // a query parameter that cannot be read
		{"BadSort", func() error {
			_, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: "title; DROP"})
			return err
		}, hindsight.EInvalid},
		{"EmptySearch", func() error {
			_, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "  "})
			return err
		}, hindsight.EInvalid},
		{"DeleteUnknown", func() error {
			return s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: "INC-20990101-001"})
		}, hindsight.ENotFound},
		{"RevisionUnknown", func() error {
			_, err := s.FindRevision(ctx(t), hindsight.SystemViewer, inc.ID, 9)
			return err
		}, hindsight.ENotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.name, c.do(), c.code) })
	}
	t.Run("RefusedCreateUsesNoID", func(t *testing.T) {
		next := mustCreate(t, s, spec{title: "next", start: "2026-07-01 12:00"}.doc())
		if next.ID != "INC-20260701-002" {
			t.Errorf("after a refused create the next ID is %s, want INC-20260701-002", next.ID)
		}
	})
	t.Run("ConfiguredLimit", func(t *testing.T) {
		small := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now, MaxDocBytes: 4000})
		_, err := small.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: spec{title: "t", body: strings.Repeat("x", 5000)}.doc()})
		wantCode(t, "create over a 4000-byte limit", err, hindsight.ETooLarge)
	})
	t.Run("NoSearchableWords", func(t *testing.T) {
		page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: "!!! ---"})
		if err != nil || len(page.Hits) != 0 {
			t.Errorf("search for punctuation: %v, %d hits", err, len(page.Hits))
		}
	})
}

func testUpdate(t *testing.T, open Opener) {
	s := newStore(t, open)
	p := spec{title: "aardvark", start: "2026-08-01 10:00", sev: "SEV-3", status: "Draft", owner: "a", services: []string{"api"}}.doc()
	inc := mustCreate(t, s, p)
	p2 := spec{title: "zeppelin", start: "2026-08-01 10:00", sev: "SEV-2", status: "In Review", owner: "b", services: []string{"web", "db"}}.doc()
	p2.Summary.IncidentID = "INC-20000101-001" // IDs never change
	up, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: p2, Author: "bob", Message: "severity raised"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Revision != 2 || up.Doc.Title != "zeppelin" || up.Doc.Summary.IncidentID != inc.ID || up.UpdatedBy != "bob" || up.CreatedBy != "alice" {
		t.Fatalf("after update: revision %d title %q id %q by %q", up.Revision, up.Doc.Title, up.Doc.Summary.IncidentID, up.UpdatedBy)
	}
	if !up.UpdatedAt.After(up.CreatedAt) {
		t.Errorf("UpdatedAt %v not after CreatedAt %v", up.UpdatedAt, up.CreatedAt)
	}
	if !bytes.Contains(up.Markdown, []byte(inc.ID)) {
		t.Errorf("updated Markdown lacks the Incident ID")
	}
	revs, err := s.FindRevisions(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].N != 1 || revs[0].Author != "alice" || revs[0].Message != "created" || revs[1].N != 2 || revs[1].Author != "bob" ||
		revs[1].Message != "severity raised" || !revs[1].At.After(revs[0].At) || revs[0].Markdown != nil {
		t.Errorf("revisions: %+v", revs)
	}
	r1, err := s.FindRevision(ctx(t), hindsight.SystemViewer, inc.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r1.Markdown, markdown.Render(withID(p, inc.ID))) {
		t.Errorf("revision 1 Markdown changed")
	}
	// projections follow the latest revision
	cases := []struct {
		name string
		f    hindsight.IncidentFilter
		want int
	}{
		{"NewSeverity", hindsight.IncidentFilter{Severity: []hindsight.Severity{hindsight.Sev2}}, 1},
		{"OldSeverity", hindsight.IncidentFilter{Severity: []hindsight.Severity{hindsight.Sev3}}, 0},
		{"NewService", hindsight.IncidentFilter{Service: "db"}, 1},
		{"OldService", hindsight.IncidentFilter{Service: "api"}, 0},
		{"NewText", hindsight.IncidentFilter{Query: "zeppelin"}, 1},
		{"OldText", hindsight.IncidentFilter{Query: "aardvark"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Incidents) != c.want {
				t.Errorf("%d incidents, want %d", len(page.Incidents), c.want)
			}
		})
	}
}

func testConflict(t *testing.T, open Opener) {
	s := newStore(t, open)
	inc := mustCreate(t, s, spec{title: "t", start: "2026-08-02 10:00"}.doc())
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: spec{title: "by carol"}.doc(), Author: "carol"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: spec{title: "by dave"}.doc(), Author: "dave"})
	wantCode(t, "stale update", err, hindsight.EConflict)
	msg := hindsight.ErrorMessage(err)
	if !strings.Contains(msg, "carol") || !strings.Contains(msg, "revision 2") || !strings.Contains(msg, Epoch.Format("2006-01-02")) {
		t.Errorf("conflict message should say who saved in between and when: %q", msg)
	}
	got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Doc.Title != "by carol" || got.Revision != 2 {
		t.Errorf("after the refused update: %q revision %d", got.Doc.Title, got.Revision)
	}
}

// testDeleteIfMatch: a delete that names the revision its caller saw
// (If-Match) is refused with EConflict, in the delete's own transaction,
// when another revision was saved since, and deletes nothing; with the
// latest revision it deletes. A soft delete and a purge alike.
func testDeleteIfMatch(t *testing.T, open Opener) {
	s := newStore(t, open)
	for _, purge := range []bool{false, true} {
		inc := mustCreate(t, s, spec{title: "to delete", start: "2026-08-03 10:00"}.doc())
		// the caller read revision 1; carol saves revision 2 before the delete
		if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: spec{title: "by carol"}.doc(), Author: "carol"}); err != nil {
			t.Fatal(err)
		}
		err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Author: "admin", Base: 1, Purge: purge,
			Audit: []hindsight.AuditRecord{{Actor: "admin", Action: "incident.delete", IncidentID: inc.ID, At: Epoch}}})
		wantCode(t, "stale delete", err, hindsight.EConflict)
		if msg := hindsight.ErrorMessage(err); !strings.Contains(msg, "carol") || !strings.Contains(msg, "revision 2") {
			t.Errorf("purge %v: the conflict should say who saved in between: %q", purge, msg)
		}
		got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
		if err != nil || got.Revision != 2 {
			t.Fatalf("purge %v: after the refused delete: %v %v", purge, got, err)
		}
		wantCode(t, "delete with a revision that does not exist yet", s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Base: 3, Purge: purge}), hindsight.EConflict)
		if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Author: "admin", Base: 2, Purge: purge}); err != nil {
			t.Fatalf("purge %v: delete with the latest revision: %v", purge, err)
		}
		_, err = s.FindIncidentByID(ctx(t), hindsight.SystemViewer, inc.ID)
		wantCode(t, "get deleted", err, hindsight.ENotFound)
		wantCode(t, "delete again", s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Base: 2, Purge: purge}), hindsight.ENotFound)
	}
	// racing: a save and a delete that both start from revision 1 never
	// both succeed (the delete would remove a revision its caller never saw)
	for i := range 10 {
		inc := mustCreate(t, s, spec{title: fmt.Sprintf("race %d", i), start: "2026-08-04 10:00"}.doc())
		var wg sync.WaitGroup
		var saveErr, delErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, saveErr = s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: inc.ID, BaseRevision: 1, Doc: spec{title: "saved"}.doc(), Author: "carol"})
		}()
		go func() {
			defer wg.Done()
			delErr = s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID, Author: "admin", Base: 1})
		}()
		wg.Wait()
		if saveErr == nil && delErr == nil {
			t.Fatalf("race %d: a save and a delete from the same revision both succeeded", i)
		}
		if saveErr != nil && delErr != nil {
			t.Fatalf("race %d: both failed: %v; %v", i, saveErr, delErr)
		}
	}
}
