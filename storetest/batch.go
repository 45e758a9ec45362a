package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
)

// testCreateIncidents: CreateIncidents creates several incidents in one
// transaction, each as CreateIncident would; when one of them fails, none
// is created and no Incident ID is used up.
func testCreateIncidents(t *testing.T, open Opener) {
	s := newStore(t, open)
	huge := strings.Repeat("word ", hindsight.DefaultMaxDocBytes/5+1)
	batch := func(bodies ...string) []hindsight.IncidentCreate {
		var cs []hindsight.IncidentCreate
		for i, b := range bodies {
			cs = append(cs, hindsight.IncidentCreate{Doc: spec{title: "batch " + string(rune('a'+i)), start: "2026-07-01 10:00", body: b}.doc(),
				Author: "alice", Message: "imported", Audit: []hindsight.AuditRecord{{Actor: "alice", Action: "incident.create"}}})
		}
		return cs
	}
	cases := []struct {
		name    string
		cs      []hindsight.IncidentCreate
		code    hindsight.Code // of the error, "" for none
		wantIDs []string       // the incidents then in the store, in ID order
	}{
		{"OneFailsNoneCreated", batch("first", huge, "third"), hindsight.ETooLarge, nil},
		{"AllCreatedInOrder", batch("first", "second", "third"), "", []string{"INC-20260701-001", "INC-20260701-002", "INC-20260701-003"}},
		{"KeepIDTakenNoneCreated", append(batch("fourth"), hindsight.IncidentCreate{Doc: func() *hindsight.Postmortem {
			p := spec{title: "taken", start: "2026-07-01 10:00"}.doc()
			p.Summary.IncidentID = "INC-20260701-002"
			return p
		}(), KeepID: true}), hindsight.EConflict, []string{"INC-20260701-001", "INC-20260701-002", "INC-20260701-003"}},
		{"NextAfterFailures", batch("fourth"), "", []string{"INC-20260701-001", "INC-20260701-002", "INC-20260701-003", "INC-20260701-004"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ins, err := s.CreateIncidents(ctx(t), c.cs)
			if hindsight.ErrorCode(err) != c.code || (c.code != "" && err == nil) {
				t.Fatalf("error %v, want code %q", err, c.code)
			}
			if err == nil {
				if len(ins) != len(c.cs) {
					t.Fatalf("%d incidents for %d creates", len(ins), len(c.cs))
				}
				for i, in := range ins {
					if in.Doc.Title != c.cs[i].Doc.Title || in.Revision != 1 {
						t.Errorf("incident %d: %q revision %d, want %q revision 1", i, in.Doc.Title, in.Revision, c.cs[i].Doc.Title)
					}
				}
			}
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortID, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, in := range page.Incidents {
				got = append(got, in.ID)
			}
			if strings.Join(got, " ") != strings.Join(c.wantIDs, " ") {
				t.Errorf("incidents %q, want %q", got, c.wantIDs)
			}
		})
	}
}

// testCreateIncidentsAsOneByOne: incidents created together by one
// CreateIncidents (whose writes a store may send as one batch, with the
// insight rollups moved once for all of them) are stored exactly as the
// same incidents created one at a time: documents, visibility, action
// items, search and the insight tables. A failure of any of them, at
// whichever statement, leaves none, and the error names the incident.
func testCreateIncidentsAsOneByOne(t *testing.T, open Opener) {
	docs := func() []hindsight.IncidentCreate {
		g := gen.New(16)
		var cs []hindsight.IncidentCreate
		for i := range 40 {
			c := hindsight.IncidentCreate{Doc: g.Postmortem(), Author: "importer", Message: "imported",
				KeepID: i%3 != 0, Restricted: i%5 == 0,
				Audit:  []hindsight.AuditRecord{{Actor: "importer", Action: "incident.import"}},
				Outbox: []hindsight.OutboxEvent{{Event: "incident.created", Payload: []byte(`{}`)}}}
			if c.Restricted {
				c.Members = []string{"bob", "alice", "bob"}
			}
			cs = append(cs, c)
		}
		return cs
	}
	together, alone := newStore(t, open), newStore(t, open)
	ins, err := together.CreateIncidents(ctx(t), docs())
	if err != nil {
		t.Fatal(err)
	}
	cs := docs()
	for i, c := range cs {
		in, err := alone.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		if in.ID != ins[i].ID {
			t.Fatalf("incident %d: %s created alone, %s together", i, in.ID, ins[i].ID)
		}
	}
	// what each store holds, as text
	state := func(s hindsight.Store) string {
		var b strings.Builder
		for _, in := range ins {
			got, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s r%d restricted=%v members=%q teams=%q/%q\n%s\n", got.ID, got.Revision, got.Restricted, got.Members,
				got.Teams, got.MemberTeams, got.Markdown)
		}
		items, err := s.FindActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemFilter{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(jsonOf(t, items) + "\n")
		for _, q := range []string{"database", "latency", "rollback"} {
			page, err := s.SearchIncidents(ctx(t), hindsight.SystemViewer, hindsight.SearchQuery{Text: q, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range page.Hits {
				b.WriteString(h.ID + " ")
			}
			b.WriteString("\n")
		}
		if d, ok := s.(insightDumper); ok {
			dump, err := d.DumpInsightTables(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(dump)
		}
		return b.String()
	}
	if a, b := state(together), state(alone); a != b {
		al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("line %d differs:\ntogether: %s\nalone:    %s", i+1, al[i], bl[i])
			}
		}
		t.Fatalf("together %d lines, alone %d lines", len(al), len(bl))
	}
	// the rollups moved once for all of them are what migration 00050
	// builds from the incidents
	d, ok := together.(insightDumper)
	m, ok2 := together.(hindsight.Migrator)
	if ok && ok2 {
		before, err := d.DumpInsightTables(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if after := rebuiltInsights(t, m, d); after != before {
			t.Fatalf("insight tables after CreateIncidents differ from those migration 00050 builds:\n%s\nrebuilt:\n%s", before, after)
		}
	}
	for i, in := range ins {
		if in.Restricted != cs[i].Restricted || in.Revision != 1 || len(in.Markdown) == 0 {
			t.Errorf("returned incident %d: %s restricted %v revision %d, %d bytes", i, in.ID, in.Restricted, in.Revision, len(in.Markdown))
		}
	}

	// failures: the whole call fails with the failing incident's error
	fresh := func(title string) hindsight.IncidentCreate {
		return hindsight.IncidentCreate{Doc: spec{title: title, start: "2026-08-01 10:00"}.doc(), Author: "alice"}
	}
	keep := func(id string) hindsight.IncidentCreate {
		c := fresh("kept " + id)
		c.Doc.Summary.IncidentID, c.KeepID = id, true
		return c
	}
	unknownTeam := fresh("secret")
	unknownTeam.Restricted, unknownTeam.MemberTeams = true, []string{"no-such-team"}
	s := newStore(t, open)
	for _, c := range []struct {
		name string
		cs   []hindsight.IncidentCreate
		code hindsight.Code
		msg  string // in the error
	}{
		{"SameKeptIDTwice", []hindsight.IncidentCreate{fresh("a"), keep("INC-20260801-007"), fresh("b"), keep("INC-20260801-007")},
			hindsight.EConflict, "INC-20260801-007"},
		{"UnknownMemberTeam", []hindsight.IncidentCreate{fresh("a"), keep("INC-20260801-009"), unknownTeam, fresh("b")},
			hindsight.EInvalid, "no-such-team"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateIncidents(ctx(t), c.cs)
			if hindsight.ErrorCode(err) != c.code || err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want code %q naming %q", err, c.code, c.msg)
			}
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Incidents) != 0 {
				t.Errorf("%d incidents stored after a failed call", len(page.Incidents))
			}
		})
	}
	in, err := s.CreateIncident(ctx(t), fresh("after the failures"))
	if err != nil || in.ID != "INC-20260801-001" {
		t.Fatalf("next create: %v %v, want INC-20260801-001 (no Incident ID used up)", in, err)
	}
}
