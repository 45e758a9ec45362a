package storetest

import (
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
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
