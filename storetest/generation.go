package storetest

import (
	"context"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// testGeneration: a store that tells its generation (the list-page cache's
// key) gives a new one after every write of incident data and the same one
// while nothing is written.
func testGeneration(t *testing.T, open Opener) {
	s := newStore(t, open)
	g, ok := s.(interface {
		Generation(ctx context.Context) (string, error)
	})
	if !ok {
		t.Skip("the store tells no generation")
	}
	gen := func() string {
		t.Helper()
		v, err := g.Generation(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	seen := map[string]string{}
	expectNew := func(what string) {
		t.Helper()
		v := gen()
		if prev, ok := seen[v]; ok {
			t.Errorf("after %s the generation is %q, as after %s", what, v, prev)
		}
		seen[v] = what
		if again := gen(); again != v {
			t.Errorf("after %s, with nothing written: %q then %q", what, v, again)
		}
	}
	expectNew("opening")
	in := mustCreate(t, s, spec{title: "gen", start: "2026-05-01 10:00", sev: "SEV-2", owner: "dana"}.doc())
	expectNew("create")
	if _, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{}); err != nil {
		t.Fatal(err)
	}
	if v := gen(); seen[v] != "create" {
		t.Errorf("a read changed the generation to %q", v)
	}
	yes := true
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: in.ID, BaseRevision: 1, Author: "bob", Doc: withID(spec{title: "gen 2", start: "2026-05-01 10:00", sev: "SEV-2", owner: "dana"}.doc(), in.ID),
		Restricted: &yes, Members: &[]string{"sam"}}); err != nil {
		t.Fatal(err)
	}
	expectNew("update and restrict")
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: in.ID, Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	expectNew("delete")
}
