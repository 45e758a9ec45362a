package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
)

// generatedStore opens a store in a new file (its path returned too, for a
// second connection) and a function that adds n incidents from the
// generator seeded with seed, returning their IDs.
func generatedStore(t *testing.T, seed int64) (*Store, string, func(n int) []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(t.Context(), path, Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	g := gen.New(seed)
	add := func(n int) []string {
		t.Helper()
		var ids []string
		for range n {
			p := g.Postmortem()
			p.Summary.IncidentID = ""
			inc, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: p, Author: "t"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inc.ID)
		}
		return ids
	}
	return s, path, add
}
